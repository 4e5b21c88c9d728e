import assert from 'node:assert/strict';
import type { HistogramMetric, SumMetric } from '../../src/metrics/data';
import { manualProvider, metricNamed } from '../kit/metrics-recording';

const OVERFLOW = { 'otel.metric.overflow': true };

describe('metrics SDK: cardinality limit', () => {
  it('keeps 2000 series per metric; the 2001st and later go to one overflow series; no value lost or counted twice', async () => {
    const { provider, readers } = manualProvider(['cumulative', 'delta']);
    const counter = provider.getMeter('c').createCounter('series');
    for (let i = 0; i < 2000; i++) counter.add(1, { id: i });
    let collected = await readers[0]!.collect();
    let points = (metricNamed(collected, 'series') as SumMetric).points;
    assert.equal(points.length, 2000);
    assert.ok(!points.some((p) => p.attributes['otel.metric.overflow'] === true));

    counter.add(5, { id: 2000 }); // the 2001st series
    counter.add(7, { id: 2001 });
    counter.add(1, { id: 0 }); // a known series still counts in its own
    collected = await readers[0]!.collect();
    points = (metricNamed(collected, 'series') as SumMetric).points;
    assert.equal(points.length, 2001);
    const overflow = points.filter((p) => p.attributes['otel.metric.overflow'] === true);
    assert.deepEqual(overflow.map((p) => [p.attributes, p.value]), [[OVERFLOW, 12]]);
    assert.equal(points.find((p) => p.attributes.id === 0)!.value, 2);
    const total = points.reduce((sum, p) => sum + p.value, 0);
    assert.equal(total, 2000 + 5 + 7 + 1);

    // The delta reader saw everything in one interval: the same split, the same total.
    const delta = (metricNamed(await readers[1]!.collect(), 'series') as SumMetric).points;
    assert.equal(delta.length, 2001);
    assert.equal(delta.reduce((sum, p) => sum + p.value, 0), 2013);
    // A new delta interval frees the slots: new series are their own again.
    counter.add(1, { id: 5000 });
    const next = (metricNamed(await readers[1]!.collect(), 'series') as SumMetric).points;
    assert.deepEqual(next.map((p) => [p.attributes, p.value]), [[{ id: 5000 }, 1]]);
  });

  it('applies the limit to histograms and observable instruments too', async () => {
    const { provider, readers } = manualProvider(['cumulative'], { cardinalityLimit: 3 });
    const meter = provider.getMeter('c');
    const h = meter.createHistogram('h');
    for (let i = 0; i < 5; i++) h.record(i, { id: i });
    meter.createObservableCounter('o').addCallback((r) => {
      for (let i = 0; i < 5; i++) r.observe(10, { id: i });
    });
    const collected = await readers[0]!.collect();
    const hp = (metricNamed(collected, 'h') as HistogramMetric).points;
    assert.equal(hp.length, 4);
    assert.deepEqual(hp.filter((p) => p.attributes['otel.metric.overflow'] === true).map((p) => [p.count, p.sum]), [[2, 7]]);
    const op = (metricNamed(collected, 'o') as SumMetric).points;
    assert.equal(op.length, 4);
    assert.equal(op.find((p) => p.attributes['otel.metric.overflow'] === true)!.value, 20);
    assert.equal(op.reduce((s, p) => s + p.value, 0), 50);
  });
});
