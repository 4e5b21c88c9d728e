import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DecodedMetric, DecodedPoint } from '../kit/otlp-decoder';
import { startReceiver, type Receiver, type ReceiverProtocol } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { runApp, startApp, type RunningApp } from '../kit/process';
import { freePort, startPrometheus } from '../kit/servers';

const APP = path.join(FIXTURES, 'metrics', 'app.cjs');

/** The metrics of every successful export, in order, each as name → metric. */
function exportsOf(receiver: Receiver): Array<Map<string, DecodedMetric>> {
  return receiver.requests
    .filter((r) => r.signal === 'metrics' && r.metrics.length > 0)
    .map((r) => new Map(r.metrics.map((m) => [m.name, m])));
}

function point(metric: DecodedMetric | undefined, attributes: Record<string, unknown> = {}): DecodedPoint {
  assert.ok(metric !== undefined, 'metric missing');
  const found = metric.points.filter((p) => JSON.stringify(sorted(p.attributes)) === JSON.stringify(sorted(attributes)));
  assert.equal(found.length, 1, `${metric.name}: one point with ${JSON.stringify(attributes)} in ${JSON.stringify(metric.points.map((p) => sorted(p.attributes)))}`);
  return found[0];
}

/** Attributes in key order, int64 values (bigint in the decoder) as numbers: comparable as JSON. */
function sorted(attributes: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(attributes)
    .map(([k, v]): [string, unknown] => [k, typeof v === 'bigint' ? Number(v) : v])
    .sort(([a], [b]) => a.localeCompare(b));
}

const num = (v: number | bigint | undefined): number => Number(v);

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Run {
  app: RunningApp;
  exemplar: { traceId: string; spanId: string };
  exports: Array<Map<string, DecodedMetric>>;
  stderr: string;
}

/**
 * Runs the API-only app with the agent against `receiver`: round 0, at least one export, round 1,
 * an export that has it, then the app ends by itself (the exit flush exports once more).
 */
async function run(receiver: Receiver, protocol: ReceiverProtocol, preload: '--require' | '--import', env: Record<string, string> = {}): Promise<Run> {
  const app = startApp({
    file: APP,
    preload,
    stdin: 'pipe',
    env: {
      OTEL_SERVICE_NAME: 'metrics-e2e',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: receiver.metricsEndpoint,
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      ...env,
    },
  });
  const [, traceId, spanId] = await app.waitForOutput(/EXEMPLAR ([0-9a-f]{32}) ([0-9a-f]{16})/);
  await app.waitForOutput(/ROUND 0/);
  await until(() => exportsOf(receiver).length >= 1, 'the first export');
  app.write('round\n');
  await app.waitForOutput(/ROUND 1/);
  await until(() => exportsOf(receiver).some((e) => num(e.get('app.temperature')?.points[0]?.value) === 21), 'an export after round 1');
  app.write('end\n');
  const result = await app.exited;
  assert.equal(result.code, 0, result.stderr);
  return { app, exemplar: { traceId, spanId }, exports: exportsOf(receiver), stderr: result.stderr };
}

