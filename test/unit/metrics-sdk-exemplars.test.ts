import { context, trace, type ContextManager } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import type { ExemplarFilter, HistogramMetric, SumMetric } from '../../src/metrics/data';
import { AlwaysOffSampler } from '../../src/sdk/sampler';
import { manualProvider, metricNamed } from '../kit/metrics-recording';
import { recordingProvider, useContextManager } from '../kit/recording';

function meterWith(filter: ExemplarFilter): ReturnType<typeof manualProvider> {
  return manualProvider(['cumulative'], { exemplarFilter: filter });
}

describe('metrics SDK: exemplars from the active span', () => {
  useContextManager();

  it('a measurement inside a sampled span carries its trace and span id (trace_based)', async () => {
    const { provider: tracing } = recordingProvider();
    const { provider, readers } = meterWith('trace_based');
    const meter = provider.getMeter('ex');
    const histogram = meter.createHistogram('latency', { advice: { explicitBucketBoundaries: [10, 100] } });
    const counter = meter.createCounter('calls');
    let ids: { traceId: string; spanId: string } | undefined;
    tracing.getTracer('t').startActiveSpan('work', (span) => {
      ids = { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
      histogram.record(42, { route: '/a', user: 'u1' });
      counter.add(1, { route: '/a' });
      span.end();
    });
    histogram.record(500, { route: '/a', user: 'u1' }); // outside any span: no exemplar
    const collected = await readers[0]!.collect();
    const point = (metricNamed(collected, 'latency') as HistogramMetric).points[0]!;
    assert.equal(point.exemplars.length, 1);
    const exemplar = point.exemplars[0]!;
    assert.equal(exemplar.value, 42);
    assert.equal(exemplar.traceId, ids!.traceId);
    assert.equal(exemplar.spanId, ids!.spanId);
    assert.ok(exemplar.time > 0);
    const sum = (metricNamed(collected, 'calls') as SumMetric).points[0]!;
    assert.deepEqual(sum.exemplars.map((e) => [e.value, e.traceId, e.spanId]), [[1, ids!.traceId, ids!.spanId]]);
  });

  it('an unsampled span gives no exemplar with trace_based; always_on keeps one anyway', async () => {
    const { provider: tracing } = recordingProvider(new AlwaysOffSampler());
    const based = meterWith('trace_based');
    const on = meterWith('always_on');
    const c1 = based.provider.getMeter('ex').createCounter('c');
    const c2 = on.provider.getMeter('ex').createCounter('c');
    tracing.getTracer('t').startActiveSpan('unsampled', (span) => {
      c1.add(1);
      c2.add(1);
      span.end();
    });
    assert.equal((metricNamed(await based.readers[0]!.collect(), 'c') as SumMetric).points[0]!.exemplars.length, 0);
    const exemplars = (metricNamed(await on.readers[0]!.collect(), 'c') as SumMetric).points[0]!.exemplars;
    assert.equal(exemplars.length, 1);
    assert.equal(exemplars[0]!.value, 1);
  });

  it('with always_off, a measurement does not even look at the active context', async () => {
    const { provider, readers } = meterWith('always_off');
    const counter = provider.getMeter('ex').createCounter('quiet');
    const histogram = provider.getMeter('ex').createHistogram('quiet_h');
    let lookups = 0;
    const counting: ContextManager = {
      active: () => {
        lookups++;
        return trace.setSpanContext(context.active(), { traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 });
      },
      with: (_ctx, fn, thisArg, ...args) => fn.call(thisArg, ...args),
      bind: (_ctx, target) => target,
      enable() {
        return this;
      },
      disable() {
        return this;
      },
    };
    const original = (context as unknown as { _getContextManager(): ContextManager })._getContextManager();
    context.disable();
    context.setGlobalContextManager(counting);
    try {
      counter.add(1);
      histogram.record(1);
    } finally {
      context.disable();
      context.setGlobalContextManager(original);
    }
    assert.equal(lookups, 0);
    assert.equal((metricNamed(await readers[0]!.collect(), 'quiet') as SumMetric).points[0]!.exemplars.length, 0);
  });
});
