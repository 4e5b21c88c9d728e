import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SamplingDecision, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { newSpanId, newTraceId } from '../../src/sdk/ids';
import { readConfig } from '../../src/config';
import type { Env } from '../../src/config/parse';
import { recordingProvider } from '../kit/recording';
import { AlwaysOffSampler, createSampler, dropsEveryNewTrace, ParentBasedSampler, TraceIdRatioBasedSampler } from '../../src/sdk/sampler';

function decide(sampler: ReturnType<typeof createSampler>, traceId: string, ctx = ROOT_CONTEXT) {
  return sampler.shouldSample(ctx, traceId, 'n', SpanKind.INTERNAL, {}, []).decision;
}

function parentContext(sampled: boolean, isRemote: boolean) {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: newTraceId(),
    spanId: newSpanId(),
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote,
  });
}

describe('sdk: samplers', () => {
  it('always_on and always_off', () => {
    assert.equal(decide(createSampler({ name: 'always_on', ratio: 1 }), newTraceId()), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide(createSampler({ name: 'always_off', ratio: 1 }), newTraceId()), SamplingDecision.NOT_RECORD);
  });

  it('traceidratio decides from the 56 low bits of the trace id against (1 - ratio) * 2^56', () => {
    const sampler = new TraceIdRatioBasedSampler(0.5);
    // threshold is 0x80000000000000: R below it is dropped, at or above it is kept
    assert.equal(decide(sampler, 'ffffffffffffffffff7fffffffffffff'), SamplingDecision.NOT_RECORD);
    assert.equal(decide(sampler, '00000000000000000080000000000000'), SamplingDecision.RECORD_AND_SAMPLED);
    // the high 72 bits play no part
    assert.equal(decide(sampler, 'ffffffffffffffffff00000000000000'), SamplingDecision.NOT_RECORD);
  });

  it('traceidratio keeps about ratio of random traces, and a trace kept at a ratio is kept at every larger one', () => {
    const ids = Array.from({ length: 20_000 }, newTraceId);
    const kept = (ratio: number) => new Set(ids.filter((id) => decide(new TraceIdRatioBasedSampler(ratio), id) === SamplingDecision.RECORD_AND_SAMPLED));
    const quarter = kept(0.25);
    const half = kept(0.5);
    assert.ok(Math.abs(quarter.size / ids.length - 0.25) < 0.02, `kept ${quarter.size}`);
    assert.ok(Math.abs(half.size / ids.length - 0.5) < 0.02, `kept ${half.size}`);
    for (const id of quarter) assert.ok(half.has(id), `${id} kept at 0.25 but not 0.5`);
    assert.equal(kept(0).size, 0);
    assert.equal(kept(1).size, ids.length);
  });

  it('two samplers with the same ratio (two services) agree on every trace', () => {
    const a = new TraceIdRatioBasedSampler(0.3);
    const b = new TraceIdRatioBasedSampler(0.3);
    for (let i = 0; i < 2000; i++) {
      const id = newTraceId();
      assert.equal(decide(a, id), decide(b, id));
    }
  });

  it('parent-based samplers follow the parent, and use the root sampler for roots', () => {
    const onRoot = createSampler({ name: 'parentbased_always_on', ratio: 1 });
    const offRoot = createSampler({ name: 'parentbased_always_off', ratio: 1 });
    assert.equal(decide(onRoot, newTraceId()), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide(offRoot, newTraceId()), SamplingDecision.NOT_RECORD);
    for (const isRemote of [true, false]) {
      assert.equal(decide(offRoot, newTraceId(), parentContext(true, isRemote)), SamplingDecision.RECORD_AND_SAMPLED);
      assert.equal(decide(onRoot, newTraceId(), parentContext(false, isRemote)), SamplingDecision.NOT_RECORD);
    }
    const custom = new ParentBasedSampler({ root: new AlwaysOffSampler(), remoteParentNotSampled: createSampler({ name: 'always_on', ratio: 1 }) });
    assert.equal(decide(custom, newTraceId(), parentContext(false, true)), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide(custom, newTraceId(), parentContext(false, false)), SamplingDecision.NOT_RECORD);
  });

  it("parent-based samplers take a span of this SDK as a valid local parent, and treat invalid ids as no parent", () => {
    const offRoot = createSampler({ name: 'parentbased_always_off', ratio: 1 });
    const { provider } = recordingProvider();
    const ours = provider.getTracer('unit').startSpan('server', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    assert.equal(decide(offRoot, ours.spanContext().traceId, trace.setSpan(ROOT_CONTEXT, ours)), SamplingDecision.RECORD_AND_SAMPLED, 'its sampled flag is followed');
    const notOurs = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'G'.repeat(32), spanId: newSpanId(), traceFlags: TraceFlags.SAMPLED, isRemote: false });
    assert.equal(decide(offRoot, newTraceId(), notOurs), SamplingDecision.NOT_RECORD, 'invalid ids: the root sampler decides');
    const allZero = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0'.repeat(32), spanId: newSpanId(), traceFlags: TraceFlags.SAMPLED, isRemote: true });
    assert.equal(decide(offRoot, newTraceId(), allZero), SamplingDecision.NOT_RECORD);
    ours.end();
  });

  it('tells when every new trace would be dropped (the http instrumentation then leaves such requests alone)', () => {
    const cases: [Env, boolean][] = [
      [{}, false],
      [{ OTEL_TRACES_SAMPLER: 'always_on' }, false],
      [{ OTEL_TRACES_SAMPLER: 'always_off' }, true],
      [{ OTEL_TRACES_SAMPLER: 'parentbased_always_on' }, false],
      [{ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }, true],
      [{ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }, true],
      [{ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }, true],
      [{ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.0001' }, false],
      [{ OTEL_TRACES_SAMPLER: 'traceidratio' }, false],
    ];
    for (const [env, dropped] of cases) assert.equal(dropsEveryNewTrace(readConfig(env).config.sampler), dropped, JSON.stringify(env));
    // A malformed ratio falls back to 1: nothing is dropped.
    assert.equal(dropsEveryNewTrace(readConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: 'none' }).config.sampler), false);
  });
});

describe('sdk: ids', () => {
  it('are lower-case hex of the right length, never all zero, and do not repeat', () => {
    const traceIds = new Set<string>();
    const spanIds = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const t = newTraceId();
      const s = newSpanId();
      assert.match(t, /^[0-9a-f]{32}$/);
      assert.match(s, /^[0-9a-f]{16}$/);
      assert.notEqual(t, '0'.repeat(32));
      assert.notEqual(s, '0'.repeat(16));
      traceIds.add(t);
      spanIds.add(s);
    }
    assert.equal(traceIds.size, 10_000);
    assert.equal(spanIds.size, 10_000);
  });
});
