import assert from 'node:assert/strict';
import type { MetricData, ResourceMetrics } from '../../src/metrics/data';
import { OtlpTraceExporter } from '../../src/export/otlp/exporter';
import { OtlpMetricExporter } from '../../src/export/otlp/metrics-exporter';
import type { InstrumentationScope, ResourceData } from '../../src/sdk/span-data';
import type { Receiver, Reply } from '../kit/otlp-receiver';
import { exporterSession, lines, linesFor, otlpConfig, PROTOCOLS, SECRET } from '../kit/exporter-harness';
import { spanData } from '../kit/recording';
import { closedPort } from '../kit/servers';

const resource: ResourceData = { attributes: { 'service.name': 'e2e-metrics' }, schemaUrl: undefined };
const scope: InstrumentationScope = { name: 'otelite/e2e-metrics', version: '1.0.0', schemaUrl: undefined };
const LOST = '(said once for this kind of failure; later losses are counted)';

/**
 * One collection: a counter with `n` points (attribute `i`, value i, `pad` characters of padding
 * in an attribute) and a histogram with one point.
 */
function collection(n: number, pad = 0): ResourceMetrics {
  const t = Date.now();
  const counter: MetricData = {
    name: 'requests',
    description: 'requests served',
    unit: '{request}',
    type: 'sum',
    instrumentKind: 'counter',
    numberKind: 'int',
    monotonic: true,
    temporality: 'cumulative',
    points: Array.from({ length: n }, (_, i) => ({
      attributes: pad > 0 ? { i, pad: String(i % 10).repeat(pad) } : { i },
      startTime: t - 1000,
      time: t,
      value: i,
      exemplars: [],
    })),
  };
  const histogram: MetricData = {
    name: 'duration',
    description: '',
    unit: 's',
    type: 'histogram',
    instrumentKind: 'histogram',
    numberKind: 'double',
    temporality: 'delta',
    points: [
      {
        attributes: {},
        startTime: t - 1000,
        time: t,
        count: 3,
        sum: 0.6,
        min: 0.1,
        max: 0.3,
        bounds: [0.25],
        bucketCounts: [2, 1],
        exemplars: [{ filteredAttributes: {}, time: t - 10, value: 0.3, traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) }],
      },
    ],
  };
  return { resource, scopeMetrics: [{ scope, metrics: [counter, histogram] }] };
}

/** The counter values the receiver got, in order. */
const counterValues = (rx: Receiver): number[] =>
  rx.metrics.filter((m) => m.name === 'requests').flatMap((m) => m.points.map((p) => Number(p.value)));

const GRPC_METRICS_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

