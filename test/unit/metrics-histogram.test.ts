import assert from 'node:assert/strict';
import { DEFAULT_BOUNDARIES } from '../../src/metrics/aggregators';
import type { ExponentialHistogramMetric, HistogramMetric } from '../../src/metrics/data';
import { manualProvider, metricNamed } from '../kit/metrics-recording';

describe('metrics SDK: histograms', () => {
  it('uses the advised boundaries: bucket i holds (bounds[i-1], bounds[i]]', async () => {
    const { provider, readers } = manualProvider();
    const h = provider.getMeter('h').createHistogram('advised', { advice: { explicitBucketBoundaries: [1, 10, 100] } });
    for (const v of [0, 1, 1.5, 10, 11, 100, 101, 5000]) h.record(v);
    const p = (metricNamed(await readers[0]!.collect(), 'advised') as HistogramMetric).points[0]!;
    assert.deepEqual(p.bounds, [1, 10, 100]);
    assert.deepEqual(p.bucketCounts, [2, 2, 2, 2]);
    assert.equal(p.count, 8);
    assert.equal(p.sum, 0 + 1 + 1.5 + 10 + 11 + 100 + 101 + 5000);
    assert.equal(p.min, 0);
    assert.equal(p.max, 5000);
  });

  it("uses the specification's default boundaries without advice", async () => {
    const { provider, readers } = manualProvider();
    const h = provider.getMeter('h').createHistogram('plain');
    for (const v of [0, 3, 5, 7, 80, 10000, 10001]) h.record(v);
    const p = (metricNamed(await readers[0]!.collect(), 'plain') as HistogramMetric).points[0]!;
    assert.deepEqual(p.bounds, [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]);
    assert.deepEqual(p.bounds, DEFAULT_BOUNDARIES);
    const expected = new Array<number>(16).fill(0);
    expected[0] = 1; // 0
    expected[1] = 2; // 3, 5
    expected[2] = 1; // 7
    expected[6] = 1; // 80
    expected[14] = 1; // 10000
    expected[15] = 1; // 10001
    assert.deepEqual(p.bucketCounts, expected);
  });

  it('omits the sum once a negative value was recorded, keeps count, min and max', async () => {
    const { provider, readers } = manualProvider();
    const h = provider.getMeter('h').createHistogram('signed', { advice: { explicitBucketBoundaries: [0] } });
    h.record(5);
    h.record(-2);
    const p = (metricNamed(await readers[0]!.collect(), 'signed') as HistogramMetric).points[0]!;
    assert.equal(p.sum, undefined);
    assert.equal(p.count, 2);
    assert.equal(p.min, -2);
    assert.equal(p.max, 5);
    assert.deepEqual(p.bucketCounts, [1, 1]);
  });

  it('exported cumulative points are snapshots: later measurements do not change them', async () => {
    const { provider, readers } = manualProvider();
    const h = provider.getMeter('h').createHistogram('snap', { advice: { explicitBucketBoundaries: [10] } });
    h.record(1);
    const first = (metricNamed(await readers[0]!.collect(), 'snap') as HistogramMetric).points[0]!;
    h.record(20);
    const second = (metricNamed(await readers[0]!.collect(), 'snap') as HistogramMetric).points[0]!;
    assert.deepEqual(first.bucketCounts, [1, 0]);
    assert.deepEqual(second.bucketCounts, [1, 1]);
  });

  it('ignores invalid advice entries (not ascending, not finite)', async () => {
    const { provider, readers } = manualProvider();
    const h = provider.getMeter('h').createHistogram('messy', { advice: { explicitBucketBoundaries: [5, 1, 10, Infinity, NaN, 20] } });
    h.record(15);
    assert.deepEqual((metricNamed(await readers[0]!.collect(), 'messy') as HistogramMetric).points[0]!.bounds, [5, 10, 20]);
  });

  it('aggregates into base-2 exponential histograms when configured', async () => {
    const { provider, readers } = manualProvider(['delta'], { histogramAggregation: 'base2_exponential_bucket_histogram' });
    const h = provider.getMeter('h').createHistogram('expo');
    for (const v of [1, 2, 4, 0]) h.record(v);
    const m = metricNamed(await readers[0]!.collect(), 'expo') as ExponentialHistogramMetric;
    assert.equal(m.type, 'exponentialHistogram');
    assert.equal(m.temporality, 'delta');
    const p = m.points[0]!;
    assert.equal(p.count, 4);
    assert.equal(p.zeroCount, 1);
    assert.equal(p.sum, 7);
    assert.equal(p.positive.bucketCounts.reduce((a, b) => a + b, 0), 3);
  });
});
