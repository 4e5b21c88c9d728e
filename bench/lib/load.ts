import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startPostgres, startRedis, type RunningPostgres, type RunningServer } from '../../test/kit/servers';
import { agents, serverEnv, SERVER_LABELS, type Agent, type AgentId, type ServerId } from './agents';
import { BENCH_DIR, benchRequire } from './paths';
import { cpuTicks, cpuTimes, peakRss, TICKS_PER_SECOND } from './procs';
import { spansOf, startBackend, startServer, type Helper, type SinkCounts } from './services';
import { median, sleep } from './stats';
import { runWrk, type WrkResult } from './wrk';

export interface LoadOptions {
  servers: readonly ServerId[];
  agents: readonly AgentId[];
  rounds: number;
  warmupSeconds: number;
  /** Warm-up goes on, `warmupSeconds` at a time, until the server has answered this many requests. */
  warmupRequests: number;
  durationSeconds: number;
  threads: number;
  connections: number;
  wrk: string;
  sinkUrl: string;
  sinkCounts: () => Promise<SinkCounts>;
  /** The sink's pid, to report how much CPU it took (it shares the cores with the server). */
  sinkPid: number | undefined;
  /** How long a server may take to flush and exit after SIGTERM before it is killed. */
  stopGraceMs: number;
  path: string;
  log: (line: string) => void;
  /** True once the suite is interrupted: no new run starts. */
  shouldStop: () => boolean;
}

export interface Cell {
  server: ServerId;
  agent: AgentId;
  round: number;
  ok: boolean;
  error?: string;
  rps: number;
  p50Ms: number;
  p75Ms: number;
  p90Ms: number;
  p99Ms: number;
  measuredRequests: number;
  warmupRequests: number;
  non2xx: number;
  socketErrors: number;
  peakRssBytes: number | undefined;
  /** Server CPU (user + system, all threads) per request during the measured run, in µs. */
  cpuUsPerRequest: number | undefined;
  /** The kernel's part of it (system time): sockets, the exporter's sends, page faults. */
  systemCpuUsPerRequest: number | undefined;
  /** The sink's CPU time during the measured run, as a share of the run's wall time (1 = one core). */
  sinkCpuShare: number | undefined;
  /** Spans the sink received from this server's whole life (warm-up, measured run, exit flush). */
  spans: number;
  /** `spans` / every request the server answered (the check request, warm-up and measured run). */
  spansPerRequest: number;
  sink: Partial<SinkCounts>;
  stopForced: boolean;
  exit: string;
  stderr: string;
}

export interface Summary {
  server: ServerId;
  agent: AgentId;
  label: string;
  rounds: number;
  failedRounds: number;
  rps: number;
  /** Median over rounds of rps(agent, round) / rps(none, round). */
  ratio: number;
  p50Ms: number;
  p99Ms: number;
  /** Median over rounds of p99(agent) - p99(none). */
  addedP99Ms: number;
  peakRssMb: number;
  addedRssMb: number;
  cpuUsPerRequest: number;
  addedCpuUsPerRequest: number;
  /** Median over rounds of the system-time part of `addedCpuUsPerRequest`. */
  addedSystemCpuUsPerRequest: number;
  spansPerRequest: number;
  errors: number;
}

