/**
 * Helpers shared by the reliability tests (test/reliability/*.test.ts):
 * - `startServerApp`: the node:http service of test/fixtures/reliability/server-app.cjs, with or
 *   without the agent, with `/stats` (memory after a GC, active handles) and a load driver;
 * - `runLoad`: a bounded request loop over keep-alive connections to 127.0.0.1, with latencies;
 * - `SwitchableProxy`: a TCP forwarder in front of an OTLP receiver that can go down (nothing
 *   listening: connection refused) and come back on the same port;
 * - `droppedReported`: the dropped-span total the agent reported on stderr.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { decodeTraceRequest, type DecodedSpan } from '../kit/otlp-decoder';
import { FIXTURES } from '../kit/paths';
import { startApp, type AppOptions, type ExitInfo, type RunningApp } from '../kit/process';

export const RELIABILITY_FIXTURES = path.join(FIXTURES, 'reliability');
export const SERVER_APP = path.join(RELIABILITY_FIXTURES, 'server-app.cjs');

/** OTELITE_RELIABILITY_VERBOSE=1 prints the measurements (latencies, heap, handles) as tests run. */
export function report(line: string): void {
  if (process.env.OTELITE_RELIABILITY_VERBOSE) process.stdout.write(`      ${line}\n`);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Stats {
  served: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  resources: Record<string, number>;
  /** Live async resources by type (timers and sockets, unref'ed ones too), with TRACK_RESOURCES=1. */
  live: Record<string, number>;
}

export interface ServerApp {
  app: RunningApp;
  port: number;
  agent: http.Agent;
  get(urlPath: string): Promise<{ status: number; body: string }>;
  stats(): Promise<Stats>;
  /** Waits for the process to end by itself; SIGKILL (and a rejection) after `timeoutMs`. */
  exited(timeoutMs: number): Promise<ExitInfo>;
  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILL after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitInfo>;
}

export async function startServerApp(options: Partial<AppOptions> & { file?: string }): Promise<ServerApp> {
  const app = startApp({
    file: options.file ?? SERVER_APP,
    preload: options.preload ?? '--require',
    args: options.args,
    cwd: options.cwd,
    env: { NODE_OPTIONS: '--expose-gc', OTEL_NODE_EXCLUDED_URLS: '/stats', ...options.env },
  });
  let port: number;
  try {
    const [, p] = await app.waitForOutput(/LISTENING (\d+)/, 15_000);
    port = Number(p);
  } catch (error) {
    app.kill('SIGKILL');
    throw error;
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const get = (urlPath: string) => request(port, urlPath, agent);
  return {
    app,
    port,
    agent,
    get,
    stats: async () => JSON.parse((await get('/stats')).body) as Stats,
    async exited(timeoutMs: number) {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        app.kill('SIGKILL');
      }, timeoutMs);
      try {
        const exit = await app.exited;
        if (timedOut) throw new Error(`the app did not end within ${timeoutMs} ms:\n${exit.stderr}`);
        return exit;
      } finally {
        clearTimeout(timer);
        agent.destroy();
      }
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000) {
      agent.destroy();
      const timer = setTimeout(() => app.kill('SIGKILL'), timeoutMs);
      try {
        if (app.child.exitCode === null && app.child.signalCode === null) app.kill(signal);
        return await app.exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export function request(port: number, urlPath: string, agent?: http.Agent, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: agent ?? false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${urlPath} within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

export interface LoadResult {
  /** Milliseconds per request, in completion order. */
  latencies: number[];
  /** Requests that failed or did not answer 200 "ok <n>". */
  failures: string[];
  elapsedMs: number;
}

/**
 * `requests` GETs of `urlPath` from `concurrency` parallel loops over keep-alive connections
 * (bounded in count; each request has its own 10 s timeout).
 */
export async function runLoad(app: ServerApp, requests: number, concurrency = 8, urlPath = '/work'): Promise<LoadResult> {
  const latencies: number[] = [];
  const failures: string[] = [];
  let issued = 0;
  const started = performance.now();
  const loop = async (): Promise<void> => {
    while (issued < requests) {
      issued++;
      const t0 = performance.now();
      try {
        const { status, body } = await request(app.port, urlPath, app.agent);
        if (status !== 200 || !/^ok \d+$/.test(body)) failures.push(`${status} ${body.slice(0, 80)}`);
      } catch (error) {
        failures.push((error as Error).message);
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { latencies, failures, elapsedMs: performance.now() - started };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function describeLatency(r: LoadResult): string {
  return `p50 ${percentile(r.latencies, 50).toFixed(2)} ms, p99 ${percentile(r.latencies, 99).toFixed(2)} ms, ` +
    `${Math.round((r.latencies.length / r.elapsedMs) * 1000)} req/s`;
}

/**
 * The total of dropped spans the agent reported on stderr: the largest of "dropping spans
 * (N so far)" and "(N in total)" (totals only grow; the last report is the final count).
 */
export function droppedReported(stderr: string): number {
  let total = 0;
  for (const m of stderr.matchAll(/dropping spans \((\d+) so far\)|\((\d+) in total\)/g)) {
    total = Math.max(total, Number(m[1] ?? m[2]));
  }
  return total;
}

/** Spans of one service and kind (2 = SERVER), by span id (a retried batch counts once). */
export function uniqueSpans(spans: readonly DecodedSpan[], service: string, kind?: number): Map<string, DecodedSpan> {
  const out = new Map<string, DecodedSpan>();
  for (const s of spans) {
    if (s.resource.attributes['service.name'] !== service) continue;
    if (kind !== undefined && s.kind !== kind) continue;
    out.set(s.spanId, s);
  }
  return out;
}

/**
 * A TCP forwarder on a fixed 127.0.0.1 port in front of `targetPort`. `down()` stops listening
 * and cuts every open connection (clients then get ECONNREFUSED, as with a stopped collector);
 * `up()` listens on the same port again.
 */
export class SwitchableProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  /** A proxy whose port is reserved but not listening yet: call `up()`. */
  static async create(targetPort: number): Promise<SwitchableProxy> {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    return new SwitchableProxy(port, targetPort);
  }

  get isUp(): boolean {
    return this.server !== undefined;
  }

  async up(): Promise<void> {
    if (this.server !== undefined) return;
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server !== undefined) await new Promise((resolve) => server.close(resolve));
  }
}

export interface CountingReceiver {
  endpoint: string;
  /** Unique span ids received (successful exports only), per service and span kind ("svc/2"). */
  counts(): Map<string, number>;
  requests: number;
  close(): Promise<void>;
}

/**
 * A lean OTLP/HTTP protobuf receiver for long runs: it answers after `delayMs` (a slow
 * collector), decodes each request with the kit's independent decoder, keeps only the set of span
 * ids per service and kind (not the spans), and answers 200.
 */
export async function startCountingReceiver(delayMs: number): Promise<CountingReceiver> {
  const ids = new Map<string, Set<string>>();
  const timers = new Set<NodeJS.Timeout>();
  let requests = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      const timer = setTimeout(() => {
        timers.delete(timer);
        try {
          for (const s of decodeTraceRequest(Buffer.concat(chunks))) {
            const key = `${String(s.resource.attributes['service.name'])}/${s.kind}`;
            let set = ids.get(key);
            if (set === undefined) ids.set(key, (set = new Set()));
            set.add(s.spanId);
          }
          res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        } catch {
          res.writeHead(400).end();
        }
      }, delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}/v1/traces`,
    counts: () => new Map([...ids].map(([k, v]) => [k, v.size])),
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
