import assert from 'node:assert/strict';
import type { Attributes } from '@opentelemetry/api';
import { ConsoleMetricExporter } from '../../src/export/console-metric-exporter';
import type {
  ExponentialHistogramMetric,
  GaugeMetric,
  HistogramMetric,
  HistogramPoint,
  MetricData,
  ResourceMetrics,
  SumMetric,
} from '../../src/metrics/data';

const START = Date.UTC(2025, 0, 2, 3, 4, 5, 6);
const TIME = START + 60_000;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

const point = (attributes: Attributes) => ({ attributes, startTime: START, time: TIME, exemplars: [] });

const requests: SumMetric = {
  type: 'sum',
  name: 'http.server.requests',
  description: 'requests served',
  unit: '{request}',
  instrumentKind: 'counter',
  numberKind: 'int',
  monotonic: true,
  temporality: 'cumulative',
  points: [
    { ...point({ 'http.request.method': 'GET', 'http.route': '/users' }), value: 42 },
    { ...point({ 'http.request.method': 'POST', 'http.route': '/users' }), value: 3 },
  ],
};

const active: SumMetric = {
  type: 'sum',
  name: 'http.server.active_requests',
  description: '',
  unit: '',
  instrumentKind: 'upDownCounter',
  numberKind: 'int',
  monotonic: false,
  temporality: 'cumulative',
  points: [{ ...point({}), value: -2 }],
};

const durationPoint: HistogramPoint = {
  ...point({ 'http.route': '/users' }),
  count: 5,
  sum: 0.1 + 0.2 + 7 + 8 + 20,
  min: 0.1,
  max: 20,
  bounds: [0, 5, 10],
  bucketCounts: [0, 2, 2, 1],
  exemplars: [{ filteredAttributes: {}, time: START + 1, value: 20, traceId: TRACE_ID, spanId: SPAN_ID }],
};

const duration: HistogramMetric = {
  type: 'histogram',
  name: 'http.server.duration',
  description: 'time to answer',
  unit: 'ms',
  instrumentKind: 'histogram',
  numberKind: 'double',
  temporality: 'delta',
  points: [durationPoint, { ...durationPoint, attributes: { 'http.route': '/neg' }, sum: undefined, min: -4, exemplars: [] }],
};

const temperature: GaugeMetric = {
  type: 'gauge',
  name: 'room.temperature',
  description: '',
  unit: 'Cel',
  instrumentKind: 'observableGauge',
  numberKind: 'double',
  points: [{ ...point({ room: 'kitchen' }), value: 21.123456789 }],
};

const sizes: ExponentialHistogramMetric = {
  type: 'exponentialHistogram',
  name: 'payload.size',
  description: '',
  unit: 'By',
  instrumentKind: 'histogram',
  numberKind: 'int',
  temporality: 'cumulative',
  points: [
    {
      ...point({}),
      count: 5,
      sum: undefined,
      min: -1.5,
      max: 12,
      scale: 0,
      zeroCount: 1,
      zeroThreshold: 0,
      // scale 0: base 2, bucket i covers (2^i, 2^(i+1)]
      positive: { offset: 1, bucketCounts: [1, 0, 2] },
      negative: { offset: 0, bucketCounts: [1] },
    },
  ],
};

function collection(...metrics: MetricData[]): ResourceMetrics {
  return {
    resource: { attributes: { 'service.name': 'checkout' }, schemaUrl: undefined },
    scopeMetrics: [{ scope: { name: 'shop', version: '1.2.0', schemaUrl: undefined }, metrics }],
  };
}

async function print(format: 'table' | 'json', metrics: ResourceMetrics): Promise<string> {
  let out = '';
  const exporter = new ConsoleMetricExporter(format, (text) => (out += text));
  const result = await exporter.export(metrics);
  assert.deepEqual(result, { ok: true });
  return out;
}

