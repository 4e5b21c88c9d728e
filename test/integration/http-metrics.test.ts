import assert from 'node:assert/strict';
import * as path from 'node:path';
import { KIND_SERVER, type DecodedMetric, type DecodedPoint } from '../kit/otlp-decoder';
import { startReceiver, type Receiver } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { startApp } from '../kit/process';
import { closedPort } from '../kit/servers';

/**
 * `http.server.request.duration` and `http.client.request.duration`: a child process runs a
 * node:http, an express and a fastify server and makes outgoing calls (node:http and fetch);
 * this process sends it a known set of requests over real sockets; the metrics exported at exit
 * must count each request exactly once, with the metric's attributes, whatever the sampler.
 */

const SERVERS = path.join(FIXTURES, 'http-metrics', 'servers.cjs');

interface Ports {
  plain: number;
  express: number;
  fastify: number;
}

async function get(port: number, pathname: string, method = 'GET'): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}${pathname}`, { method });
  await response.text();
}

/** The known traffic; the expectations below are derived from it. */
async function sendTraffic(ports: Ports): Promise<void> {
  for (let i = 0; i < 12; i++) await get(ports.plain, `/plain?i=${i}`);
  for (let i = 0; i < 3; i++) await get(ports.plain, '/fail');
  for (let i = 0; i < 4; i++) await get(ports.plain, '/health');
  await get(ports.plain, '/slow?ms=35');
  await get(ports.plain, '/slow?ms=35');
  await get(ports.plain, '/slow?ms=160');
  await get(ports.plain, '/plain', 'PURGE');
  for (let i = 0; i < 2; i++) await get(ports.plain, '/call-out');
  await get(ports.plain, '/call-refused');
  for (let i = 1; i <= 5; i++) await get(ports.express, `/api/users/${i}`);
  for (let i = 0; i < 2; i++) await get(ports.express, '/boom');
  await get(ports.express, '/nothing');
  for (let i = 1; i <= 4; i++) await get(ports.fastify, `/items/${i}`);
  await get(ports.fastify, '/missing');
}

interface Run {
  receiver: Receiver;
  ports: Ports;
  closed: number;
  /** The app's own tally of the requests its servers received (`server method url user-agent`). */
  seen: string;
}

async function run(env: Record<string, string>, preload: '--require' | '--import'): Promise<Run> {
  const receiver = await startReceiver({ protocol: 'http/protobuf' });
  const closed = await closedPort();
  const app = startApp({
    file: SERVERS,
    preload,
    stdin: 'pipe',
    env: {
      OTEL_SERVICE_NAME: 'http-metrics',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
      OTEL_NODE_EXCLUDED_URLS: '/health',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      CLOSED_PORT: String(closed),
      ...env,
    },
  });
  try {
    const [, json] = await app.waitForOutput(/READY (\{.*\})/);
    const ports = JSON.parse(json) as Ports;
    await sendTraffic(ports);
    app.write('end\n');
    const exit = await app.exited;
    assert.equal(exit.code, 0, exit.stderr);
    return { receiver, ports, closed, seen: /^SEEN (.*)$/m.exec(exit.stdout)?.[1] ?? 'not printed' };
  } catch (error) {
    app.kill();
    await receiver.close();
    throw error;
  }
}

/** The last export's metric of that name from that instrumentation scope (cumulative: it has every count). */
function metric(receiver: Receiver, scope: string, name: string): DecodedMetric {
  const found = receiver.metrics.filter((m) => m.name === name && m.scope.name === scope);
  assert.ok(found.length > 0, `${scope} ${name} not exported; got ${[...new Set(receiver.metrics.map((m) => `${m.scope.name} ${m.name}`))].join(', ')}`);
  return found[found.length - 1];
}

/** Attributes as comparable text: keys sorted, int64 (bigint) as numbers. */
function key(attributes: Record<string, unknown>): string {
  const entries = Object.entries(attributes).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]);
  return JSON.stringify(entries.sort(([a], [b]) => String(a).localeCompare(String(b))));
}

/** Every point's count by its attributes. */
function counts(m: DecodedMetric): Map<string, number> {
  return new Map(m.points.map((p) => [key(p.attributes), p.count ?? 0]));
}

function pointWith(m: DecodedMetric, attributes: Record<string, unknown>): DecodedPoint {
  const point = m.points.find((p) => key(p.attributes) === key(attributes));
  assert.ok(point !== undefined, `no point ${key(attributes)} in ${m.points.map((p) => key(p.attributes)).join('\n')}`);
  return point;
}

const SERVER = { 'http.request.method': 'GET', 'url.scheme': 'http', 'network.protocol.version': '1.1' };

function expectedServerCounts(): Map<string, number> {
  return new Map([
    // /plain ×12, /call-out ×2, /call-refused ×1; /health is excluded
    [key({ ...SERVER, 'http.response.status_code': 200 }), 15],
    [key({ ...SERVER, 'http.response.status_code': 503, 'error.type': '503' }), 3],
    [key({ ...SERVER, 'http.response.status_code': 201 }), 3],
    [key({ ...SERVER, 'http.request.method': '_OTHER', 'http.response.status_code': 200 }), 1],
    // the calls /call-out makes: one through node:http and one through fetch, twice
    [key({ ...SERVER, 'http.response.status_code': 202 }), 4],
    [key({ ...SERVER, 'http.route': '/api/users/:id', 'http.response.status_code': 200 }), 5],
    [key({ ...SERVER, 'http.route': '/boom', 'http.response.status_code': 500, 'error.type': '500' }), 2],
    // unmatched: express's and fastify's 404s carry no route
    [key({ ...SERVER, 'http.response.status_code': 404 }), 2],
    [key({ ...SERVER, 'http.route': '/items/:id', 'http.response.status_code': 200 }), 4],
  ]);
}

function expectedClientCounts(r: Run, errorType: string): Map<string, number> {
  const client = { 'http.request.method': 'GET', 'server.address': '127.0.0.1', 'url.scheme': 'http' };
  return new Map([
    [key({ ...client, 'server.port': r.ports.plain, 'http.response.status_code': 202, 'network.protocol.version': '1.1' }), 2],
    [key({ ...client, 'server.port': r.closed, 'error.type': errorType }), 1],
  ]);
}

function assertCounts(actual: Map<string, number>, expected: Map<string, number>, what: string): void {
  const show = (m: Map<string, number>): string => [...m].map(([k, v]) => `${v} × ${k}`).sort().join('\n');
  assert.equal(show(actual), show(expected), what);
}

function assertAllCounted(r: Run): void {
  const server = metric(r.receiver, 'otelite/http', 'http.server.request.duration');
  assert.equal(server.type, 'histogram');
  assert.equal(server.unit, 's');
  assertCounts(counts(server), expectedServerCounts(), `server requests by attributes; the servers received ${r.seen}`);
  assertCounts(counts(metric(r.receiver, 'otelite/http', 'http.client.request.duration')), expectedClientCounts(r, 'ECONNREFUSED'), 'node:http client calls');
  assertCounts(counts(metric(r.receiver, 'otelite/undici', 'http.client.request.duration')), expectedClientCounts(r, 'ECONNREFUSED'), 'fetch calls');
}

describe('HTTP duration metrics: every request counted once, whatever the sampler', function () {
  this.timeout(120_000);
  const runs: Run[] = [];
  after(async () => {
    for (const r of runs) await r.receiver.close();
  });

  it('always_on (--require): counts per route and status; buckets; the SERVER span lasts exactly its measurement', async () => {
    const r = await run({ OTEL_TRACES_SAMPLER: 'always_on' }, '--require');
    runs.push(r);
    assertAllCounted(r);

    const server = metric(r.receiver, 'otelite/http', 'http.server.request.duration');
    const slow = pointWith(server, { ...SERVER, 'http.response.status_code': 201 });
    assert.deepEqual(slow.explicitBounds, [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
    // 35 ms twice in (0.025, 0.05], 160 ms once in (0.1, 0.25]
    assert.equal(slow.bucketCounts?.[3], 2, `buckets ${slow.bucketCounts?.join(',')}`);
    assert.equal(slow.bucketCounts?.[6], 1, `buckets ${slow.bucketCounts?.join(',')}`);

    const spans = await r.receiver.waitForSpans(1);
    const span = spans.find((s) => s.kind === KIND_SERVER && s.attributes['url.query'] === 'ms=160');
    assert.ok(span !== undefined, 'the SERVER span of /slow?ms=160');
    const spanSeconds = Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e9;
    assert.ok(Math.abs(spanSeconds - (slow.max ?? 0)) < 2e-6, `span ${spanSeconds} s, measurement ${slow.max} s`);
    // The exemplar of its bucket links the measurement to that span.
    const exemplar = slow.exemplars.find((e) => Number(e.value) > 0.1);
    assert.equal(exemplar?.spanId, span.spanId);
    assert.equal(exemplar?.traceId, span.traceId);

    // fetch's CLIENT spans last exactly their measurements too: started and ended at the same instants.
    const fetched = pointWith(metric(r.receiver, 'otelite/undici', 'http.client.request.duration'), {
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'url.scheme': 'http',
      'server.port': r.ports.plain,
      'http.response.status_code': 202,
      'network.protocol.version': '1.1',
    });
    const fetchSpans = spans.filter((s) => s.scope.name === 'otelite/undici' && s.attributes['http.response.status_code'] === 202);
    assert.equal(fetchSpans.length, 2, 'the two fetch calls of /call-out');
    const fetchSeconds = fetchSpans.map((s) => Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e9);
    assert.ok(Math.abs(Math.max(...fetchSeconds) - (fetched.max ?? 0)) < 2e-6, `fetch spans ${fetchSeconds.join(', ')} s, measurement max ${fetched.max} s`);
    assert.ok(Math.abs(fetchSeconds[0]! + fetchSeconds[1]! - (fetched.sum ?? 0)) < 4e-6, `fetch spans ${fetchSeconds.join(', ')} s, measurement sum ${fetched.sum} s`);
  });

  it('traceidratio 0.5 (--import): the same counts, sampled or not', async () => {
    const r = await run({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' }, '--import');
    runs.push(r);
    assertAllCounted(r);
  });

  it('always_off: the same counts, though no request gets a span', async () => {
    const r = await run({ OTEL_TRACES_SAMPLER: 'always_off' }, '--require');
    runs.push(r);
    assertAllCounted(r);
    assert.equal(r.receiver.spans.length, 0);
  });

  it('OTEL_METRICS_EXPORTER=none: nothing is measured or exported', async () => {
    const r = await run({ OTEL_METRICS_EXPORTER: 'none', OTEL_TRACES_SAMPLER: 'always_on' }, '--require');
    runs.push(r);
    // the spans still arrive; no metrics request at all
    assert.ok(r.receiver.spans.length > 0);
    assert.equal(r.receiver.requests.filter((q) => q.signal === 'metrics').length, 0);
  }).timeout(120_000);
});