describe('OTLP metrics exporter against the receiver kit (e2e)', function () {
  this.timeout(30_000);
  const session = exporterSession((rx, protocol, over) => new OtlpMetricExporter(otlpConfig(rx.metricsEndpoint, protocol, over)));

  for (const protocol of PROTOCOLS) {
    describe(protocol, () => {
      for (const compression of ['none', 'gzip'] as const) {
        it(`delivers a collection to the signal's path (compression ${compression})`, async () => {
          const { rx, exporter } = await session.setup(protocol, {}, { compression });
          assert.deepEqual(await exporter.export(collection(4)), { ok: true });
          assert.equal(rx.requests.length, 1);
          const req = rx.requests[0]!;
          assert.equal(req.signal, 'metrics');
          assert.equal(req.path, protocol === 'grpc' ? GRPC_METRICS_PATH : '/v1/metrics');
          assert.equal(req.compressed, compression === 'gzip');
          assert.equal(req.headers['x-api-key'], SECRET);
          assert.equal(req.error, undefined);
          assert.deepEqual(
            rx.metrics.map((m) => [m.name, m.type, m.temporality, m.points.length]),
            [
              ['requests', 'sum', 2, 4],
              ['duration', 'histogram', 1, 1],
            ],
          );
          assert.deepEqual(counterValues(rx), [0, 1, 2, 3]);
          const h = rx.metrics[1]!.points[0]!;
          assert.deepEqual([h.count, h.sum, h.bucketCounts, h.exemplars[0]!.traceId], [3, 0.6, [2, 1], 'ab'.repeat(16)]);
          assert.equal(rx.metrics[0]!.resource.attributes['service.name'], 'e2e-metrics');
          assert.equal(rx.spans.length, 0);
        });
      }

      it('sends nothing for a collection without data points', async () => {
        const { rx, exporter } = await session.setup(protocol);
        assert.deepEqual(await exporter.export({ resource, scopeMetrics: [] }), { ok: true });
        assert.equal(rx.requests.length, 0);
      });

      it('retries a throttled export (503 with Retry-After, or UNAVAILABLE) and delivers it once', async () => {
        let n = 0;
        const { rx, exporter } = await session.setup(protocol, {
          respond: () => (n++ === 0 ? (protocol === 'grpc' ? { grpcStatus: 14, grpcMessage: 'overloaded' } : { status: 503, retryAfter: '1' }) : undefined),
        });
        const t0 = Date.now();
        const result = await exporter.export(collection(3));
        const elapsed = Date.now() - t0;
        assert.deepEqual(result, { ok: true });
        assert.equal(rx.requests.length, 2);
        assert.deepEqual(counterValues(rx), [0, 1, 2]);
        assert.ok(elapsed >= 780 && elapsed < 3000, `elapsed ${elapsed}`);
      });

      it('does not retry a permanent failure (400, INVALID_ARGUMENT), and says so once in data points', async () => {
        const { rx, exporter } = await session.setup(protocol, {
          respond: () =>
            protocol === 'grpc'
              ? { grpcStatus: 3, grpcMessage: `bad metric, key ${SECRET}` }
              : { status: 400, body: JSON.stringify({ code: 3, message: `bad metric, key ${SECRET}` }), contentType: 'application/json' },
        });
        for (let i = 0; i < 3; i++) {
          const result = await exporter.export(collection(2));
          assert.equal(result.ok, false);
          assert.equal(result.reported, true);
          assert.ok(!String(result.error?.message).includes(SECRET));
        }
        assert.equal(rx.requests.length, 3, 'one request per export: no retries');
        assert.equal(rx.metrics.length, 0);
        const said = linesFor(rx.endpoint);
        assert.equal(said.length, 1, said.join('\n'));
        assert.ok(said[0]!.startsWith(`error metrics export to ${rx.metricsEndpoint} failed: `), said[0]);
        assert.match(said[0]!, protocol === 'grpc' ? /INVALID_ARGUMENT/ : /HTTP 400/);
        assert.ok(said[0]!.endsWith(`; 3 data points lost ${LOST}`), said[0]);
        assert.ok(!said[0]!.includes(SECRET), said[0]);
      });

      it('fails cleanly, in its own words, when nothing listens on the port', async () => {
        const port = await closedPort();
        const endpoint = protocol === 'grpc' ? `http://127.0.0.1:${port}` : `http://127.0.0.1:${port}/v1/metrics`;
        const exporter = session.ownExporter(new OtlpMetricExporter(otlpConfig(endpoint, protocol, { timeoutMs: 1500 })));
        const t0 = Date.now();
        const result = await exporter.export(collection(1));
        assert.equal(result.ok, false);
        assert.ok(Date.now() - t0 < 2500);
        const said = linesFor(endpoint);
        assert.equal(said.length, 1, said.join('\n'));
        const usual = protocol === 'grpc' ? 'gRPC usually listens on 4317' : 'OTLP/HTTP usually listens on 4318';
        assert.equal(
          said[0],
          `warn metrics export to ${endpoint} failed (after 2 attempts): nothing listens on 127.0.0.1:${port}: is the collector running (${usual})?; ` +
            `2 data points lost ${LOST}`,
        );
      });

      it('splits a collection the receiver refuses as too large, delivering every data point once', async () => {
        const LIMIT = 20_000;
        const tooLarge: Reply =
          protocol === 'grpc' ? { grpcStatus: 8, grpcMessage: `grpc: received message larger than max (${LIMIT * 4} vs. ${LIMIT})` } : { status: 413 };
        const { rx, exporter } = await session.setup(protocol, { respond: (r) => (r.bodyBytes > LIMIT ? tooLarge : undefined) });
        // 64 points of ~1 KB and the histogram's point: about three halvings.
        const result = await exporter.export(collection(64, 1000));
        assert.deepEqual(result, { ok: true });
        assert.deepEqual(
          counterValues(rx).sort((a, b) => a - b),
          Array.from({ length: 64 }, (_, i) => i),
          'every counter point once',
        );
        assert.equal(rx.metrics.filter((m) => m.name === 'duration').length, 1, 'the histogram once');
        assert.ok(rx.requests.length >= 7, `split into parts: ${rx.requests.length} requests`);
        // No refused request was sent again as is: each refused part (first point, size) appears once.
        const refused = rx.requests.filter((r) => r.bodyBytes > LIMIT).map((r) => `${String(r.metrics[0]?.points[0]?.value)}/${r.bodyBytes}`);
        assert.equal(new Set(refused).size, refused.length, `refused parts resent: ${refused.join(' ')}`);
        const said = linesFor(rx.endpoint);
        assert.equal(said.length, 1, said.join('\n'));
        assert.match(
          said[0]!,
          /^warn OTLP receiver at \S+ refused a batch of 65 data points \(\d+ bytes\) as too large \(.*\); sending such batches in halves\. Raise the receiver's request size limit to avoid this\. Said once\.$/,
        );
      });

      it('drops only a data point too large by itself, counting it', async () => {
        const LIMIT = 20_000;
        const { rx, exporter } = await session.setup(protocol, { respond: (r) => (r.bodyBytes > LIMIT ? (protocol === 'grpc' ? { grpcStatus: 8, grpcMessage: 'message larger than max' } : { status: 413 }) : undefined) });
        const big = collection(4);
        const counter = big.scopeMetrics[0]!.metrics[0]!;
        const points = counter.points.map((p, i) => (i === 2 ? { ...p, attributes: { i, pad: 'x'.repeat(LIMIT * 2) } } : p));
        const result = await exporter.export({ resource, scopeMetrics: [{ scope, metrics: [{ ...counter, points } as MetricData, big.scopeMetrics[0]!.metrics[1]!] }] });
        assert.equal(result.ok, false);
        assert.equal(result.dropped, 1);
        assert.deepEqual(counterValues(rx).sort(), [0, 1, 3]);
        assert.ok(
          linesFor(rx.endpoint).some((l) =>
            /^error OTLP export to \S+: the receiver refused a single data point of \d+ bytes as too large \(.*\); data point dropped\. Set OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT/.test(l),
          ),
          linesFor(rx.endpoint).join('\n'),
        );
      });

      it('logs a partial success once, counting data points, and still reports success', async () => {
        const { rx, exporter } = await session.setup(protocol, {
          respond: () => ({ partialSuccess: { rejectedDataPoints: 2, errorMessage: 'points too old' } }),
        });
        assert.equal((await exporter.export(collection(4))).ok, true);
        assert.equal((await exporter.export(collection(4))).ok, true);
        const said = linesFor(rx.endpoint);
        assert.equal(said.length, 1, said.join('\n'));
        assert.match(said[0]!, /rejected 2 of 5 data points: points too old/);
      });
    });
  }

  it('grpc: traces and metrics exporters on one endpoint each say their own failure', async () => {
    const { rx, exporter } = await session.setup('grpc', { respond: () => ({ grpcStatus: 7, grpcMessage: 'denied' }) });
    const traces = new OtlpTraceExporter(otlpConfig(rx.endpoint, 'grpc'));
    try {
      const span = spanData({ name: 's', traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), scope, resource });
      assert.equal((await traces.export([span])).ok, false);
      assert.equal((await exporter.export(collection(1))).ok, false);
    } finally {
      await traces.shutdown();
    }
    assert.deepEqual(
      rx.requests.map((r) => r.signal),
      ['traces', 'metrics'],
    );
    const said = linesFor(rx.endpoint);
    assert.equal(said.length, 2, said.join('\n'));
    assert.match(said[0]!, /^error traces export to .*PERMISSION_DENIED.*; 1 span lost/);
    assert.match(said[1]!, /^error metrics export to .*PERMISSION_DENIED.*; 2 data points lost/);
    assert.ok(lines.every((l) => !l.includes(SECRET)));
  });
});
