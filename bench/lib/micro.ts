import * as path from 'node:path';
import { BUILD_BENCH_DIR } from './paths';
import { spawnTracked, tail } from './procs';

export interface MicroResult {
  file: string;
  name: string;
  unit: string;
  oteliteNs: number;
  officialNs: number;
  speedup: number;
  note?: string;
}

/** Each micro-benchmark runs in its own process (fresh JIT and heap): build/bench/micro/<file>.js. */
export const MICRO_FILES: { file: string; args: string[] }[] = [
  { file: 'span.js', args: [] },
  { file: 'context.js', args: [] },
  { file: 'propagation.js', args: [] },
  { file: 'encode.js', args: ['--compare'] },
  { file: 'metrics.js', args: [] },
  { file: 'metrics-collect.js', args: [] },
];

export function microCommand(file: string, args: string[], quick: boolean): string {
  return ['node', `build/bench/micro/${file}`, ...args, ...(quick ? ['--quick'] : []), '--json'].join(' ');
}

function runOne(file: string, args: string[], quick: boolean): Promise<MicroResult[]> {
  return new Promise((resolve, reject) => {
    const log = tail();
    const child = spawnTracked(process.execPath, [path.join(BUILD_BENCH_DIR, 'micro', file), ...args, ...(quick ? ['--quick'] : []), '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, NODE_ENV: 'production' },
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => log.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      if (code !== 0 || line === undefined) return reject(new Error(`${file} exited with ${code}: ${log.text()}`));
      const parsed = JSON.parse(line) as { micro: Omit<MicroResult, 'file'>[] };
      resolve(parsed.micro.map((m) => ({ file, name: m.name, unit: m.unit, oteliteNs: m.oteliteNs, officialNs: m.officialNs, speedup: m.speedup, note: m.note })));
    });
  });
}

export async function runMicro(quick: boolean, log: (l: string) => void): Promise<{ results: MicroResult[]; failures: string[] }> {
  const results: MicroResult[] = [];
  const failures: string[] = [];
  for (const { file, args } of MICRO_FILES) {
    try {
      for (const r of await runOne(file, args, quick)) {
        results.push(r);
        log(`${r.name.padEnd(62)} otelite ${r.oteliteNs.toFixed(1).padStart(8)} ns/${r.unit}  official ${r.officialNs.toFixed(1).padStart(8)} ns/${r.unit}  ${r.speedup.toFixed(2)}x`);
      }
    } catch (error) {
      failures.push((error as Error).message);
      log(`micro ${file} FAILED: ${(error as Error).message}`);
    }
  }
  return { results, failures };
}
