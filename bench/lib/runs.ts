import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { BENCH_OUT_DIR, REPO_ROOT } from './paths';

/**
 * Measures every server with every agent, `runs` times, interleaved (each run goes through all of
 * them before the next starts), one line printed per measurement; the measurements by
 * `server/agent`, in run order.
 */
export async function interleavedRuns<S extends string, A extends string, M>(
  runs: number,
  servers: readonly S[],
  agents: readonly A[],
  measure: (server: S, agent: A, run: number) => Promise<M>,
  describe: (m: M) => string,
): Promise<Map<string, M[]>> {
  const results = new Map<string, M[]>();
  for (let run = 1; run <= runs; run++) {
    for (const server of servers) {
      for (const agent of agents) {
        const m = await measure(server, agent, run);
        const key = `${server}/${agent}`;
        results.set(key, [...(results.get(key) ?? []), m]);
        console.log(`run ${run} ${key}: ${describe(m)}`);
      }
    }
  }
  return results;
}

/** Prints a report and writes it to .cache/bench/<fileName>. */
export function saveReport(fileName: string, text: string): void {
  mkdirSync(BENCH_OUT_DIR, { recursive: true });
  const file = path.join(BENCH_OUT_DIR, fileName);
  writeFileSync(file, text);
  console.log(text);
  console.log(`wrote ${path.relative(REPO_ROOT, file)}`);
}
