import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REGISTER } from './paths';

/**
 * Starts Node apps as real child processes with the agent loaded the way users load it.
 *
 *   const app = startApp({ file, preload: '--import', env: { OTEL_SERVICE_NAME: 'a' } });
 *   await app.waitForOutput(/listening on (\d+)/);
 *   const { code, stdout } = await app.exited;
 */
export interface AppOptions {
  file: string;
  /** How the agent is loaded; `none` runs the app without it. */
  preload?: '--import' | '--require' | 'none';
  args?: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** `pipe` to talk to the app through `write` (default: no stdin). */
  stdin?: 'ignore' | 'pipe';
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningApp {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  exited: Promise<ExitInfo>;
  /** Resolves with the first match of `pattern` in stdout+stderr, or rejects after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(signal?: NodeJS.Signals): void;
  /** Writes to the app's stdin (started with `stdin: 'pipe'`). */
  write(text: string): void;
}

/** The environment of a test app: no OTEL_* or NODE_OPTIONS leaks in from the test runner. */
function cleanEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OTEL_') && !key.startsWith('OTELITE_') && key !== 'NODE_OPTIONS') env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export function startApp(options: AppOptions): RunningApp {
  const preload = options.preload ?? '--import';
  const nodeArgs = preload === 'none' ? [] : [preload, REGISTER];
  const child = spawn(process.execPath, [...nodeArgs, options.file, ...(options.args ?? [])], {
    env: cleanEnv(options.env ?? {}),
    cwd: options.cwd,
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = once(child, 'close').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
    stdout,
    stderr,
  }));

  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitForOutput(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = (stdout + stderr).match(pattern);
          if (match) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(match);
          }
        };
        const poll = setInterval(check, 10);
        const timer = setTimeout(() => {
          clearInterval(poll);
          reject(new Error(`timed out waiting for ${pattern}; stdout: ${stdout}\nstderr: ${stderr}`));
        }, timeoutMs);
        check();
        void exited.then(() => setTimeout(check, 0));
      });
    },
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      child.kill(signal);
    },
    write(text: string) {
      if (child.stdin === null) throw new Error('the app was started without stdin: pipe');
      child.stdin.write(text);
    },
  };
}

/** Runs an app to completion (killed after `timeoutMs`). */
export async function runApp(options: AppOptions, timeoutMs = 15_000): Promise<ExitInfo> {
  const app = startApp(options);
  const timer = setTimeout(() => app.kill('SIGKILL'), timeoutMs);
  try {
    return await app.exited;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs a fixture directory's `app.mjs`, after its `preload.cjs` (which installs hooks through
 * otelite's framework) or without it, and returns what the app printed as JSON.
 */
export async function runPreloadFixture(dir: string, withPreload: boolean): Promise<Record<string, unknown>> {
  const args = withPreload ? ['--require', join(dir, 'preload.cjs'), 'app.mjs'] : ['app.mjs'];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: dir, env: { PATH: process.env.PATH } });
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** The line the agent says when the process ends (process.exit(), a crash) with `lost` still queued (src/lifecycle.ts). */
export function lostAtExitLine(lost: string): string {
  return (
    `otelite warn: the process ended before the export (process.exit() or a crash, when Node waits for nothing): ${lost} not exported; ` +
    'an app that ends this way can lower OTEL_BSP_SCHEDULE_DELAY (spans) and OTEL_BLRP_SCHEDULE_DELAY (log records)'
  );
}
