import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './paths';

/** The CLI as users run it: bin/otelite under this Node, with a clean environment. */
export const BIN = path.join(REPO_ROOT, 'bin', 'otelite');
export const REGISTER_URL = pathToFileURL(path.join(REPO_ROOT, 'build', 'src', 'register.js')).href;
export const NODE = process.execPath;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The parent environment without anything that would change how otelite or the agent behaves. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('OTEL_') || k.startsWith('OTELITE_') || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export function runCli(
  args: string[],
  env: Record<string, string> = {},
  onStdout?: (soFar: string, child: ReturnType<typeof spawn>) => void,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [BIN, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      onStdout?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Whether `pid` is gone: no such process, or a zombie waiting to be reaped. */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true; // gone between the two reads
  }
}

/** Polls until `pid` is gone; the time it took in ms, or undefined if it still runs after `withinMs`. */
export async function waitUntilGone(pid: number, withinMs: number): Promise<number | undefined> {
  const start = Date.now();
  while (Date.now() - start < withinMs) {
    if (isGone(pid)) return Date.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return isGone(pid) ? Date.now() - start : undefined;
}

export interface LaunchedThroughShell {
  /** The launcher process: a stand-in for npm. */
  launcher: ChildProcess;
  /** The app otelite runs, and otelite itself (the app's parent). */
  appPid: number;
  cliPid: number;
  /** What otelite and the app wrote to stderr so far. */
  stderr(): string;
  /** Kills whatever is left (app first, then otelite and the launcher) and removes the scratch directory. */
  cleanUp(): void;
}

/**
 * Starts otelite the way npm runs a package's bin or a script: a launcher process runs
 * `sh -c '<otelite> <node> <app>'` (`shellSuffix` is appended to that script, e.g. ` & exit`).
 * `packageManager` sets npm_lifecycle_event as npm, yarn and pnpm do; `forwardSigterm` makes the
 * launcher do what npm does on SIGTERM: send it to the shell, and exit. The app is an http server
 * that stays up and writes its pid and its parent's to a file.
 */
export async function launchThroughShell(options: {
  packageManager: boolean;
  forwardSigterm: boolean;
  shellSuffix?: string;
}): Promise<LaunchedThroughShell> {
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'otelite-launch-'));
  const app = path.join(dir, 'app.js');
  const pids = path.join(dir, 'pids.json');
  const log = path.join(dir, 'stderr.log');
  fs.writeFileSync(
    app,
    `require('node:http').createServer((req, res) => res.end('ok')).listen(0, () => {\n` +
      // Written whole, then renamed: the test never reads half a file.
      `  const fs = require('node:fs');\n` +
      `  fs.writeFileSync(${JSON.stringify(pids + '.tmp')}, JSON.stringify({ app: process.pid, cli: process.ppid }));\n` +
      `  fs.renameSync(${JSON.stringify(pids + '.tmp')}, ${JSON.stringify(pids)});\n` +
      `});\n`,
  );
  const sq = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const script = `${[NODE, BIN, NODE, app].map(sq).join(' ')}${options.shellSuffix ?? ''}`;
  const launcherCode = [
    "const { spawn } = require('node:child_process');",
    `const err = require('node:fs').openSync(${JSON.stringify(log)}, 'a');`,
    `const sh = spawn('sh', ['-c', ${JSON.stringify(script)}], { stdio: ['ignore', 'ignore', err] });`,
    options.forwardSigterm ? "process.on('SIGTERM', () => { sh.kill('SIGTERM'); process.exit(143); });" : '',
    // A launcher that outlives its shell (otelite sent to the background) stays up until killed.
    'setInterval(() => {}, 60_000);',
  ].join('\n');
  const env = cleanEnv({ OTEL_TRACES_EXPORTER: 'none', npm_lifecycle_event: 'start' });
  // The tests themselves may run under npm or npx, which set it.
  if (!options.packageManager) delete env.npm_lifecycle_event;
  const launcher = spawn(NODE, ['-e', launcherCode], { env, stdio: 'ignore' });

  const start = Date.now();
  while (!fs.existsSync(pids)) {
    if (Date.now() - start > 15_000) {
      launcher.kill('SIGKILL');
      throw new Error(`the app did not start: ${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { app: appPid, cli: cliPid } = JSON.parse(fs.readFileSync(pids, 'utf8')) as { app: number; cli: number };
  return {
    launcher,
    appPid,
    cliPid,
    stderr: () => fs.readFileSync(log, 'utf8'),
    cleanUp() {
      for (const pid of [appPid, cliPid, launcher.pid ?? 0]) {
        if (pid > 0 && !isGone(pid)) process.kill(pid, 'SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
