import type { ChildProcess } from 'node:child_process';
import { spawnTracked } from './procs';

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p75Ms: number;
  p90Ms: number;
  p99Ms: number;
  non2xx: number;
  socketErrors: number;
}

export function wrkArgs(url: string, seconds: number, threads: number, connections: number): string[] {
  return [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', url];
}

function toMs(value: string, unit: string): number {
  const v = Number(value);
  if (unit === 'us') return v / 1000;
  if (unit === 'ms') return v;
  if (unit === 's') return v * 1000;
  if (unit === 'm') return v * 60_000;
  if (unit === 'h') return v * 3_600_000;
  throw new Error(`unknown wrk time unit ${unit}`);
}

export function parseWrk(out: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(out);
  if (!rps || !total) throw new Error(`cannot parse wrk output:\n${out}`);
  const pct = (p: string): number => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm').exec(out);
    return m ? toMs(m[1]!, m[2]!) : NaN;
  };
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests: Number(total[1]),
    seconds: toMs(total[2]!, total[3]!) / 1000,
    rps: Number(rps[1]),
    p50Ms: pct('50'),
    p75Ms: pct('75'),
    p90Ms: pct('90'),
    p99Ms: pct('99'),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: sock ? sock.slice(1, 5).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

/** Runs wrk to completion (it stops by itself after `seconds`; killed if it overruns by 30 s). */
export function runWrk(wrk: string, url: string, seconds: number, threads: number, connections: number): Promise<WrkResult> {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error(`load only targets 127.0.0.1, not ${url}`);
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawnTracked(wrk, wrkArgs(url, seconds, threads, connections), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.once('error', (e) => (clearTimeout(timer), reject(e)));
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`wrk exited with ${code}: ${err}${out}`));
      try {
        resolve(parseWrk(out));
      } catch (e) {
        reject(e);
      }
    });
  });
}
