import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * Test kit: real PostgreSQL, Redis and Prometheus servers, each started on 127.0.0.1 and a random
 * free port with a throwaway data directory, and stopped (directory removed) by `stop()`.
 *
 *   const pg = await startPostgres();   // { host, port, user, database, stop }
 *   const redis = await startRedis();   // { host, port, stop }
 *   const prom = await startPrometheus({ scrapeTargets: ['127.0.0.1:9464'], scrapeIntervalMs: 500 });
 *   await prom.waitForQuery('up');      // { host, port, query, waitForQuery, stop }
 *
 * The binaries come from Debian's `postgresql`, `redis-server` and `prometheus` packages;
 * `prepare.ts` (run by `npm test`) installs them when missing. Nothing here ever skips: a missing binary is
 * an error that says what to install.
 */

export interface RunningServer {
  host: string;
  port: number;
  stop(): Promise<void>;
}

export interface RunningPostgres extends RunningServer {
  user: string;
  database: string;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The directory holding initdb and postgres: PATH first, then Debian's versioned directory. */
export function findPostgresBin(): string | undefined {
  const initdb = onPath('initdb');
  if (initdb !== undefined && existsSync(path.join(path.dirname(initdb), 'postgres'))) return path.dirname(initdb);
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = path.join(root, version, 'bin');
    if (existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'postgres'))) return bin;
  }
  return undefined;
}

export function findRedisServer(): string | undefined {
  return onPath('redis-server') ?? (existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : undefined);
}

export function findPrometheus(): string | undefined {
  return onPath('prometheus') ?? (existsSync('/usr/bin/prometheus') ? '/usr/bin/prometheus' : undefined);
}

/** Listens on `port` of 127.0.0.1 (0: any free one) and closes again; resolves with the port bound. */
async function bindAndRelease(port: number): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const bound = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return bound;
}

/** Fails with a clear message when something listens on `port` (127.0.0.1) already. */
async function assertPortFree(port: number): Promise<void> {
  await bindAndRelease(port).catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'EADDRINUSE' ? `port ${port} is in use: stop what listens there, the suite needs its own server on it` : error.message);
  });
}

export function freePort(): Promise<number> {
  return bindAndRelease(0);
}

/**
 * A port on 127.0.0.1 with no listener, for connection-refused cases. It lies below the kernel's
 * ephemeral range, so no `listen(0)` (an app under test, `freePort`) can be handed it later: a
 * port that was merely free a moment ago could become the app's own server, and the "refused"
 * calls would reach it.
 */
export async function closedPort(): Promise<number> {
  const ephemeralLow = ephemeralPortRangeStart();
  const low = 20_000;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = low + Math.floor(Math.random() * (ephemeralLow - low));
    if ((await connectError(port))?.code === 'ECONNREFUSED') return port;
  }
  throw new Error(`no closed port found between ${low} and ${ephemeralLow} on 127.0.0.1 in 100 tries`);
}

function ephemeralPortRangeStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(start) && start > 20_100) return start;
  } catch {
    // not Linux, or /proc unreadable: Linux's default start
  }
  return 32_768;
}

/** Connects to 127.0.0.1:`port` and hangs up: undefined when something listens, else the error. */
function connectError(port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(undefined)));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error));
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before listening:\n${log()}`);
    if ((await connectError(port)) === undefined) return;
    if (Date.now() > deadline) throw new Error(`server did not listen on ${port} within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => (clearTimeout(timer), resolve()));
    child.kill(signal);
  });
}

/** PostgreSQL refuses to run as root; as root, the server runs as the `postgres` system user. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['runuser', ['-u', 'postgres', '--', command, ...args]];
}

export async function startPostgres(): Promise<RunningPostgres> {
  const bin = findPostgresBin();
  if (bin === undefined) {
    throw new Error('PostgreSQL server binaries (initdb, postgres) not found: install Debian\'s "postgresql" package (npm test does this when run as root)');
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'otelite-pg-'));
  const dataDir = path.join(dir, 'data');
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const [initCmd, initArgs] = asServerUser(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'otelite', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });
  const port = await freePort();
  const [cmd, args] = asServerUser(path.join(bin, 'postgres'), [
    '-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off',
  ]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  await waitForPort(port, child, 20_000, () => log);
  // A TCP connect can succeed while the server is still starting up; wait until it accepts queries.
  await new Promise((r) => setTimeout(r, 200));
  return {
    host: '127.0.0.1',
    port,
    user: 'otelite',
    database: 'postgres',
    async stop() {
      await stopChild(child, 'SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A throwaway Redis on a free port, or on `fixedPort` (for a suite that connects to a fixed one), which must be free. */
export async function startRedis(fixedPort?: number): Promise<RunningServer> {
  const server = findRedisServer();
  if (server === undefined) {
    throw new Error('redis-server not found: install Debian\'s "redis-server" package (npm test does this when run as root)');
  }
  if (fixedPort !== undefined) await assertPortFree(fixedPort);
  const dir = mkdtempSync(path.join(tmpdir(), 'otelite-redis-'));
  const port = fixedPort ?? (await freePort());
  const child = spawn(server, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  await waitForPort(port, child, 10_000, () => log);
  return {
    host: '127.0.0.1',
    port,
    async stop() {
      await stopChild(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One series of an instant query through Prometheus's HTTP API (`/api/v1/query`). */
export interface PromSeries {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RunningPrometheus extends RunningServer {
  /** An instant PromQL query; rejects when Prometheus says the query failed. */
  query(promql: string): Promise<PromSeries[]>;
  /** Polls `promql` until it returns at least one series (a scrape has happened), or rejects after `timeoutMs`. */
  waitForQuery(promql: string, timeoutMs?: number): Promise<PromSeries[]>;
}

export async function startPrometheus(options: { scrapeTargets: string[]; scrapeIntervalMs: number }): Promise<RunningPrometheus> {
  const binary = findPrometheus();
  if (binary === undefined) {
    throw new Error('prometheus not found: install Debian\'s "prometheus" package (npm test does this when run as root)');
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'otelite-prometheus-'));
  const interval = `${options.scrapeIntervalMs}ms`;
  // JSON is YAML: no YAML writer needed. The scrape timeout may not exceed the interval.
  const config = {
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    scrape_configs: [{ job_name: 'otelite-test', static_configs: [{ targets: options.scrapeTargets }] }],
  };
  const configFile = path.join(dir, 'prometheus.yml');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const port = await freePort();
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child, 20_000, () => log);
    // The port opens before the storage is ready; /-/ready says when queries work.
    const deadline = Date.now() + 20_000;
    while ((await fetch(`${base}/-/ready`).catch(() => undefined))?.status !== 200) {
      if (Date.now() > deadline) throw new Error(`prometheus was not ready within 20 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }

  async function query(promql: string): Promise<PromSeries[]> {
    const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; error?: string; data?: { result: PromSeries[] } };
    if (body.status !== 'success') throw new Error(`prometheus query ${promql} failed: ${body.error ?? response.status}`);
    return body.data!.result;
  }

  return {
    host: '127.0.0.1',
    port,
    query,
    async waitForQuery(promql, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const result = await query(promql);
        if (result.length > 0) return result;
        if (Date.now() > deadline) throw new Error(`no series for ${promql} within ${timeoutMs} ms; prometheus log:\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop,
  };
}
