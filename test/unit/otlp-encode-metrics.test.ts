import assert from 'node:assert/strict';
import * as protobuf from 'protobufjs';
import type { InstrumentationScope, ResourceData } from '../../src/sdk/span-data';
import type { Exemplar, HistogramMetric, HistogramPoint, MetricData, ResourceMetrics } from '../../src/metrics/data';
import { encodeMetricsRequest, encodeMetricsRequestPooled } from '../../src/export/otlp/encode-metrics-protobuf';
import { encodeMetricsRequestJson } from '../../src/export/otlp/encode-metrics-json';
import { msToNanosBigInt } from '../../src/export/otlp/protobuf-writer';
import { decodePartialSuccess, decodePartialSuccessJson } from '../../src/export/otlp/response';
import { decodeMetricsRequest, decodeMetricsRequestJson, encodeMetricsResponse, protoRoot, type DecodedMetric } from '../kit/otlp-decoder';

const resource: ResourceData = { attributes: { 'service.name': 'metrics-svc', 'process.pid': 42 }, schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' };
const scopeA: InstrumentationScope = { name: 'app/orders', version: '2.1.0', schemaUrl: undefined };
const scopeB: InstrumentationScope = { name: 'app/jobs', version: undefined, schemaUrl: 'https://example.com/s' };

const T0 = 1_700_000_000_123.456789;
const T1 = T0 + 60_000.5;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

const exemplar = (value: number, over: Partial<Exemplar> = {}): Exemplar => ({
  filteredAttributes: {},
  time: T0 + 5.25,
  value,
  traceId: TRACE,
  spanId: SPAN,
  ...over,
});

const base = { description: '', unit: '' };

const counter: MetricData = {
  ...base,
  name: 'http.server.requests',
  description: 'Requests served',
  unit: '{request}',
  type: 'sum',
  instrumentKind: 'counter',
  numberKind: 'int',
  monotonic: true,
  temporality: 'cumulative',
  points: [
    { attributes: { 'http.route': '/a', ok: true }, startTime: T0, time: T1, value: 7, exemplars: [exemplar(1)] },
    { attributes: { 'http.route': '/b' }, startTime: T0, time: T1, value: 0, exemplars: [] },
    // beyond 2^53 but an int64: still as_int
    { attributes: { big: 1 }, startTime: T0, time: T1, value: 2 ** 60, exemplars: [] },
  ],
};

const upDown: MetricData = {
  ...base,
  name: 'jobs.active',
  type: 'sum',
  instrumentKind: 'upDownCounter',
  numberKind: 'int',
  monotonic: false,
  temporality: 'delta',
  points: [{ attributes: {}, startTime: T0, time: T1, value: -3, exemplars: [] }],
};

const gauge: MetricData = {
  ...base,
  name: 'queue.depth.ratio',
  unit: '1',
  type: 'gauge',
  instrumentKind: 'observableGauge',
  numberKind: 'double',
  points: [
    { attributes: { q: 'x' }, startTime: T0, time: T1, value: 0.25, exemplars: [exemplar(0.5, { traceId: undefined, spanId: undefined, filteredAttributes: { user: 'u1' } })] },
    // a double instrument's whole number stays a double
    { attributes: { q: 'y' }, startTime: T0, time: T1, value: 3, exemplars: [] },
  ],
};

const intGaugeOddValues: MetricData = {
  ...base,
  name: 'int.gauge',
  type: 'gauge',
  instrumentKind: 'gauge',
  numberKind: 'int',
  points: [
    { attributes: { v: 'fraction' }, startTime: T0, time: T1, value: 1.5, exemplars: [] },
    { attributes: { v: 'nan' }, startTime: T0, time: T1, value: NaN, exemplars: [] },
    { attributes: { v: 'inf' }, startTime: T0, time: T1, value: -Infinity, exemplars: [] },
  ],
};

const histogram: MetricData = {
  ...base,
  name: 'http.server.request.duration',
  unit: 's',
  type: 'histogram',
  instrumentKind: 'histogram',
  numberKind: 'double',
  temporality: 'delta',
  points: [
    {
      attributes: { 'http.route': '/a' },
      startTime: T0,
      time: T1,
      count: 6,
      sum: 0.75,
      min: 0,
      max: 0.4,
      bounds: [0.005, 0.1, 0.5],
      bucketCounts: [2, 3, 1, 0],
      exemplars: [exemplar(0.4), exemplar(0.05, { time: T0 + 9 })],
    },
    // negative values recorded: no sum; nothing recorded: no min or max
    { attributes: { neg: true }, startTime: T0, time: T1, count: 1, sum: undefined, min: -2, max: -2, bounds: [0], bucketCounts: [1, 0], exemplars: [] },
    { attributes: { empty: true }, startTime: T0, time: T1, count: 0, sum: 0, min: undefined, max: undefined, bounds: [0], bucketCounts: [0, 0], exemplars: [] },
  ],
};

const exponential: MetricData = {
  ...base,
  name: 'payload.size',
  unit: 'By',
  type: 'exponentialHistogram',
  instrumentKind: 'histogram',
  numberKind: 'int',
  temporality: 'cumulative',
  points: [
    {
      attributes: { kind: 'upload' },
      startTime: T0,
      time: T1,
      count: 9,
      sum: 5000,
      min: -4,
      max: 3000,
      scale: -3,
      zeroCount: 2,
      zeroThreshold: 0,
      positive: { offset: -2, bucketCounts: [1, 0, 300] },
      negative: { offset: 1, bucketCounts: [3] },
      exemplars: [exemplar(3000)],
    },
    {
      attributes: { kind: 'none' },
      startTime: T0,
      time: T1,
      count: 0,
      sum: undefined,
      min: undefined,
      max: undefined,
      scale: 20,
      zeroCount: 0,
      zeroThreshold: 1e-9,
      positive: { offset: 0, bucketCounts: [] },
      negative: { offset: 0, bucketCounts: [] },
      exemplars: [],
    },
  ],
};

const collection: ResourceMetrics = {
  resource,
  scopeMetrics: [
    { scope: scopeA, metrics: [counter, upDown, histogram, exponential] },
    { scope: scopeB, metrics: [gauge, intGaugeOddValues] },
  ],
};

const ns = msToNanosBigInt;

function byName(metrics: DecodedMetric[], name: string): DecodedMetric {
  const m = metrics.find((x) => x.name === name);
  assert.ok(m, `metric ${name} missing from ${metrics.map((x) => x.name).join(', ')}`);
  return m;
}

/** What both encodings must carry for `collection`. */
function checkCollection(got: DecodedMetric[]): void {
  assert.deepEqual(
    got.map((m) => [m.name, m.scope.name, m.scopeIndex, m.resourceIndex]),
    [
      ['http.server.requests', 'app/orders', 0, 0],
      ['jobs.active', 'app/orders', 0, 0],
      ['http.server.request.duration', 'app/orders', 0, 0],
      ['payload.size', 'app/orders', 0, 0],
      ['queue.depth.ratio', 'app/jobs', 1, 0],
      ['int.gauge', 'app/jobs', 1, 0],
    ],
  );
  const first = got[0]!;
  assert.deepEqual(first.resource, { attributes: { 'service.name': 'metrics-svc', 'process.pid': 42 }, droppedAttributesCount: 0, schemaUrl: resource.schemaUrl });
  assert.deepEqual(first.scope, { name: 'app/orders', version: '2.1.0', attributes: {}, schemaUrl: '' });
  assert.deepEqual(got[4]!.scope, { name: 'app/jobs', version: '', attributes: {}, schemaUrl: 'https://example.com/s' });

  const c = byName(got, 'http.server.requests');
  assert.equal(c.type, 'sum');
  assert.equal(c.description, 'Requests served');
  assert.equal(c.unit, '{request}');
  assert.equal(c.temporality, 2);
  assert.equal(c.monotonic, true);
  assert.deepEqual(
    c.points.map((p) => [p.attributes, p.value, p.valueType, p.startTimeUnixNano, p.timeUnixNano, p.flags]),
    [
      [{ 'http.route': '/a', ok: true }, 7, 'int', ns(T0), ns(T1), 0],
      [{ 'http.route': '/b' }, 0, 'int', ns(T0), ns(T1), 0],
      [{ big: 1 }, 2n ** 60n, 'int', ns(T0), ns(T1), 0],
    ],
  );
  assert.deepEqual(c.points[0]!.exemplars, [
    { filteredAttributes: {}, timeUnixNano: ns(T0 + 5.25), value: 1, valueType: 'int', spanId: SPAN, traceId: TRACE },
  ]);

  const u = byName(got, 'jobs.active');
  assert.deepEqual([u.type, u.temporality, u.monotonic, u.points[0]!.value, u.points[0]!.valueType], ['sum', 1, false, -3, 'int']);

  const g = byName(got, 'queue.depth.ratio');
  assert.deepEqual([g.type, g.temporality, g.unit], ['gauge', 0, '1']);
  assert.deepEqual(
    g.points.map((p) => [p.value, p.valueType]),
    [
      [0.25, 'double'],
      [3, 'double'],
    ],
  );
  assert.deepEqual(g.points[0]!.exemplars, [
    { filteredAttributes: { user: 'u1' }, timeUnixNano: ns(T0 + 5.25), value: 0.5, valueType: 'double', spanId: '', traceId: '' },
  ]);

  const odd = byName(got, 'int.gauge');
  assert.deepEqual(
    odd.points.map((p) => [p.attributes['v'], p.value, p.valueType]),
    [
      ['fraction', 1.5, 'double'],
      ['nan', NaN, 'double'],
      ['inf', -Infinity, 'double'],
    ],
  );

  const h = byName(got, 'http.server.request.duration');
  assert.deepEqual([h.type, h.temporality, h.unit], ['histogram', 1, 's']);
  const [full, negative, empty] = h.points;
  assert.deepEqual(
    { count: full!.count, sum: full!.sum, min: full!.min, max: full!.max, bucketCounts: full!.bucketCounts, explicitBounds: full!.explicitBounds },
    { count: 6, sum: 0.75, min: 0, max: 0.4, bucketCounts: [2, 3, 1, 0], explicitBounds: [0.005, 0.1, 0.5] },
  );
  assert.deepEqual(
    full!.exemplars.map((e) => [e.value, e.valueType, e.timeUnixNano, e.traceId]),
    [
      [0.4, 'double', ns(T0 + 5.25), TRACE],
      [0.05, 'double', ns(T0 + 9), TRACE],
    ],
  );
  assert.equal(negative!.sum, undefined, 'no sum when negative values were recorded');
  assert.deepEqual([negative!.count, negative!.min, negative!.max, negative!.bucketCounts], [1, -2, -2, [1, 0]]);
  assert.equal(empty!.count, undefined, 'count 0 is the proto3 default');
  assert.equal(empty!.sum, 0, 'a present sum of 0 is kept');
  assert.deepEqual([empty!.min, empty!.max], [undefined, undefined]);

  const e = byName(got, 'payload.size');
  assert.deepEqual([e.type, e.temporality, e.unit], ['exponentialHistogram', 2, 'By']);
  const [up, none] = e.points;
  assert.deepEqual(
    {
      count: up!.count,
      sum: up!.sum,
      min: up!.min,
      max: up!.max,
      scale: up!.scale,
      zeroCount: up!.zeroCount,
      zeroThreshold: up!.zeroThreshold,
      positive: up!.positive,
      negative: up!.negative,
    },
    {
      count: 9,
      sum: 5000,
      min: -4,
      max: 3000,
      scale: -3,
      zeroCount: 2,
      zeroThreshold: undefined,
      positive: { offset: -2, bucketCounts: [1, 0, 300] },
      negative: { offset: 1, bucketCounts: [3] },
    },
  );
  assert.deepEqual(
    up!.exemplars.map((x) => [x.value, x.valueType]),
    [[3000, 'int']],
  );
  assert.deepEqual(
    { count: none!.count, sum: none!.sum, scale: none!.scale, zeroThreshold: none!.zeroThreshold, positive: none!.positive, negative: none!.negative },
    { count: undefined, sum: undefined, scale: 20, zeroThreshold: 1e-9, positive: { offset: 0, bucketCounts: [] }, negative: { offset: 0, bucketCounts: [] } },
  );
}

describe('OTLP metrics encoding', () => {
  describe('protobuf', () => {
    it('encodes every metric type, decoded by protobufjs from the official metrics.proto', () => {
      checkCollection(decodeMetricsRequest(encodeMetricsRequest(collection)));
    });

    it('writes canonical bytes: protobufjs re-encodes them identically', () => {
      const bytes = encodeMetricsRequest(collection);
      const t = protoRoot().lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
      assert.deepEqual(Buffer.from(t.encode(t.decode(bytes)).finish()), Buffer.from(bytes));
    });

    it('uses the wire types of the proto: sfixed64 as_int, fixed64 counts, sint32 scale and offset', () => {
      // Read the first data point of the int counter by hand: as_int (6) must be wire type 1 (64-bit).
      const bytes = encodeMetricsRequest({ resource, scopeMetrics: [{ scope: scopeA, metrics: [upDown] }] });
      const reader = protobuf.Reader.create(bytes);
      const t = protoRoot().lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
      const msg = t.toObject(t.decode(reader), { longs: String }) as {
        resourceMetrics: { scopeMetrics: { metrics: { sum: { dataPoints: { asInt: string }[] } }[] }[] }[];
      };
      assert.equal(msg.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.sum.dataPoints[0]!.asInt, '-3');
      // -3 as sfixed64: tag 0x31 then 8 bytes of two's complement
      const at = Buffer.from(bytes).indexOf(Buffer.from([0x31, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
      assert.ok(at > 0, 'as_int -3 as sfixed64');
    });

    it('pooled and copied encodings are the same bytes; an empty collection is an empty request', () => {
      const pooled = encodeMetricsRequestPooled(collection);
      const copy = Buffer.from(pooled.bytes);
      pooled.release();
      assert.deepEqual(copy, Buffer.from(encodeMetricsRequest(collection)));
      assert.equal(encodeMetricsRequest({ resource, scopeMetrics: [] }).length, 0);
      assert.deepEqual(decodeMetricsRequest(encodeMetricsRequest({ resource, scopeMetrics: [] })), []);
    });

    it('grows past its first buffer (2000 histogram series)', () => {
      const h = histogram as HistogramMetric;
      const points: HistogramPoint[] = Array.from({ length: 2000 }, (_, i) => ({ ...h.points[0]!, attributes: { series: i } }));
      const big: ResourceMetrics = { resource, scopeMetrics: [{ scope: scopeA, metrics: [{ ...h, points }] }] };
      const got = decodeMetricsRequest(encodeMetricsRequest(big));
      assert.equal(got[0]!.points.length, 2000);
      assert.deepEqual(got[0]!.points[1999]!.attributes, { series: 1999 });
      assert.deepEqual(got[0]!.points[1999]!.bucketCounts, [2, 3, 1, 0]);
    });
  });

  describe('JSON', () => {
    it('encodes the same collection, decoded by the JSON reader', () => {
      const body = encodeMetricsRequestJson(collection);
      checkCollection(decodeMetricsRequestJson(body));
      assert.deepEqual(decodeMetricsRequestJson(body), decodeMetricsRequest(encodeMetricsRequest(collection)));
    });

    it('follows the OTLP/JSON rules: 64-bit integers as strings, integer enums, hex ids, non-finite doubles as strings', () => {
      const json = JSON.parse(Buffer.from(encodeMetricsRequestJson(collection)).toString('utf8')) as {
        resourceMetrics: { scopeMetrics: { metrics: Record<string, any>[] }[] }[]; // eslint-disable-line @typescript-eslint/no-explicit-any
      };
      const [orders, jobs] = json.resourceMetrics[0]!.scopeMetrics;
      const sum = orders!.metrics[0]!['sum'];
      assert.equal(sum.aggregationTemporality, 2);
      assert.equal(sum.isMonotonic, true);
      assert.equal(sum.dataPoints[0].asInt, '7');
      assert.equal(sum.dataPoints[2].asInt, String(2n ** 60n));
      assert.equal(sum.dataPoints[0].startTimeUnixNano, ns(T0).toString());
      assert.equal(sum.dataPoints[0].exemplars[0].traceId, TRACE);
      assert.equal(sum.dataPoints[0].exemplars[0].spanId, SPAN);
      assert.equal(sum.dataPoints[0].exemplars[0].asInt, '1');
      assert.equal('flags' in sum.dataPoints[0], false);
      assert.equal('isMonotonic' in orders!.metrics[1]!['sum'], false);
      const hp = orders!.metrics[2]!['histogram'].dataPoints[0];
      assert.deepEqual([hp.count, hp.bucketCounts, hp.explicitBounds, hp.sum], ['6', ['2', '3', '1', '0'], [0.005, 0.1, 0.5], 0.75]);
      const ep = orders!.metrics[3]!['exponentialHistogram'].dataPoints[0];
      assert.deepEqual([ep.zeroCount, ep.scale, ep.positive, ep.negative], ['2', -3, { offset: -2, bucketCounts: ['1', '0', '300'] }, { offset: 1, bucketCounts: ['3'] }]);
      const odd = jobs!.metrics[1]!['gauge'].dataPoints;
      assert.deepEqual(
        odd.map((p: { asDouble: unknown }) => p.asDouble),
        [1.5, 'NaN', '-Infinity'],
      );
      assert.equal(jobs!.metrics[0]!['gauge'].dataPoints[1].asDouble, 3);
    });
  });

  describe('partial success', () => {
    it('reads rejected_data_points from an ExportMetricsServiceResponse, protobuf and JSON', () => {
      assert.deepEqual(decodePartialSuccess(encodeMetricsResponse({ rejectedDataPoints: 4, errorMessage: 'too old' })), {
        rejected: 4,
        errorMessage: 'too old',
      });
      const json = Buffer.from('{"partialSuccess":{"rejectedDataPoints":"5","errorMessage":"dup"}}');
      assert.deepEqual(decodePartialSuccessJson(json, 'metrics'), { rejected: 5, errorMessage: 'dup' });
      // the traces field name is not the metrics one
      assert.deepEqual(decodePartialSuccessJson(json, 'traces'), { rejected: 0, errorMessage: 'dup' });
    });
  });
});
