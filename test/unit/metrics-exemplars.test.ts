import assert from 'node:assert/strict';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { newSpanId, newTraceId } from '../../src/sdk/ids';
import { AlignedHistogramBucketReservoir, exemplarAllowed, SimpleFixedSizeReservoir } from '../../src/metrics/exemplars';
import type { ExemplarReservoir } from '../../src/metrics/exemplars';

function spanContext(sampled: boolean): { ctx: Context; traceId: string; spanId: string } {
  const traceId = newTraceId();
  const spanId = newSpanId();
  const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE });
  return { ctx, traceId, spanId };
}

function offerAll(reservoir: ExemplarReservoir, values: readonly number[], ctx: Context = ROOT_CONTEXT): void {
  values.forEach((value, i) => reservoir.offer(value, 1000 + i, { i }, ctx));
}

describe('metrics: exemplars', () => {
  describe('the exemplar filter', () => {
    const sampled = spanContext(true).ctx;
    const notSampled = spanContext(false).ctx;
    const invalid = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: TraceFlags.SAMPLED });

    it('trace_based allows only measurements made inside a valid sampled span', () => {
      assert.equal(exemplarAllowed('trace_based', sampled), true);
      assert.equal(exemplarAllowed('trace_based', notSampled), false);
      assert.equal(exemplarAllowed('trace_based', ROOT_CONTEXT), false);
      assert.equal(exemplarAllowed('trace_based', invalid), false);
    });

    it('always_on allows every measurement and always_off none', () => {
      for (const ctx of [sampled, notSampled, ROOT_CONTEXT]) {
        assert.equal(exemplarAllowed('always_on', ctx), true);
        assert.equal(exemplarAllowed('always_off', ctx), false);
      }
    });
  });

  describe('what an exemplar carries', () => {
    it('the value, time, measurement attributes and the ids of the span in the context', () => {
      const { ctx, traceId, spanId } = spanContext(true);
      const reservoir = new SimpleFixedSizeReservoir(1);
      reservoir.offer(42, 1234.5, { route: '/a' }, ctx);
      assert.deepEqual(reservoir.collect({}), [{ filteredAttributes: { route: '/a' }, time: 1234.5, value: 42, traceId, spanId }]);
    });

    it('the ids of a span that is not sampled too (always_on), and none without a span', () => {
      const { ctx, traceId, spanId } = spanContext(false);
      const reservoir = new AlignedHistogramBucketReservoir([10]);
      reservoir.offer(1, 1, {}, ctx);
      reservoir.offer(20, 2, {}, ROOT_CONTEXT);
      const [inSpan, outside] = reservoir.collect({});
      assert.deepEqual([inSpan.traceId, inSpan.spanId], [traceId, spanId]);
      assert.deepEqual([outside.traceId, outside.spanId], [undefined, undefined]);
    });

    it('filteredAttributes: the measurement attributes whose keys the point does not have', () => {
      const reservoir = new SimpleFixedSizeReservoir(1);
      const measured = { route: '/a', user: 'u1' };
      reservoir.offer(1, 1, measured, ROOT_CONTEXT);
      assert.deepEqual(reservoir.collect({ route: '/a' })[0].filteredAttributes, { user: 'u1' });
      reservoir.offer(1, 1, measured, ROOT_CONTEXT);
      assert.deepEqual(reservoir.collect(measured)[0].filteredAttributes, {});
      // The overflow series carries none of the measurement's attributes.
      reservoir.offer(1, 1, measured, ROOT_CONTEXT);
      assert.deepEqual(reservoir.collect({ 'otel.metric.overflow': true })[0].filteredAttributes, measured);
      assert.deepEqual(measured, { route: '/a', user: 'u1' }, 'the measurement attributes are not changed');
    });
  });

  describe('AlignedHistogramBucketReservoir', () => {
    it('keeps one exemplar per bucket, the last measurement in it; bounds are inclusive upper bounds', () => {
      const reservoir = new AlignedHistogramBucketReservoir([0, 5, 10]);
      // buckets: (-inf, 0], (0, 5], (5, 10], (10, +inf)
      offerAll(reservoir, [-3, 0, 1, 5, 7, 11, 500]);
      const exemplars = reservoir.collect({});
      assert.deepEqual(
        exemplars.map((e) => [e.value, e.time]),
        [
          [0, 1001],
          [5, 1003],
          [7, 1004],
          [500, 1006],
        ],
      );
    });

    it('leaves out buckets without a measurement, and is empty after collect until offered again', () => {
      const reservoir = new AlignedHistogramBucketReservoir([1, 2, 3, 4]);
      offerAll(reservoir, [3.5, 0.5]);
      assert.deepEqual(
        reservoir.collect({}).map((e) => e.value),
        [0.5, 3.5],
      );
      assert.deepEqual(reservoir.collect({}), []);
      reservoir.offer(9, 5, {}, ROOT_CONTEXT);
      assert.deepEqual(
        reservoir.collect({}).map((e) => e.value),
        [9],
      );
    });

    it('no bounds: one bucket for everything', () => {
      const reservoir = new AlignedHistogramBucketReservoir([]);
      offerAll(reservoir, [1, -1, 100]);
      assert.deepEqual(
        reservoir.collect({}).map((e) => e.value),
        [100],
      );
    });
  });

  describe('SimpleFixedSizeReservoir', () => {
    it('fills its cells in order first, then never holds more than its size', () => {
      const reservoir = new SimpleFixedSizeReservoir(3);
      offerAll(reservoir, [1, 2]);
      assert.deepEqual(
        reservoir.collect({}).map((e) => e.value),
        [1, 2],
      );
      offerAll(reservoir, [1, 2, 3]);
      assert.deepEqual(
        reservoir.collect({}).map((e) => e.value),
        [1, 2, 3],
      );
      offerAll(reservoir, Array.from({ length: 1000 }, (_, i) => i));
      const kept = reservoir.collect({}).map((e) => e.value);
      assert.equal(kept.length, 3);
      assert.equal(new Set(kept).size, 3);
    });

    it('the default size is 1', () => {
      const reservoir = new SimpleFixedSizeReservoir();
      offerAll(reservoir, [1, 2, 3, 4]);
      assert.equal(reservoir.collect({}).length, 1);
    });

    it('samples uniformly among the measurements of one collection cycle', () => {
      // Size 1, 4 measurements per cycle: each should be kept in about a quarter of the cycles.
      const cycles = 8000;
      const kept = [0, 0, 0, 0];
      const reservoir = new SimpleFixedSizeReservoir(1);
      for (let cycle = 0; cycle < cycles; cycle++) {
        offerAll(reservoir, [0, 1, 2, 3]);
        kept[reservoir.collect({})[0].value]++;
      }
      // Binomial(8000, 1/4): standard deviation ~39; 6 of them is far outside chance.
      for (const count of kept) assert.ok(Math.abs(count - cycles / 4) < 240, `${kept}`);
    });

    it('resets its count every collection: the first measurement of a cycle is always kept', () => {
      const reservoir = new SimpleFixedSizeReservoir(1);
      offerAll(reservoir, Array.from({ length: 100 }, (_, i) => i));
      reservoir.collect({});
      reservoir.offer(-1, 1, {}, ROOT_CONTEXT);
      assert.deepEqual(
        reservoir.collect({}).map((e) => e.value),
        [-1],
      );
      assert.deepEqual(reservoir.collect({}), []);
    });
  });
});
