import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { BENCH_DIR } from './paths';
import { spawnTracked, stopChild, tail, waitForLine } from './procs';

export interface SinkCounts {
  otlpRequests: number;
  otlpSpans: number;
  otlpBytes: number;
  ddRequests: number;
  ddTraces: number;
  ddSpans: number;
  ddBytes: number;
  otherRequests: number;
  decodeErrors: number;
}

export interface Helper {
  port: number;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A plain node process (no agent) from bench/, which prints PORT=<n>: the sink or the backend. */
async function startHelper(file: string, lifetimeMs: number): Promise<Helper> {
  const log = tail();
  const child = spawnTracked(process.execPath, [path.join(BENCH_DIR, file)], {
    cwd: BENCH_DIR,
    env: { PATH: process.env.PATH, BENCH_MAX_LIFETIME_MS: String(lifetimeMs) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => log.push(d));
  const port = Number(await waitForLine(child, /PORT=(\d+)/, 10_000, log.text));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    stop: async () => {
      await stopChild(child, 3_000);
    },
  };
}

export async function startSink(lifetimeMs: number): Promise<Helper & { counts(): Promise<SinkCounts> }> {
  const helper = await startHelper('sinks/sink.cjs', lifetimeMs);
  return {
    ...helper,
    async counts() {
      const res = await fetch(`${helper.url}/counts`);
      return (await res.json()) as SinkCounts;
    },
  };
}

export function startBackend(lifetimeMs: number): Promise<Helper> {
  return startHelper('servers/backend.cjs', lifetimeMs);
}

export function spansOf(c: SinkCounts): number {
  return c.otlpSpans + c.ddSpans;
}

export interface ServerUnderTest {
  pid: number;
  port: number;
  child: ChildProcess;
  stderr(): string;
  /** SIGTERM, then waits for the process to end by itself (agents flush); SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<{ forced: boolean; code: number | null; signal: string | null }>;
}

export interface StartOptions {
  /** Sees each line the server prints (V8's GC trace goes there). */
  onStdoutLine?: (line: string) => void;
  /** A command that runs node (`valgrind --tool=callgrind …`): node's path and arguments follow it. */
  launcher?: readonly string[];
  /** How long the server may take to print its port (30 s). */
  startTimeoutMs?: number;
}

/** Starts a benchmark server. */
export async function startServer(
  file: string,
  preload: string | undefined,
  env: NodeJS.ProcessEnv,
  nodeArgs: readonly string[] = [],
  options: StartOptions = {},
): Promise<ServerUnderTest> {
  const args = [...nodeArgs, ...(preload !== undefined ? ['--require', preload, file] : [file])];
  const [command, ...commandArgs] = [...(options.launcher ?? []), process.execPath, ...args];
  const log = tail(8000);
  const child = spawnTracked(command!, commandArgs, { cwd: BENCH_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => log.push(d));
  const { onStdoutLine } = options;
  if (onStdoutLine !== undefined) createInterface({ input: child.stdout!, crlfDelay: Infinity }).on('line', onStdoutLine);
  const port = Number(await waitForLine(child, /PORT=(\d+)/, options.startTimeoutMs ?? 30_000, log.text));
  // Keep draining stdout so that a chatty agent can never block on a full pipe.
  child.stdout!.on('data', () => {});
  return {
    pid: child.pid!,
    port,
    child,
    stderr: log.text,
    stop: (graceMs) => stopChild(child, graceMs),
  };
}
