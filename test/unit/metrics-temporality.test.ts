import assert from 'node:assert/strict';
import type { GaugeMetric, HistogramMetric, SumMetric } from '../../src/metrics/data';
import { manualProvider, metricNamed, pointsByAttributes } from '../kit/metrics-recording';

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2));

describe('metrics SDK: temporality and start times', () => {
  it('cumulative series keep their start across collections; delta series start at the previous collection', async () => {
    const before = Date.now();
    const { provider, readers } = manualProvider(['cumulative', 'delta']);
    const [cumulative, delta] = readers as [NonNullable<(typeof readers)[0]>, NonNullable<(typeof readers)[0]>];
    const counter = provider.getMeter('t').createCounter('hits');
    await tick();
    counter.add(2);
    await tick();
    const c1 = metricNamed(await cumulative.collect(), 'hits') as SumMetric;
    const d1 = metricNamed(await delta.collect(), 'hits') as SumMetric;
    assert.equal(c1.temporality, 'cumulative');
    assert.equal(d1.temporality, 'delta');
    assert.equal(c1.points[0]!.value, 2);
    assert.equal(d1.points[0]!.value, 2);
    // The first delta interval starts at the SDK's start; the cumulative series at its first measurement.
    assert.ok(d1.points[0]!.startTime >= before && d1.points[0]!.startTime < c1.points[0]!.startTime);

    counter.add(3);
    await tick();
    const c2 = metricNamed(await cumulative.collect(), 'hits') as SumMetric;
    const d2 = metricNamed(await delta.collect(), 'hits') as SumMetric;
    assert.equal(c2.points[0]!.value, 5);
    assert.equal(c2.points[0]!.startTime, c1.points[0]!.startTime);
    assert.ok(c2.points[0]!.time > c1.points[0]!.time);
    assert.equal(d2.points[0]!.value, 3);
    assert.equal(d2.points[0]!.startTime, d1.points[0]!.time);
  });

  it('a delta series with no new measurement is not exported again; cumulative ones are', async () => {
    const { provider, readers } = manualProvider(['delta', 'cumulative']);
    const meter = provider.getMeter('t');
    const counter = meter.createCounter('once');
    const histogram = meter.createHistogram('latency');
    counter.add(1, { k: 'a' });
    histogram.record(3);
    await readers[0]!.collect();
    await readers[1]!.collect();
    counter.add(1, { k: 'b' });
    const delta = await readers[0]!.collect();
    const cumulative = await readers[1]!.collect();
    assert.deepEqual((metricNamed(delta, 'once') as SumMetric).points.map((p) => p.attributes), [{ k: 'b' }]);
    assert.ok(!delta.scopeMetrics.flatMap((s) => s.metrics).some((m) => m.name === 'latency'));
    assert.equal((metricNamed(cumulative, 'once') as SumMetric).points.length, 2);
    assert.equal((metricNamed(cumulative, 'latency') as HistogramMetric).points[0]!.count, 1);
  });

  it('follows the preference table: delta counters and histograms, cumulative up-down counters', async () => {
    const { provider, readers } = manualProvider(['delta']);
    const meter = provider.getMeter('t');
    meter.createCounter('c').add(1);
    meter.createHistogram('h').record(1);
    meter.createUpDownCounter('u').add(1);
    meter.createObservableCounter('oc').addCallback((r) => r.observe(1));
    meter.createObservableUpDownCounter('ou').addCallback((r) => r.observe(1));
    const collected = await readers[0]!.collect();
    const temporality = (name: string): string => (metricNamed(collected, name) as SumMetric).temporality;
    assert.deepEqual(['c', 'h', 'u', 'oc', 'ou'].map(temporality), ['delta', 'delta', 'cumulative', 'delta', 'cumulative']);
  });

  it('turns the cumulative totals of observable counters into deltas for a delta reader', async () => {
    const { provider, readers } = manualProvider(['delta', 'cumulative']);
    let total = 10;
    provider
      .getMeter('t')
      .createObservableCounter('bytes')
      .addCallback((r) => {
        r.observe(total, { dir: 'in' });
        r.observe(total * 2, { dir: 'out' });
      });
    const d1 = pointsByAttributes((metricNamed(await readers[0]!.collect(), 'bytes') as SumMetric).points);
    const c1 = pointsByAttributes((metricNamed(await readers[1]!.collect(), 'bytes') as SumMetric).points);
    total = 25;
    await tick();
    const d2 = pointsByAttributes((metricNamed(await readers[0]!.collect(), 'bytes') as SumMetric).points);
    const c2 = pointsByAttributes((metricNamed(await readers[1]!.collect(), 'bytes') as SumMetric).points);
    assert.equal(d1.get('{"dir":"in"}')!.value, 10);
    assert.equal(d2.get('{"dir":"in"}')!.value, 15);
    assert.equal(d2.get('{"dir":"out"}')!.value, 30);
    assert.equal(d2.get('{"dir":"in"}')!.startTime, d1.get('{"dir":"in"}')!.time);
    assert.equal(c2.get('{"dir":"in"}')!.value, 25);
    assert.equal(c2.get('{"dir":"in"}')!.startTime, c1.get('{"dir":"in"}')!.startTime);
  });

  it('a gauge keeps its last value for cumulative readers and reports only what was observed', async () => {
    const { provider, readers } = manualProvider();
    const meter = provider.getMeter('t');
    const gauge = meter.createGauge('g');
    gauge.record(3, { a: 1 });
    gauge.record(4, { a: 1 });
    let observe = true;
    meter.createObservableGauge('og').addCallback((r) => {
      if (observe) r.observe(7);
    });
    const first = await readers[0]!.collect();
    assert.equal((metricNamed(first, 'g') as GaugeMetric).points[0]!.value, 4);
    assert.equal((metricNamed(first, 'og') as GaugeMetric).points[0]!.value, 7);
    observe = false;
    const second = await readers[0]!.collect();
    assert.equal((metricNamed(second, 'g') as GaugeMetric).points[0]!.value, 4);
    assert.ok(!second.scopeMetrics.flatMap((s) => s.metrics).some((m) => m.name === 'og'));
  });
});
