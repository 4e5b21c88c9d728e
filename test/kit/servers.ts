import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * Test kit: real PostgreSQL and Redis servers, each started on 127.0.0.1 and a random free port
 * with a throwaway data directory, and stopped (directory removed) by `stop()`.
 *
 *   const pg = await startPostgres();   // { host, port, user, database, stop }
 *   const redis = await startRedis();   // { host, port, stop }
 *
 * The binaries come from Debian's `postgresql` and `redis-server` packages; `ensure-servers.ts`
 * (run by `npm test`) installs them when missing. Nothing here ever skips: a missing binary is
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

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A port on 127.0.0.1 with no listener (free a moment ago), for connection-refused cases. */
export function closedPort(): Promise<number> {
  return freePort();
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before listening:\n${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
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

export async function startRedis(): Promise<RunningServer> {
  const server = findRedisServer();
  if (server === undefined) {
    throw new Error('redis-server not found: install Debian\'s "redis-server" package (npm test does this when run as root)');
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'otelite-redis-'));
  const port = await freePort();
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