export interface Infra {
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** PostgreSQL, Redis (test/kit/servers) and the backend service, seeded, for the realistic route. */
export async function startRealisticInfra(lifetimeMs: number, log: (line: string) => void): Promise<Infra> {
  let pg: RunningPostgres | undefined;
  let redis: RunningServer | undefined;
  let backend: Helper | undefined;
  let postmaster: number | undefined;
  const stop = async (): Promise<void> => {
    // test/kit's stop() signals `runuser`, which does not pass the signal on to PostgreSQL promptly
    // (seen: runuser killed after 5 s, postgres left running): ask the postmaster itself for a
    // fast shutdown first, and wait for it.
    if (postmaster !== undefined) await stopPid(postmaster, 'SIGINT', 10_000);
    await Promise.allSettled([pg?.stop(), redis?.stop(), backend?.stop()]);
  };
  try {
    [pg, redis, backend] = await Promise.all([startPostgres(), startRedis(), startBackend(lifetimeMs)]);
    const { Client } = benchRequire('pg') as {
      Client: new (o: Record<string, unknown>) => { connect(): Promise<void>; query(sql: string): Promise<unknown>; end(): Promise<void> };
    };
    const client = new Client({ host: pg.host, port: pg.port, user: pg.user, database: pg.database });
    await client.connect();
    await client.query('CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, email text NOT NULL)');
    await client.query("INSERT INTO users SELECT i, 'User ' || i, 'user' || i || '@example.com' FROM generate_series(1, 1000) AS i");
    const dataDir = ((await client.query('SHOW data_directory')) as { rows: { data_directory: string }[] }).rows[0]!.data_directory;
    postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    await client.end();
    const { createClient } = benchRequire('redis') as { createClient(o: { url: string }): { connect(): Promise<unknown>; set(k: string, v: string): Promise<unknown>; quit(): Promise<unknown> } };
    const r = createClient({ url: `redis://${redis.host}:${redis.port}` });
    await r.connect();
    for (let id = 1; id <= 100; id++) await r.set(`user:${id}:visits`, String(id * 7));
    await r.quit();
    log(`realistic: PostgreSQL on ${pg.port}, Redis on ${redis.port}, backend on ${backend.port}`);
    return {
      env: {
        BENCH_PG_HOST: pg.host,
        BENCH_PG_PORT: String(pg.port),
        BENCH_PG_USER: pg.user,
        BENCH_PG_DATABASE: pg.database,
        BENCH_REDIS_URL: `redis://${redis.host}:${redis.port}`,
        BENCH_BACKEND_URL: backend.url,
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Signals a process that is not our child (so no 'exit' event) and polls until it is gone; SIGKILL after `graceMs`. */
async function stopPid(pid: number, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, signal);
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

function emptyCell(server: ServerId, agent: AgentId, round: number): Cell {
  return {
    server,
    agent,
    round,
    ok: false,
    rps: NaN,
    p50Ms: NaN,
    p75Ms: NaN,
    p90Ms: NaN,
    p99Ms: NaN,
    measuredRequests: 0,
    warmupRequests: 0,
    non2xx: 0,
    socketErrors: 0,
    peakRssBytes: undefined,
    cpuUsPerRequest: undefined,
    systemCpuUsPerRequest: undefined,
    sinkCpuShare: undefined,
    spans: 0,
    spansPerRequest: NaN,
    sink: {},
    stopForced: false,
    exit: '',
    stderr: '',
  };
}

function diffCounts(a: SinkCounts, b: SinkCounts): Partial<SinkCounts> {
  const d: Partial<SinkCounts> = {};
  for (const key of Object.keys(b) as (keyof SinkCounts)[]) {
    const v = b[key] - (a[key] ?? 0);
    if (v !== 0) d[key] = v;
  }
  return d;
}

/** The longest a warm-up may run, whatever `warmupRequests` asks. */
export const WARMUP_MAX_S = 40;

/**
 * wrk runs of `warmupSeconds` until the server has answered `warmupRequests`: the same work, so
 * about the same JIT warmth, for every agent however fast it serves. A fixed time gave a slow
 * server (the realistic route, ~900 requests per second) under a slow agent far fewer requests to
 * compile its hot code on than the same server without an agent.
 */
async function warmUp(options: LoadOptions, url: string): Promise<Pick<WrkResult, 'requests' | 'non2xx' | 'socketErrors'>> {
  const total = { requests: 0, non2xx: 0, socketErrors: 0 };
  const deadline = Date.now() + WARMUP_MAX_S * 1000;
  do {
    const run = await runWrk(options.wrk, url, options.warmupSeconds, options.threads, options.connections);
    total.requests += run.requests;
    total.non2xx += run.non2xx;
    total.socketErrors += run.socketErrors;
  } while (total.requests < options.warmupRequests && Date.now() + options.warmupSeconds * 1000 < deadline);
  return total;
}

async function runCell(options: LoadOptions, server: ServerId, agent: Agent, round: number, infraEnv: Record<string, string>): Promise<Cell> {
  const cell = emptyCell(server, agent.id, round);
  const file = path.join(BENCH_DIR, 'servers', `${server}.cjs`);
  const lifetimeMs = (WARMUP_MAX_S + options.durationSeconds + 120) * 1000;
  const before = await options.sinkCounts();
  const srv = await startServer(file, agent.preload, serverEnv(agent, { ...infraEnv, BENCH_MAX_LIFETIME_MS: String(lifetimeMs) })).catch(
    (error: Error) => {
      cell.error = `start: ${error.message}`;
      return undefined;
    },
  );
  if (srv === undefined) return cell;
  let measured: WrkResult | undefined;
  try {
    const url = `http://127.0.0.1:${srv.port}${options.path}`;
    const check = await fetch(url);
    const text = await check.text();
    if (check.status !== 200) throw new Error(`GET ${options.path} answered ${check.status}: ${text.slice(0, 300)}`);
    const warm = await warmUp(options, url);
    const sink0 = options.sinkPid !== undefined ? cpuTicks(options.sinkPid) : undefined;
    const cpu0 = cpuTimes(srv.pid);
    measured = await runWrk(options.wrk, url, options.durationSeconds, options.threads, options.connections);
    const cpu1 = cpuTimes(srv.pid);
    const sink1 = options.sinkPid !== undefined ? cpuTicks(options.sinkPid) : undefined;
    if (sink0 !== undefined && sink1 !== undefined) cell.sinkCpuShare = (sink1 - sink0) / TICKS_PER_SECOND / measured.seconds;
    cell.peakRssBytes = peakRss(srv.pid);
    cell.warmupRequests = warm.requests;
    cell.measuredRequests = measured.requests;
    cell.rps = measured.rps;
    cell.p50Ms = measured.p50Ms;
    cell.p75Ms = measured.p75Ms;
    cell.p90Ms = measured.p90Ms;
    cell.p99Ms = measured.p99Ms;
    cell.non2xx = warm.non2xx + measured.non2xx;
    cell.socketErrors = warm.socketErrors + measured.socketErrors;
    if (cpu0 !== undefined && cpu1 !== undefined && measured.requests > 0) {
      const requests = measured.requests;
      const usPerRequest = (ticks: number): number => ((ticks / TICKS_PER_SECOND) * 1e6) / requests;
      cell.cpuUsPerRequest = usPerRequest(cpu1.user + cpu1.system - cpu0.user - cpu0.system);
      cell.systemCpuUsPerRequest = usPerRequest(cpu1.system - cpu0.system);
    }
    cell.ok = true;
  } catch (error) {
    cell.error = (error as Error).message;
  } finally {
    const stopped = await srv.stop(options.stopGraceMs);
    cell.stopForced = stopped.forced;
    cell.exit = stopped.signal ?? String(stopped.code);
    // An exporter has its answer before the process ends; leave the sink a moment to count it.
    await sleep(100);
    const after = await options.sinkCounts();
    cell.sink = diffCounts(before, after);
    cell.spans = spansOf(after) - spansOf(before);
    const requests = 1 + cell.warmupRequests + cell.measuredRequests;
    cell.spansPerRequest = cell.ok ? cell.spans / requests : NaN;
    cell.stderr = srv.stderr().slice(0, 2000);
  }
  if (cell.ok && agent.exports && cell.spans === 0) {
    cell.ok = false;
    cell.error = 'the sink received no span from this agent';
  }
  return cell;
}

function fmt(x: number | undefined, digits: number): string {
  return x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits);
}

export async function runLoad(options: LoadOptions): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const server of options.servers) {
    const list = agents(options.sinkUrl, `bench-${server}`).filter((a) => options.agents.includes(a.id) && a.servers.includes(server));
    let infra: Infra | undefined;
    if (server === 'realistic') {
      const lifetime = options.rounds * list.length * (WARMUP_MAX_S + options.durationSeconds + 30) * 1000 + 300_000;
      infra = await startRealisticInfra(lifetime, options.log);
    }
    try {
      for (let round = 1; round <= options.rounds; round++) {
        for (const agent of list) {
          if (options.shouldStop()) throw new Error('interrupted');
          const t0 = Date.now();
          const cell = await runCell(options, server, agent, round, infra?.env ?? {});
          cells.push(cell);
          const took = ((Date.now() - t0) / 1000).toFixed(1);
          options.log(
            `${SERVER_LABELS[server].padEnd(31)} ${agent.id.padEnd(22)} round ${round}: ` +
              (cell.ok
                ? `${fmt(cell.rps, 0).padStart(6)} req/s  p50 ${fmt(cell.p50Ms, 2)} ms  p99 ${fmt(cell.p99Ms, 2)} ms  ` +
                  `RSS ${fmt((cell.peakRssBytes ?? NaN) / 2 ** 20, 0)} MB  CPU ${fmt(cell.cpuUsPerRequest, 1)} µs/req (kernel ${fmt(cell.systemCpuUsPerRequest, 1)})  ` +
                  `spans/req ${fmt(cell.spansPerRequest, 2)}${cell.stopForced ? '  (killed at stop)' : ''}  [${took} s]`
                : `FAILED: ${cell.error}`),
          );
        }
      }
    } finally {
      await infra?.stop();
    }
  }
  return cells;
}

export function summarize(cells: readonly Cell[], labels: Record<string, string>): Summary[] {
  const out: Summary[] = [];
  const servers = [...new Set(cells.map((c) => c.server))];
  for (const server of servers) {
    const mine = cells.filter((c) => c.server === server);
    const none = new Map(mine.filter((c) => c.agent === 'none' && c.ok).map((c) => [c.round, c]));
    for (const agent of [...new Set(mine.map((c) => c.agent))]) {
      const all = mine.filter((c) => c.agent === agent);
      const ok = all.filter((c) => c.ok);
      const paired = ok.filter((c) => none.has(c.round));
      const rss = (c: Cell): number => (c.peakRssBytes ?? NaN) / 2 ** 20;
      const cpu = (c: Cell): number => c.cpuUsPerRequest ?? NaN;
      const systemCpu = (c: Cell): number => c.systemCpuUsPerRequest ?? NaN;
      /** The median over rounds of the cell's value minus no agent's in the same round. */
      const added = (value: (c: Cell) => number): number => median(paired.map((c) => value(c) - value(none.get(c.round)!)));
      out.push({
        server,
        agent,
        label: labels[agent] ?? agent,
        rounds: all.length,
        failedRounds: all.length - ok.length,
        rps: median(ok.map((c) => c.rps)),
        ratio: median(paired.map((c) => c.rps / none.get(c.round)!.rps)),
        p50Ms: median(ok.map((c) => c.p50Ms)),
        p99Ms: median(ok.map((c) => c.p99Ms)),
        addedP99Ms: added((c) => c.p99Ms),
        peakRssMb: median(ok.map(rss)),
        addedRssMb: added(rss),
        cpuUsPerRequest: median(ok.map(cpu)),
        addedCpuUsPerRequest: added(cpu),
        addedSystemCpuUsPerRequest: added(systemCpu),
        spansPerRequest: median(ok.map((c) => c.spansPerRequest)),
        errors: ok.reduce((n, c) => n + c.non2xx + c.socketErrors, 0),
      });
    }
  }
  return out;
}
