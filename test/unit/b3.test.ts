import assert from 'node:assert/strict';
import {
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  TraceFlags,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Context,
  type SpanContext,
  type TextMapPropagator,
} from '@opentelemetry/api';
import {
  B3MultiPropagator,
  B3SinglePropagator,
  B3_DEBUG_FLAG_KEY,
  B3_SAMPLING_STATE_KEY,
} from '../../src/propagation';

const TRACE_ID = '80f198ee56343ba864fe8b2a57d3eff7';
const TRACE_ID_64 = '64fe8b2a57d3eff7';
const SPAN_ID = 'e457b5a2e4d86bd1';
const PARENT_ID = '05e3ac9a4f6e3b90';

const single = new B3SinglePropagator();
const multi = new B3MultiPropagator();

type Carrier = Record<string, string | string[] | undefined>;

function extract(carrier: Carrier, propagator: TextMapPropagator = single, context: Context = ROOT_CONTEXT): Context {
  return propagator.extract(context, carrier, defaultTextMapGetter);
}

function inject(context: Context, propagator: TextMapPropagator): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagator.inject(context, carrier, defaultTextMapSetter);
  return carrier;
}

function spanContextOf(context: Context): SpanContext | undefined {
  return trace.getSpanContext(context);
}

describe('B3 propagators', () => {
  describe('single-header extract', () => {
    for (const propagator of [single, multi]) {
      const label = propagator === single ? 'B3SinglePropagator' : 'B3MultiPropagator';

      it(`${label}: accept, deny, debug and defer`, () => {
        const cases: Array<[string, number, boolean]> = [
          [`${TRACE_ID}-${SPAN_ID}-1`, TraceFlags.SAMPLED, false],
          [`${TRACE_ID}-${SPAN_ID}-0`, TraceFlags.NONE, false],
          [`${TRACE_ID}-${SPAN_ID}-d`, TraceFlags.SAMPLED, true],
          // Defer: no sampling state; TraceFlags has no "undecided", so not sampled.
          [`${TRACE_ID}-${SPAN_ID}`, TraceFlags.NONE, false],
          [`${TRACE_ID}-${SPAN_ID}-1-${PARENT_ID}`, TraceFlags.SAMPLED, false],
          [`${TRACE_ID}-${SPAN_ID}-d-${PARENT_ID}`, TraceFlags.SAMPLED, true],
        ];
        for (const [header, flags, debug] of cases) {
          const context = extract({ b3: header }, propagator);
          const spanContext = spanContextOf(context);
          assert.ok(spanContext, header);
          assert.equal(spanContext.traceId, TRACE_ID);
          // The incoming span id is the parent, never the parent span id field.
          assert.equal(spanContext.spanId, SPAN_ID);
          assert.equal(spanContext.traceFlags, flags, header);
          assert.equal(spanContext.isRemote, true);
          assert.equal(context.getValue(B3_DEBUG_FLAG_KEY) === true, debug, header);
        }
      });
    }

    it('left-pads a 64-bit trace id to 128 bits', () => {
      const spanContext = spanContextOf(extract({ b3: `${TRACE_ID_64}-${SPAN_ID}-1` }));
      assert.equal(spanContext?.traceId, `0000000000000000${TRACE_ID_64}`);
    });

    it('records a sampling state sent without ids', () => {
      const cases: Array<[string, string]> = [
        ['0', 'deny'],
        ['1', 'accept'],
        ['d', 'debug'],
      ];
      for (const [header, state] of cases) {
        const context = extract({ b3: header });
        assert.equal(spanContextOf(context), undefined);
        assert.equal(context.getValue(B3_SAMPLING_STATE_KEY), state);
        assert.equal(context.getValue(B3_DEBUG_FLAG_KEY) === true, state === 'debug');
      }
    });

    const invalid: Array<[string, string]> = [
      ['empty', ''],
      ['unknown sampling-only value', '2'],
      ['upper-case trace id', `${TRACE_ID.toUpperCase()}-${SPAN_ID}-1`],
      ['upper-case span id', `${TRACE_ID}-${SPAN_ID.toUpperCase()}-1`],
      ['trace id of 20 chars', `${TRACE_ID.slice(0, 20)}-${SPAN_ID}-1`],
      ['trace id of 33 chars', `${TRACE_ID}a-${SPAN_ID}-1`],
      ['span id of 15 chars', `${TRACE_ID}-${SPAN_ID.slice(1)}-1`],
      ['span id of 17 chars', `${TRACE_ID}-${SPAN_ID}a-1`],
      ['all-zero trace id', `${'0'.repeat(32)}-${SPAN_ID}-1`],
      ['all-zero 64-bit trace id', `${'0'.repeat(16)}-${SPAN_ID}-1`],
      ['all-zero span id', `${TRACE_ID}-${'0'.repeat(16)}-1`],
      ['bad sampling state', `${TRACE_ID}-${SPAN_ID}-2`],
      ['upper-case debug', `${TRACE_ID}-${SPAN_ID}-D`],
      ['trailing dash', `${TRACE_ID}-${SPAN_ID}-`],
      ['two-char sampling state', `${TRACE_ID}-${SPAN_ID}-11`],
      ['short parent span id', `${TRACE_ID}-${SPAN_ID}-1-${PARENT_ID.slice(1)}`],
      ['non-hex parent span id', `${TRACE_ID}-${SPAN_ID}-1-${PARENT_ID.slice(1)}x`],
      ['extra field', `${TRACE_ID}-${SPAN_ID}-1-${PARENT_ID}-1`],
      ['parent without sampling state', `${TRACE_ID}-${SPAN_ID}-${PARENT_ID}`],
      ['non-hex', `${TRACE_ID.slice(1)}z-${SPAN_ID}-1`],
      ['no dashes', `${TRACE_ID}${SPAN_ID}1`],
      ['CR LF', `${TRACE_ID}-${SPAN_ID}-1\r\n`],
    ];
    for (const [name, header] of invalid) {
      it(`ignores ${name}`, () => {
        assert.equal(extract({ b3: header }), ROOT_CONTEXT);
        assert.equal(extract({ b3: header }, multi), ROOT_CONTEXT);
      });
    }

    it('uses the first of several b3 values', () => {
      const context = extract({ b3: [`${TRACE_ID}-${SPAN_ID}-1`, `${'1'.repeat(32)}-${SPAN_ID}-0`] });
      assert.equal(spanContextOf(context)?.traceId, TRACE_ID);
    });
  });

  describe('multi-header extract', () => {
    for (const propagator of [single, multi]) {
      const label = propagator === single ? 'B3SinglePropagator' : 'B3MultiPropagator';
      it(`${label}: sampled values 1, 0, true, false and absent`, () => {
        const cases: Array<[string | undefined, number]> = [
          ['1', TraceFlags.SAMPLED],
          ['0', TraceFlags.NONE],
          ['true', TraceFlags.SAMPLED],
          ['false', TraceFlags.NONE],
          [undefined, TraceFlags.NONE],
        ];
        for (const [sampled, flags] of cases) {
          const context = extract({ 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': sampled }, propagator);
          const spanContext = spanContextOf(context);
          assert.ok(spanContext, String(sampled));
          assert.equal(spanContext.traceId, TRACE_ID);
          assert.equal(spanContext.spanId, SPAN_ID);
          assert.equal(spanContext.traceFlags, flags, String(sampled));
          assert.equal(spanContext.isRemote, true);
        }
      });
    }

    it('treats X-B3-Flags: 1 as debug, which implies sampled even next to Sampled: 0', () => {
      for (const sampled of [undefined, '0', '1']) {
        const context = extract(
          { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-flags': '1', 'x-b3-sampled': sampled },
          multi,
        );
        assert.equal(spanContextOf(context)?.traceFlags, TraceFlags.SAMPLED);
        assert.equal(context.getValue(B3_DEBUG_FLAG_KEY), true);
      }
    });

    it('ignores other X-B3-Flags values', () => {
      const context = extract({ 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-flags': '2', 'x-b3-sampled': '0' }, multi);
      assert.equal(spanContextOf(context)?.traceFlags, TraceFlags.NONE);
      assert.equal(context.getValue(B3_DEBUG_FLAG_KEY), undefined);
    });

    it('ignores X-B3-ParentSpanId and pads a 64-bit trace id', () => {
      const context = extract(
        { 'x-b3-traceid': TRACE_ID_64, 'x-b3-spanid': SPAN_ID, 'x-b3-parentspanid': PARENT_ID, 'x-b3-sampled': '1' },
        multi,
      );
      const spanContext = spanContextOf(context);
      assert.equal(spanContext?.traceId, `0000000000000000${TRACE_ID_64}`);
      assert.equal(spanContext?.spanId, SPAN_ID);
    });

    it('takes the first value of repeated headers', () => {
      const context = extract(
        { 'x-b3-traceid': [TRACE_ID, '1'.repeat(32)], 'x-b3-spanid': [SPAN_ID], 'x-b3-sampled': ['1', '0'] },
        multi,
      );
      assert.equal(spanContextOf(context)?.traceId, TRACE_ID);
      assert.equal(spanContextOf(context)?.traceFlags, TraceFlags.SAMPLED);
    });

    it('records a sampling decision sent without ids', () => {
      assert.equal(extract({ 'x-b3-sampled': '0' }, multi).getValue(B3_SAMPLING_STATE_KEY), 'deny');
      assert.equal(extract({ 'x-b3-sampled': '1' }, multi).getValue(B3_SAMPLING_STATE_KEY), 'accept');
      assert.equal(extract({ 'x-b3-flags': '1' }, multi).getValue(B3_SAMPLING_STATE_KEY), 'debug');
    });

    const invalid: Array<[string, Carrier]> = [
      ['missing span id', { 'x-b3-traceid': TRACE_ID, 'x-b3-sampled': '1' }],
      ['missing trace id', { 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '1' }],
      ['malformed sampled', { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': 'yes' }],
      ['empty sampled', { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '' }],
      ['upper-case trace id', { 'x-b3-traceid': TRACE_ID.toUpperCase(), 'x-b3-spanid': SPAN_ID }],
      ['trace id of 24 chars', { 'x-b3-traceid': TRACE_ID.slice(0, 24), 'x-b3-spanid': SPAN_ID }],
      ['span id of 32 chars', { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': TRACE_ID }],
      ['all-zero trace id', { 'x-b3-traceid': '0'.repeat(32), 'x-b3-spanid': SPAN_ID }],
      ['all-zero span id', { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': '0'.repeat(16) }],
      ['nothing', {}],
    ];
    for (const [name, carrier] of invalid) {
      it(`ignores ${name}`, () => {
        assert.equal(extract(carrier, multi), ROOT_CONTEXT);
        assert.equal(extract(carrier, single), ROOT_CONTEXT);
      });
    }
  });

  describe('single and multi together', () => {
    const other = '1'.repeat(32);

    it('prefers the single header', () => {
      const context = extract({ b3: `${TRACE_ID}-${SPAN_ID}-1`, 'x-b3-traceid': other, 'x-b3-spanid': SPAN_ID }, multi);
      assert.equal(spanContextOf(context)?.traceId, TRACE_ID);
    });

    it('falls back to the multi headers when the single header is malformed', () => {
      const context = extract({ b3: 'garbage', 'x-b3-traceid': other, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '1' });
      assert.equal(spanContextOf(context)?.traceId, other);
    });

    it('clears a debug flag left in the context by an earlier extraction', () => {
      const debugContext = extract({ b3: `${TRACE_ID}-${SPAN_ID}-d` });
      assert.equal(debugContext.getValue(B3_DEBUG_FLAG_KEY), true);
      const next = extract({ b3: `${TRACE_ID}-${SPAN_ID}-1` }, single, debugContext);
      assert.equal(next.getValue(B3_DEBUG_FLAG_KEY), undefined);
      assert.equal(inject(next, single).b3, `${TRACE_ID}-${SPAN_ID}-1`);
    });
  });

  describe('inject', () => {
    const sampled = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED });
    const notSampled = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.NONE });

    it('single: trace id, span id and 1 or 0, no parent span id', () => {
      assert.deepEqual(inject(sampled, single), { b3: `${TRACE_ID}-${SPAN_ID}-1` });
      assert.deepEqual(inject(notSampled, single), { b3: `${TRACE_ID}-${SPAN_ID}-0` });
    });

    it('multi: lower-case header names and X-B3-Sampled 1 or 0', () => {
      assert.deepEqual(inject(sampled, multi), { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '1' });
      assert.deepEqual(inject(notSampled, multi), { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '0' });
    });

    it('propagates a received debug flag: d, or X-B3-Flags: 1 without X-B3-Sampled', () => {
      const debug = extract({ b3: `${TRACE_ID}-${SPAN_ID}-d` });
      assert.deepEqual(inject(debug, single), { b3: `${TRACE_ID}-${SPAN_ID}-d` });
      assert.deepEqual(inject(debug, multi), { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-flags': '1' });
    });

    it('does not claim debug for a span that is not sampled', () => {
      const context = trace.setSpanContext(extract({ b3: 'd' }), { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0 });
      assert.deepEqual(inject(context, single), { b3: `${TRACE_ID}-${SPAN_ID}-0` });
    });

    it('round-trips extract then inject', () => {
      for (const header of [`${TRACE_ID}-${SPAN_ID}-1`, `${TRACE_ID}-${SPAN_ID}-0`, `${TRACE_ID}-${SPAN_ID}-d`]) {
        assert.equal(inject(extract({ b3: header }), single).b3, header);
      }
      const headers = { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '0' };
      assert.deepEqual(inject(extract(headers, multi), multi), headers);
    });

    it('writes nothing for a missing or invalid span context, lower-cases upper-case ids', () => {
      assert.deepEqual(inject(ROOT_CONTEXT, single), {});
      assert.deepEqual(inject(trace.setSpanContext(ROOT_CONTEXT, INVALID_SPAN_CONTEXT), multi), {});
      assert.deepEqual(inject(extract({ b3: '1' }), single), {});
      const upper = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID.toUpperCase(), spanId: SPAN_ID.toUpperCase(), traceFlags: 1 });
      assert.deepEqual(inject(upper, single), { b3: `${TRACE_ID}-${SPAN_ID}-1` });
    });

    it('declares the fields of its inject format', () => {
      assert.deepEqual(single.fields(), ['b3']);
      assert.deepEqual(multi.fields(), ['x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled', 'x-b3-flags']);
    });
  });
});
