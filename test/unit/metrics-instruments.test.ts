import { metrics, ValueType, type Meter, type MeterProvider as ApiMeterProvider } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import type { GaugeMetric, HistogramMetric, SumMetric } from '../../src/metrics/data';
import { manualProvider, metricNamed, pointsByAttributes, useDiagLines } from '../kit/metrics-recording';

describe('metrics SDK: instruments through the API', () => {
  const diagnostics = useDiagLines();

  function setup(): { meter: Meter; collect: () => ReturnType<ReturnType<typeof manualProvider>['readers'][0]['collect']> } {
    const { provider, readers } = manualProvider();
    // Through the API's global, as an app gets it.
    metrics.disable();
    metrics.setGlobalMeterProvider(provider as ApiMeterProvider);
    return { meter: metrics.getMeter('unit-test', '1.2.3', { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' }), collect: () => readers[0]!.collect() };
  }
  afterEach(() => metrics.disable());

  it('exports every synchronous kind with its values, unit, description and scope', async () => {
    const { meter, collect } = setup();
    const counter = meter.createCounter('requests', { unit: '{request}', description: 'requests served' });
    const updown = meter.createUpDownCounter('active', { valueType: ValueType.INT });
    const histogram = meter.createHistogram('duration', { unit: 'ms' });
    const gauge = meter.createGauge('temperature');
    counter.add(2, { route: '/a' });
    counter.add(3, { route: '/a' });
    counter.add(1, { route: '/b' });
    updown.add(5);
    updown.add(-2.7); // INT: truncated to -2
    histogram.record(7);
    histogram.record(30);
    gauge.record(21);
    gauge.record(19.5);
    const collected = await collect();
    assert.deepEqual(collected.resource.attributes, { 'service.name': 'unit' });
    assert.deepEqual(collected.scopeMetrics[0]!.scope, { name: 'unit-test', version: '1.2.3', schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' });

    const requests = metricNamed(collected, 'requests') as SumMetric;
    assert.equal(requests.type, 'sum');
    assert.equal(requests.monotonic, true);
    assert.equal(requests.temporality, 'cumulative');
    assert.equal(requests.unit, '{request}');
    assert.equal(requests.description, 'requests served');
    assert.equal(requests.instrumentKind, 'counter');
    const byRoute = pointsByAttributes(requests.points);
    assert.equal(byRoute.get('{"route":"/a"}')!.value, 5);
    assert.equal(byRoute.get('{"route":"/b"}')!.value, 1);

    const active = metricNamed(collected, 'active') as SumMetric;
    assert.equal(active.monotonic, false);
    assert.equal(active.numberKind, 'int');
    assert.deepEqual(active.points.map((p) => [p.attributes, p.value]), [[{}, 3]]);

    const duration = metricNamed(collected, 'duration') as HistogramMetric;
    assert.equal(duration.type, 'histogram');
    assert.equal(duration.points[0]!.count, 2);
    assert.equal(duration.points[0]!.sum, 37);

    const temperature = metricNamed(collected, 'temperature') as GaugeMetric;
    assert.equal(temperature.type, 'gauge');
    assert.equal(temperature.numberKind, 'double');
    assert.equal(temperature.points[0]!.value, 19.5);
  });

  it('exports observable counters, up-down counters and gauges from their callbacks, and batch callbacks', async () => {
    const { meter, collect } = setup();
    const bytes = meter.createObservableCounter('bytes', { unit: 'By' });
    const queue = meter.createObservableUpDownCounter('queue');
    const heap = meter.createObservableGauge('heap');
    const cpu = meter.createObservableGauge('cpu');
    let total = 100;
    bytes.addCallback((r) => r.observe(total, { dir: 'in' }));
    queue.addCallback((r) => r.observe(-4));
    heap.addCallback(async (r) => {
      await new Promise((resolve) => setImmediate(resolve));
      r.observe(512, { space: 'old' });
    });
    const batch = (r: import('@opentelemetry/api').BatchObservableResult): void => {
      r.observe(cpu, 0.25, { core: 0 });
      r.observe(cpu, 0.75, { core: 1 });
    };
    meter.addBatchObservableCallback(batch, [cpu]);
    let collected = await collect();
    const b = metricNamed(collected, 'bytes') as SumMetric;
    assert.equal(b.monotonic, true);
    assert.equal(b.instrumentKind, 'observableCounter');
    assert.deepEqual(b.points.map((p) => [p.attributes, p.value]), [[{ dir: 'in' }, 100]]);
    assert.deepEqual((metricNamed(collected, 'queue') as SumMetric).points.map((p) => p.value), [-4]);
    assert.equal((metricNamed(collected, 'queue') as SumMetric).monotonic, false);
    assert.deepEqual((metricNamed(collected, 'heap') as GaugeMetric).points.map((p) => [p.attributes, p.value]), [[{ space: 'old' }, 512]]);
    const cores = pointsByAttributes((metricNamed(collected, 'cpu') as GaugeMetric).points);
    assert.equal(cores.get('{"core":0}')!.value, 0.25);
    assert.equal(cores.get('{"core":1}')!.value, 0.75);

    total = 150;
    meter.removeBatchObservableCallback(batch, [cpu]);
    collected = await collect();
    assert.deepEqual((metricNamed(collected, 'bytes') as SumMetric).points.map((p) => p.value), [150]);
    const names = collected.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.name));
    assert.ok(!names.includes('cpu'), 'a removed batch callback observes nothing');
  });

  it('identifies attribute sets independently of key order', async () => {
    const { meter, collect } = setup();
    const counter = meter.createCounter('ordered');
    counter.add(1, { a: 1, b: 'x' });
    counter.add(1, { b: 'x', a: 1 });
    const cached = { b: 'x', a: 1 };
    counter.add(1, cached);
    counter.add(1, cached);
    const points = (metricNamed(await collect(), 'ordered') as SumMetric).points;
    assert.equal(points.length, 1);
    assert.equal(points[0]!.value, 4);
  });

  it('attribute sets whose names or values contain separators never share a series', async () => {
    const { meter, collect } = setup();
    const counter = meter.createCounter('tricky');
    const sets = [{ a: 'x', b: 'y' }, { a: 'x1:bsy' }, { 'a': 1, '1': 'a' }, { a: '1' }, { a: 1 }, { a: true }, { a: 'true' }, { a: [1] }, { a: '[1]' }];
    for (let round = 0; round < 3; round++) for (const set of sets) counter.add(1, set);
    const points = (metricNamed(await collect(), 'tricky') as SumMetric).points;
    assert.equal(points.length, sets.length);
    assert.ok(points.every((p) => p.value === 3));
  });

  it('fresh attribute objects find their series by value and type, a set and its prefix apart', async () => {
    const { meter, collect } = setup();
    const counter = meter.createCounter('fresh_sets');
    for (let round = 0; round < 3; round++) {
      counter.add(1, { a: 1 });
      counter.add(1, { a: '1' });
      counter.add(1, { a: true });
      counter.add(1, { b: 2, a: 1 });
      counter.add(1, { a: 1, b: 2 });
      counter.add(1, { a: 1, b: undefined });
    }
    const points = pointsByAttributes((metricNamed(await collect(), 'fresh_sets') as SumMetric).points);
    assert.deepEqual(
      [...points].map(([k, p]) => [k, p.value]),
      [
        ['{"a":1}', 6],
        ['{"a":"1"}', 3],
        ['{"a":true}', 3],
        ['{"a":1,"b":2}', 6],
      ],
    );
  });

  it('a cached attribute object that the app mutates counts in its new series', async () => {
    const { meter, collect } = setup();
    const counter = meter.createCounter('mutated');
    const attrs: Record<string, string | number> = { status: 200 };
    counter.add(1, attrs);
    attrs.status = 500;
    counter.add(1, attrs);
    counter.add(1, attrs);
    attrs.extra = 'y';
    counter.add(1, attrs);
    const byStatus = pointsByAttributes((metricNamed(await collect(), 'mutated') as SumMetric).points);
    assert.equal(byStatus.get('{"status":200}')!.value, 1);
    assert.equal(byStatus.get('{"status":500}')!.value, 2);
    assert.equal(byStatus.get('{"extra":"y","status":500}')!.value, 1);
  });

  it('a frozen attribute object keeps its series; one whose getter answers differently moves', async () => {
    const { meter, collect } = setup();
    const counter = meter.createCounter('frozen');
    const fixed = Object.freeze({ status: 200, route: '/a' });
    let status = 200;
    const viaGetter = Object.freeze({
      route: '/b',
      get status(): number {
        return status;
      },
    });
    // Alternated, and each three times: the second use of an object caches it, the third reads the cache.
    for (let i = 0; i < 3; i++) {
      counter.add(1, fixed);
      counter.add(1, viaGetter);
    }
    status = 500;
    counter.add(1, viaGetter);
    counter.add(1, fixed);
    counter.add(1, viaGetter);
    const points = pointsByAttributes((metricNamed(await collect(), 'frozen') as SumMetric).points);
    assert.equal(points.get('{"route":"/a","status":200}')!.value, 4);
    assert.equal(points.get('{"route":"/b","status":200}')!.value, 3);
    assert.equal(points.get('{"route":"/b","status":500}')!.value, 2);
  });

  it('applies the span attribute rules: invalid values dropped, strings cut, at most the count limit', async () => {
    const { provider, readers } = manualProvider(['cumulative'], { attributeLimits: { attributeCountLimit: 2, attributeValueLengthLimit: 3 } });
    const counter = provider.getMeter('limits').createCounter('limited');
    counter.add(1, { c: 'third', a: 'abcdef', b: [1, 2], bad: { nested: 1 } as unknown as string });
    counter.add(1, { b: [1, 2], a: 'abcxyz' }); // the same set once cut
    const points = (metricNamed(await readers[0]!.collect(), 'limited') as SumMetric).points;
    assert.deepEqual(points.map((p) => [p.attributes, p.value]), [[{ a: 'abc', b: [1, 2] }, 2]]);
  });

  it('ignores negative counter increments with one warning, and non-finite values', async () => {
    const { meter, collect } = setup();
    const counter = meter.createCounter('only_up');
    counter.add(5);
    counter.add(-1);
    counter.add(-2);
    counter.add(NaN);
    counter.add('7' as unknown as number);
    assert.equal((metricNamed(await collect(), 'only_up') as SumMetric).points[0]!.value, 5);
    assert.equal(diagnostics.lines.filter((l) => l.includes('negative values are ignored')).length, 1);
    assert.equal(diagnostics.lines.filter((l) => l.includes('not a finite number')).length, 1);
  });

  it('an invalid instrument name gives one warning and a no-op instrument', async () => {
    const { meter, collect } = setup();
    for (const name of ['1starts_with_digit', 'has space', 'x'.repeat(256), '']) {
      const counter = meter.createCounter(name);
      counter.add(1);
      counter.add(1);
      meter.createHistogram(name).record(1);
    }
    meter.createCounter('valid_name.with/all-chars_' + 'x'.repeat(200)).add(1);
    const names = (await collect()).scopeMetrics.flatMap((s) => s.metrics.map((m) => m.name));
    assert.equal(names.length, 1);
    assert.ok(names[0]!.startsWith('valid_name'));
    assert.equal(diagnostics.lines.filter((l) => l.includes('invalid instrument name')).length, 4, diagnostics.lines.join('\n'));
  });

  it('the same instrument asked for twice is one stream; a conflicting duplicate warns once and is its own stream', async () => {
    const { meter, collect } = setup();
    const first = meter.createCounter('dup', { unit: 'ms' });
    const again = meter.createCounter('DUP', { unit: 'ms' }); // names are case-insensitive
    assert.equal(first, again);
    first.add(1);
    again.add(2);
    const conflicting = meter.createCounter('dup', { unit: 's' });
    const conflicting2 = meter.createHistogram('dup');
    meter.createCounter('dup', { unit: 's' }).add(10);
    conflicting.add(20);
    conflicting2.record(3);
    const all = (await collect()).scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.name === 'dup');
    assert.deepEqual(
      all.map((m) => [m.unit, m.type, m.type === 'sum' ? m.points[0]!.value : m.type === 'histogram' ? m.points[0]!.count : -1]),
      [['ms', 'sum', 3], ['s', 'sum', 30], ['', 'histogram', 1]],
    );
    assert.equal(diagnostics.lines.filter((l) => l.includes('instrument dup of meter unit-test was created again')).length, 1);
  });

  it('returns one meter per scope, and never throws into the app', async () => {
    const { provider, readers } = manualProvider();
    assert.equal(provider.getMeter('a', '1'), provider.getMeter('a', '1'));
    assert.notEqual(provider.getMeter('a', '1'), provider.getMeter('a', '2'));
    assert.notEqual(provider.getMeter('a'), provider.getMeter('a', undefined, { schemaUrl: 'x' }));
    const meter = provider.getMeter('hostile');
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error('boom'); } });
    const counter = meter.createCounter('hostile');
    counter.add(1, hostile as never);
    counter.add(1, null as never);
    meter.createObservableGauge('cb').addCallback(null as never);
    meter.addBatchObservableCallback(null as never, null as never);
    const points = (metricNamed(await readers[0]!.collect(), 'hostile') as SumMetric).points;
    assert.deepEqual(points.map((p) => [p.attributes, p.value]), [[{}, 2]]);
  });
});