describe('metrics end to end: an app using only @opentelemetry/api, exported over OTLP', function () {
  this.timeout(60_000);
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  for (const [protocol, preload] of [
    ['http/protobuf', '--require'],
    ['http/json', '--import'],
    ['grpc', '--require'],
  ] as const) {
    it(`${protocol} (${preload}): every instrument kind, cumulative, values, buckets, exemplars, start times`, async () => {
      receiver = await startReceiver({ protocol });
      const { exports, exemplar, stderr } = await run(receiver, protocol, preload);
      assert.equal(stderr, '');
      const first = exports[0]!;
      const last = exports.at(-1)!;

      const requests = first.get('app.requests')!;
      assert.equal(requests.type, 'sum');
      assert.equal(requests.monotonic, true);
      assert.equal(requests.temporality, 2, 'cumulative');
      assert.equal(requests.unit, '{request}');
      assert.equal(requests.description, 'requests served');
      assert.equal(requests.scope.name, 'shop');
      assert.equal(requests.scope.version, '1.2.3');
      assert.equal(requests.resource.attributes['service.name'], 'metrics-e2e');
      // Two adds with the same attributes in another key order are one series.
      const checkout = point(requests, { route: '/checkout', status: 200 });
      assert.equal(checkout.valueType, 'int');
      assert.equal(num(checkout.value), 3);
      assert.equal(num(point(requests, { route: '/health', status: 200 }).value), 1);
      const checkoutLast = point(last.get('app.requests'), { route: '/checkout', status: 200 });
      assert.equal(num(checkoutLast.value), 6, 'cumulative after round 1');
      assert.equal(checkoutLast.startTimeUnixNano, checkout.startTimeUnixNano, 'a cumulative series keeps its start');
      assert.ok(checkoutLast.timeUnixNano > checkout.timeUnixNano);

      const active = first.get('app.active_requests')!;
      assert.equal(active.type, 'sum');
      assert.equal(active.monotonic, false);
      assert.equal(num(point(active).value), 2);

      const duration = first.get('app.duration')!;
      assert.equal(duration.type, 'histogram');
      assert.equal(duration.unit, 's');
      const hist = point(duration, { route: '/checkout' });
      assert.deepEqual(hist.explicitBounds, [0.1, 0.5, 1], 'the advice boundaries');
      assert.deepEqual(hist.bucketCounts, [1, 1, 0, 1]);
      assert.equal(hist.count, 3);
      assert.ok(Math.abs(hist.sum! - 2.35) < 1e-9, String(hist.sum));
      assert.equal(hist.min, 0.05);
      assert.equal(hist.max, 2);
      // The measurement made inside the sampled span carries its ids (trace_based filter, the default).
      const withIds = hist.exemplars.filter((e) => e.traceId === exemplar.traceId && e.spanId === exemplar.spanId);
      assert.equal(withIds.length, 1, JSON.stringify(hist.exemplars, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) + JSON.stringify(exemplar));
      assert.equal(num(withIds[0].value), 0.3);

      assert.equal(first.get('app.temperature')!.type, 'gauge');
      assert.equal(num(point(first.get('app.temperature'), { room: 'a' }).value), 20);
      assert.equal(num(point(last.get('app.temperature'), { room: 'a' }).value), 21);
      assert.equal(num(point(first.get('app.queue.length'), { queue: 'orders' }).value), 7);
      const pool = first.get('app.pool.connections')!;
      assert.equal(pool.monotonic, false);
      assert.equal(num(point(pool, { state: 'idle' }).value), 3);
      const hits = first.get('app.cache.hits')!;
      assert.equal(hits.monotonic, true);
      assert.ok(num(point(last.get('app.cache.hits')).value) > num(point(hits).value), 'the batch callback ran again');
    });
  }

  it('an app that makes no measurement sends no metrics request, not even empty ones', async () => {
    receiver = await startReceiver({ protocol: 'http/protobuf' });
    const result = await runApp({
      file: path.join(FIXTURES, 'api-app.cjs'),
      preload: '--require',
      env: {
        // The runtime metrics (on by default) are measurements of their own.
        OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'runtime',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: receiver.metricsEndpoint,
        OTEL_METRIC_EXPORT_INTERVAL: '100',
        OTEL_BSP_SCHEDULE_DELAY: '50',
      },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(receiver.spans.length > 0, 'the spans were sent');
    assert.deepEqual(receiver.requests.filter((r) => r.signal === 'metrics'), []);
  });

  it('delta temporality: counters and histograms restart each export, start at the previous collection', async () => {
    receiver = await startReceiver({ protocol: 'http/protobuf' });
    const { exports } = await run(receiver, 'http/protobuf', '--require', { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta' });
    const withCheckout = exports.filter((e) => e.get('app.requests')?.points.some((p) => p.attributes.route === '/checkout'));
    assert.ok(withCheckout.length >= 2, `${withCheckout.length} exports with the checkout series`);
    const [a, b] = withCheckout.map((e) => point(e.get('app.requests'), { route: '/checkout', status: 200 }));
    assert.equal(withCheckout[0].get('app.requests')!.temporality, 1, 'delta');
    assert.equal(num(a.value), 3);
    assert.equal(num(b.value), 3, 'round 1 alone');
    assert.ok(b.startTimeUnixNano >= a.timeUnixNano, 'starts at or after the previous collection');
    // An up-down counter stays cumulative under the delta preference (the specification's table).
    assert.equal(withCheckout[0].get('app.active_requests')!.temporality, 2);
    const hist = point(withCheckout[1].get('app.duration'), { route: '/checkout' });
    assert.equal(hist.count, 3, 'round 1 alone');
  });

  it('base-2 exponential histograms when OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION asks for them', async () => {
    receiver = await startReceiver({ protocol: 'http/protobuf' });
    const { exports } = await run(receiver, 'http/protobuf', '--require', {
      OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION: 'base2_exponential_bucket_histogram',
    });
    const duration = exports[0]!.get('app.duration')!;
    assert.equal(duration.type, 'exponentialHistogram');
    const p = point(duration, { route: '/checkout' });
    assert.equal(p.count, 3);
    assert.equal(p.zeroCount ?? 0, 0, 'no zero was recorded');
    assert.equal(p.positive!.bucketCounts.reduce((x, y) => x + y, 0), 3);
    // 0.05 to 2 spans a factor of 40: the finest scale at which that fits in 160 buckets is 4.
    assert.equal(p.scale, 4);
    assert.equal(p.min, 0.05);
    assert.equal(p.max, 2);
  });

  it('past 2000 series, measurements go to one overflow series, none lost', async () => {
    receiver = await startReceiver({ protocol: 'http/protobuf' });
    const { exports } = await run(receiver, 'http/protobuf', '--require', { APP_SERIES: '2500' });
    const logins = exports[0]!.get('app.logins')!;
    const overflow = logins.points.filter((p) => p.attributes['otel.metric.overflow'] === true);
    assert.equal(overflow.length, 1);
    assert.ok(logins.points.length <= 2001, String(logins.points.length));
    const total = logins.points.reduce((sum, p) => sum + num(p.value), 0);
    assert.equal(total, 2500, 'every measurement counted once');
    assert.equal(num(overflow[0].value), 2500 - (logins.points.length - 1));
  });
});

describe('metrics end to end: OTEL_METRICS_EXPORTER=prometheus, scraped by a real Prometheus', function () {
  this.timeout(60_000);

  it("serves the API-only app's metrics from the start, with the agent's resource as target_info", async () => {
    const port = await freePort();
    const app = startApp({
      file: APP,
      preload: '--import',
      stdin: 'pipe',
      env: {
        OTEL_SERVICE_NAME: 'metrics-prom',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
      },
    });
    const prometheus = await startPrometheus({ scrapeTargets: [`127.0.0.1:${port}`], scrapeIntervalMs: 500 });
    try {
      await app.waitForOutput(/ROUND 0/);
      const requests = await prometheus.waitForQuery('app_requests_total{route="/checkout"}');
      assert.equal(Number(requests[0].value[1]), 3);
      assert.equal(requests[0].metric.otel_scope_name, 'shop');
      const buckets = await prometheus.waitForQuery('app_duration_seconds_bucket{route="/checkout"}');
      assert.deepEqual(Object.fromEntries(buckets.map((b) => [b.metric.le, Number(b.value[1])])), { '0.1': 1, '0.5': 2, '1': 2, '+Inf': 3 });
      const target = await prometheus.waitForQuery('target_info');
      assert.equal(target[0].metric.service_name, 'metrics-prom');
      app.write('end\n');
      const result = await app.exited;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
    } finally {
      app.kill('SIGKILL');
      await prometheus.stop();
    }
  });
});