describe('console metrics exporter', () => {
  describe('table', () => {
    it('prints one block per collection: when, the service, a header, the scope and one row per data point', async () => {
      const out = await print('table', collection(requests, active));
      const lines = out.trimEnd().split('\n');
      assert.equal(lines[0], `metrics ${new Date(TIME).toISOString()}  service=checkout`);
      assert.match(lines[1]!, /^ {4}METRIC +KIND +UNIT +ATTRIBUTES +VALUE$/);
      assert.equal(lines[2], '  scope shop 1.2.0');
      assert.match(lines[3]!, /^ {4}http\.server\.requests +counter +\{request\} +http\.request\.method=GET http\.route=\/users +42$/);
      // The second point of a metric: the metric's cells left empty, the rest aligned.
      assert.match(lines[4]!, /^ {4} +http\.request\.method=POST http\.route=\/users +3$/);
      assert.match(lines[5]!, /^ {4}http\.server\.active_requests +updowncounter +- +- +-2$/);
      assert.equal(lines.length, 6);
      // Columns line up: every value starts where the header's VALUE does.
      const valueColumn = lines[1]!.indexOf('VALUE');
      for (const [line, value] of [[lines[3]!, '42'], [lines[4]!, '3'], [lines[5]!, '-2']] as const) {
        assert.equal(line.lastIndexOf(value), valueColumn, line);
      }
    });

    it('shows a histogram as count, sum, min, max and its non-empty buckets, and marks delta temporality', async () => {
      const out = await print('table', collection(duration));
      const rows = out.split('\n').filter((line) => line.includes('http.route='));
      assert.match(rows[0]!, /histogram \(delta\) +ms +http\.route=\/users +count=5 sum=35\.3 min=0\.1 max=20 {2}\(0,5\]:2 \(5,10\]:2 >10:1 {2}\(1 exemplar\)$/);
      // Negative values were recorded: there is no sum to show.
      assert.match(rows[1]!, /http\.route=\/neg +count=5 min=-4 max=20 {2}\(0,5\]:2/);
      assert.doesNotMatch(rows[1]!, /sum=/);
    });

    it('names the first and last explicit buckets by their one bound', async () => {
      const edges: HistogramMetric = { ...duration, temporality: 'cumulative', points: [{ ...durationPoint, bucketCounts: [4, 0, 0, 1], exemplars: [] }] };
      const out = await print('table', collection(edges));
      assert.match(out, /histogram +ms +http\.route=\/users +count=5 sum=35\.3 min=0\.1 max=20 {2}≤0:4 >10:1\n/);
    });

    it('summarises an exponential histogram by its scale, zero count and bucket ranges', async () => {
      const out = await print('table', collection(sizes));
      assert.match(out, /payload\.size +histogram +By +- +count=5 min=-1\.5 max=12 {2}scale=0 zero=1, 3 positive buckets over \(2,16\], 1 negative bucket over \[-2,-1\)\n/);
    });

    it('prints gauges to six significant digits', async () => {
      const out = await print('table', collection(temperature));
      assert.match(out, /room\.temperature +observable gauge +Cel +room=kitchen +21\.1235\n/);
    });

    it('quotes text from the app that is not plain, so that it cannot forge a line or break the columns', async () => {
      const hostile: SumMetric = { ...active, unit: 'my unit', points: [{ ...point({ 'user agent': 'curl\n metrics forged', n: 1, tags: ['a', 'b'] }), value: 1 }] };
      const out = await print('table', collection(hostile));
      const lines = out.trimEnd().split('\n');
      assert.equal(lines.length, 4, out);
      assert.ok(lines[3]!.includes('"user agent"="curl\\n metrics forged" n=1 tags=["a","b"]'), lines[3]);
      assert.ok(lines[3]!.includes('"my unit"'), lines[3]);
    });

    it('cuts a long attribute list short', async () => {
      const long: SumMetric = { ...active, points: [{ ...point({ a: 'x'.repeat(200), b: 'y' }), value: 9 }] };
      const out = await print('table', collection(long));
      const row = out.trimEnd().split('\n')[3]!;
      assert.match(row, /a=x+… +9$/);
      assert.ok(row.length < 140, row);
    });

    it('prints nothing for a collection without data points', async () => {
      assert.equal(await print('table', collection()), '');
      assert.equal(await print('table', collection({ ...requests, points: [] })), '');
      assert.equal(await print('json', collection({ ...requests, points: [] })), '');
    });
  });

  describe('json', () => {
    it('prints one self-contained line per data point with exact values', async () => {
      const out = await print('json', collection(requests, duration, temperature, sizes));
      const lines = out.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.equal(lines.length, 2 + 2 + 1 + 1);
      for (const line of lines) {
        assert.equal(line.service, 'checkout');
        assert.equal(line.scope, 'shop');
        assert.equal(line.scopeVersion, '1.2.0');
        assert.equal(line.startTime, new Date(START).toISOString());
        assert.equal(line.time, new Date(TIME).toISOString());
      }
      assert.deepEqual(lines[0], {
        metric: 'http.server.requests',
        type: 'sum',
        instrument: 'counter',
        unit: '{request}',
        description: 'requests served',
        attributes: { 'http.request.method': 'GET', 'http.route': '/users' },
        startTime: new Date(START).toISOString(),
        time: new Date(TIME).toISOString(),
        temporality: 'cumulative',
        monotonic: true,
        value: 42,
        exemplars: [],
        service: 'checkout',
        scope: 'shop',
        scopeVersion: '1.2.0',
      });
      const histogram = lines[2]!;
      assert.equal(histogram.sum, durationPoint.sum, 'not rounded');
      assert.equal(histogram.temporality, 'delta');
      assert.deepEqual(histogram.bounds, [0, 5, 10]);
      assert.deepEqual(histogram.bucketCounts, [0, 2, 2, 1]);
      assert.deepEqual(histogram.exemplars, [
        { value: 20, time: new Date(START + 1).toISOString(), traceId: TRACE_ID, spanId: SPAN_ID, filteredAttributes: {} },
      ]);
      assert.equal('sum' in lines[3]!, false, 'no sum when negative values were recorded');
      assert.equal(lines[4]!.value, 21.123456789);
      assert.equal(lines[4]!.instrument, 'observableGauge');
      assert.deepEqual(lines[5]!.positive, { offset: 1, bucketCounts: [1, 0, 2] });
      assert.equal(lines[5]!.scale, 0);
      assert.equal(lines[5]!.zeroCount, 1);
    });
  });

  describe('the exporter', () => {
    it('writes to stdout by default', async () => {
      const original = process.stdout.write;
      let out = '';
      process.stdout.write = ((text: string) => ((out += text), true)) as typeof process.stdout.write;
      try {
        assert.deepEqual(await new ConsoleMetricExporter('json').export(collection(active)), { ok: true });
      } finally {
        process.stdout.write = original;
      }
      assert.equal(JSON.parse(out).value, -2);
    });

    it('never throws: a failing write is a failed export', async () => {
      const exporter = new ConsoleMetricExporter('table', () => {
        throw new Error('EPIPE');
      });
      const result = await exporter.export(collection(active));
      assert.equal(result.ok, false);
      assert.equal(result.error?.message, 'EPIPE');
    });

    it('prints nothing after shutdown', async () => {
      let out = '';
      const exporter = new ConsoleMetricExporter('table', (text) => (out += text));
      await exporter.forceFlush();
      await exporter.shutdown();
      const result = await exporter.export(collection(active));
      assert.equal(result.ok, false);
      assert.equal(out, '');
    });
  });
});
