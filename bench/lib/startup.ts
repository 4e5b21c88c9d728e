import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { agents, commandLine, serverEnv, type Agent, type AgentId } from './agents';
import { BENCH_DIR } from './paths';
import { spawnTracked, tail } from './procs';
import { median } from './stats';

export const STARTUP_APP = path.join(BENCH_DIR, 'startup', 'app.cjs');

export type PreloadFlag = '--require' | '--import';

/** An agent and the flag that loads it. */
export interface StartupVariant {
  id: string;
  agent: AgentId;
  flag: PreloadFlag;
}

/** `--require` for every agent (a CommonJS app); `--import` too for otelite and the official agent. */
export const STARTUP_VARIANTS: StartupVariant[] = [
  { id: 'none', agent: 'none', flag: '--require' },
  { id: 'otelite', agent: 'otelite', flag: '--require' },
  { id: 'official', agent: 'official', flag: '--require' },
  { id: 'dd-trace', agent: 'dd-trace', flag: '--require' },
  { id: 'otelite --import', agent: 'otelite', flag: '--import' },
  { id: 'official --import', agent: 'official', flag: '--import' },
  { id: 'otelite-baseline', agent: 'otelite-baseline', flag: '--require' },
  { id: 'otelite-baseline --import', agent: 'otelite-baseline', flag: '--import' },
];

export interface StartupResult {
  id: string;
  agent: AgentId;
  flag: PreloadFlag;
  label: string;
  runs: number;
  /** Wall time from spawn to the process's exit (what hyperfine measures). */
  exitMs: number[];
  /** Wall time from spawn to the app's `ready` line (its requires done, agent loaded). */
  readyMs: number[];
  /** CPU time of the process (user + system, all threads) up to `ready` and up to exit: less sensitive to other load than wall time. */
  readyCpuMs: number[];
  exitCpuMs: number[];
  medianExitMs: number;
  medianReadyMs: number;
  addedExitMs: number;
  addedReadyMs: number;
  medianExitCpuMs: number;
  addedExitCpuMs: number;
  medianReadyCpuMs: number;
  addedReadyCpuMs: number;
  failures: string[];
}

function preloadArgs(agent: Agent, flag: PreloadFlag): string[] {
  if (agent.preload === undefined) return [];
  return flag === '--require' ? ['--require', agent.preload] : ['--import', pathToFileURL(agent.preload).href];
}

interface Once {
  readyMs: number;
  exitMs: number;
  readyCpuMs: number;
  exitCpuMs: number;
}

function once(agent: Agent, flag: PreloadFlag, env: NodeJS.ProcessEnv): Promise<Once> {
  const args = [...preloadArgs(agent, flag), STARTUP_APP];
  return new Promise((resolve, reject) => {
    const log = tail();
    const t0 = performance.now();
    let readyMs = NaN;
    const child = spawnTracked(process.execPath, args, { cwd: BENCH_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (Number.isNaN(readyMs) && /ready cpu=\d+\n/.test(out)) readyMs = performance.now() - t0;
    });
    child.stderr!.on('data', (d: Buffer) => log.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', (e) => (clearTimeout(timer), reject(e)));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const exitMs = performance.now() - t0;
      const readyCpu = /ready cpu=(\d+)/.exec(out);
      const exitCpu = /exit cpu=(\d+)/.exec(out);
      if (code !== 0 || Number.isNaN(readyMs) || !readyCpu || !exitCpu) {
        reject(new Error(`exit ${code ?? signal}, ready=${!Number.isNaN(readyMs)}: ${log.text()}`));
      } else {
        resolve({ readyMs, exitMs, readyCpuMs: Number(readyCpu[1]) / 1000, exitCpuMs: Number(exitCpu[1]) / 1000 });
      }
    });
  });
}

/**
 * `node [--require agent] bench/startup/app.cjs` (loads express, pg and redis, prints `ready`,
 * exits), `runs` times per agent, agents interleaved in each round, after one uncounted run each.
 */
export async function runStartup(
  runs: number,
  variants: readonly StartupVariant[],
  sinkUrl: string,
  log: (l: string) => void,
  appEnv: Record<string, string> = {},
  title = 'start-up',
): Promise<StartupResult[]> {
  const defs = agents(sinkUrl, 'bench-startup');
  const list = variants.map((v) => ({ v, agent: defs.find((a) => a.id === v.agent)! }));
  const results = new Map<string, StartupResult>(
    list.map(({ v, agent }) => [
      v.id,
      {
        id: v.id,
        agent: v.agent,
        flag: v.flag,
        label: v.agent === 'none' ? 'none' : `${agent.label}, ${v.flag}`,
        runs: 0,
        exitMs: [],
        readyMs: [],
        readyCpuMs: [],
        exitCpuMs: [],
        medianExitMs: NaN,
        medianReadyMs: NaN,
        addedExitMs: NaN,
        addedReadyMs: NaN,
        medianExitCpuMs: NaN,
        addedExitCpuMs: NaN,
        medianReadyCpuMs: NaN,
        addedReadyCpuMs: NaN,
        failures: [],
      },
    ]),
  );
  for (let round = 0; round <= runs; round++) {
    for (const { v, agent } of list) {
      const r = results.get(v.id)!;
      try {
        const t = await once(agent, v.flag, serverEnv(agent, appEnv));
        if (round === 0) continue; // warm-up: file cache, first compilation
        r.exitMs.push(t.exitMs);
        r.readyMs.push(t.readyMs);
        r.readyCpuMs.push(t.readyCpuMs);
        r.exitCpuMs.push(t.exitCpuMs);
        r.runs++;
      } catch (error) {
        r.failures.push((error as Error).message.slice(0, 500));
      }
    }
  }
  const none = results.get('none');
  for (const r of results.values()) {
    r.medianExitMs = median(r.exitMs);
    r.medianReadyMs = median(r.readyMs);
    r.medianExitCpuMs = median(r.exitCpuMs);
    r.medianReadyCpuMs = median(r.readyCpuMs);
    if (none !== undefined) {
      r.addedExitMs = r.medianExitMs - median(none.exitMs);
      r.addedReadyMs = r.medianReadyMs - median(none.readyMs);
      r.addedExitCpuMs = r.medianExitCpuMs - median(none.exitCpuMs);
      r.addedReadyCpuMs = r.medianReadyCpuMs - median(none.readyCpuMs);
    }
    const sg = (x: number): string => (x >= 0 ? '+' : '') + x.toFixed(1);
    log(
      `${title} ${r.id.padEnd(20)} exit ${r.medianExitMs.toFixed(1)} ms (${sg(r.addedExitMs)})  ` +
        `ready ${r.medianReadyMs.toFixed(1)} ms (${sg(r.addedReadyMs)})  CPU to exit ${r.medianExitCpuMs.toFixed(1)} ms (${sg(r.addedExitCpuMs)})  runs ${r.runs}${r.failures.length ? `  FAILURES ${r.failures.length}: ${r.failures[0]}` : ''}`,
    );
  }
  return [...results.values()];
}

export function startupCommand(agent: Agent, flag: PreloadFlag): string {
  return commandLine(agent, 'bench/startup/app.cjs', flag);
}
