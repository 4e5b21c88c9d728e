import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { MatrixStats } from './matrix-stats';
import { ensureNode, PINNED_NODE_VERSIONS, resolvePinned } from './node-versions';
import { REPO_ROOT } from './paths';

/**
 * Runs the tests on every Node.js line, one after the other (2 cores: never two at once):
 *
 *   node build/test/kit/matrix.js              this machine's Node: the whole suite (.mocharc.json),
 *                                              then each pinned version: e2e + integration
 *   node build/test/kit/matrix.js 24 26.10.0   only those pinned versions (e2e + integration)
 *   node build/test/kit/matrix.js --full 22    the whole suite, unit tests too, on 22
 *
 * Each version runs mocha under its own binary, with that binary's folder first in PATH, so the
 * apps the tests spawn (process.execPath, or `node` through PATH as the CLI does) run on it too.
 * Prints a header per version, a table of counts, and a last line `matrix: N passed, N failed`;
 * exits non-zero if any test failed or any run did not finish.
 */

const MOCHA = path.join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const REPORTER = path.join(__dirname, 'matrix-reporter.js');
const E2E_SPECS = ['build/test/e2e/**/*.test.js', 'build/test/integration/**/*.test.js'];

interface MochaRc {
  spec: string[];
  timeout?: number;
}

interface Run {
  label: string;
  bin: string;
  suite: 'full' | 'e2e+integration';
}

interface Result extends MatrixStats {
  run: Run;
  exitCode: number | null;
  seconds: number;
  /** Why the run counts as failed though no test did (mocha crashed, a file did not load...). */
  note?: string;
}

function mochaArgs(suite: Run['suite']): string[] {
  const rc = JSON.parse(readFileSync(path.join(REPO_ROOT, '.mocharc.json'), 'utf8')) as MochaRc;
  const specs = suite === 'full' ? rc.spec : E2E_SPECS;
  return [
    MOCHA,
    '--no-config',
    '--timeout',
    String(rc.timeout ?? 20_000),
    '--exit',
    '--reporter',
    REPORTER,
    ...specs.flatMap((spec) => ['--spec', spec]),
  ];
}

function runOne(run: Run, statsFile: string): Promise<Result> {
  const started = Date.now();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: [path.dirname(run.bin), process.env.PATH ?? ''].join(path.delimiter),
    OTELITE_MATRIX_STATS: statsFile,
  };
  // The outer npm's idea of the node binary must not leak into npm/npx calls made by the tests.
  delete env.npm_node_execPath;
  delete env.NODE;
  return new Promise((resolve) => {
    const child = spawn(run.bin, mochaArgs(run.suite), { cwd: REPO_ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
    const finish = (exitCode: number | null, note?: string) => {
      const seconds = (Date.now() - started) / 1000;
      let stats: MatrixStats = { tests: 0, passes: 0, failures: 0, pending: 0, node: '?', failed: [] };
      if (existsSync(statsFile)) stats = JSON.parse(readFileSync(statsFile, 'utf8')) as MatrixStats;
      else note ??= 'mocha ended before reporting any result';
      if (exitCode !== 0 && stats.failures === 0) note ??= `mocha exited with ${exitCode}`;
      if (stats.pending > 0) note ??= `${stats.pending} pending: every test must run`;
      resolve({ run, ...stats, exitCode, seconds, note });
    };
    child.on('error', (error) => finish(null, `could not start: ${error.message}`));
    child.on('close', (code, signal) => finish(code, signal === null ? undefined : `killed by ${signal}`));
  });
}

function header(run: Run): void {
  const line = '='.repeat(78);
  console.log(`\n${line}\n Node ${run.label}: ${run.suite === 'full' ? 'the whole suite (unit, e2e, integration)' : 'e2e + integration'}\n ${run.bin}\n${line}`);
}

function table(results: Result[]): string {
  const rows = [
    ['node', 'suite', 'tests', 'passing', 'failing', 'pending', 'time', 'result'],
    ...results.map((r) => [
      r.node,
      r.run.suite,
      String(r.tests),
      String(r.passes),
      String(r.failures),
      String(r.pending),
      `${r.seconds.toFixed(0)} s`,
      ok(r) ? 'ok' : `FAILED${r.note === undefined ? '' : ` (${r.note})`}`,
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

function ok(r: Result): boolean {
  return r.exitCode === 0 && r.failures === 0 && r.pending === 0 && r.tests > 0 && r.note === undefined;
}

async function main(argv: string[]): Promise<number> {
  const full = argv.includes('--full');
  const noHost = argv.includes('--no-host');
  const specs = argv.filter((a) => !a.startsWith('--'));
  const runs: Run[] = [];
  if (specs.length === 0 && !noHost) runs.push({ label: `${process.versions.node} (this machine)`, bin: process.execPath, suite: 'full' });
  const versions = specs.length === 0 ? [...PINNED_NODE_VERSIONS] : specs.map(resolvePinned);
  for (const version of versions) runs.push({ label: version, bin: '', suite: full ? 'full' : 'e2e+integration' });

  const scratch = mkdtempSync(path.join(tmpdir(), 'otelite-matrix-'));
  const results: Result[] = [];
  const startedAll = Date.now();
  try {
    for (const [i, run] of runs.entries()) {
      if (run.bin === '') {
        try {
          run.bin = ensureNode(run.label);
        } catch (error) {
          results.push({ run, node: run.label, tests: 0, passes: 0, failures: 0, pending: 0, exitCode: null, seconds: 0, failed: [], note: (error as Error).message });
          continue;
        }
      }
      header(run);
      results.push(await runOne(run, path.join(scratch, `stats-${i}.json`)));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const passed = results.reduce((n, r) => n + r.passes, 0);
  // A run that failed with no failing test (crashed, pending tests) counts as one failure.
  const failed = results.reduce((n, r) => n + (r.failures > 0 ? r.failures : ok(r) ? 0 : 1), 0);
  const runsFailed = results.filter((r) => !ok(r)).length;
  console.log(`\nNode.js version matrix (${((Date.now() - startedAll) / 1000).toFixed(0)} s in all)\n`);
  console.log(table(results));
  console.log('');
  if (runsFailed > 0) console.log(`${runsFailed} of ${results.length} runs FAILED`);
  // Repeated here because CI often keeps only the end of the log, far from mocha's own report.
  for (const r of results) {
    for (const { title, message } of r.failed) console.log(`\nfailed on Node ${r.node}: ${title}\n${message.replace(/^/gm, '    ')}`);
  }
  // The closing line CI reads: totals over every version.
  console.log(`matrix: ${passed} passed, ${failed} failed`);
  return runsFailed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
