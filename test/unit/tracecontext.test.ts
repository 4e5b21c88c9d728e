import assert from 'node:assert/strict';
import {
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  TraceFlags,
  createTraceState,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';
import {
  TRACE_FLAG_RANDOM,
  TraceState,
  W3CTraceContextPropagator,
  parseTraceParent,
} from '../../src/propagation';
import { recordingProvider } from '../kit/recording';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const VALID = `00-${TRACE_ID}-${SPAN_ID}-01`;

const propagator = new W3CTraceContextPropagator();

type Carrier = Record<string, string | string[] | undefined>;

function extract(carrier: Carrier, context: Context = ROOT_CONTEXT): Context {
  return propagator.extract(context, carrier, defaultTextMapGetter);
}

function inject(context: Context): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagator.inject(context, carrier, defaultTextMapSetter);
  return carrier;
}

function withSpanContext(spanContext: SpanContext): Context {
  return trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

describe('W3CTraceContextPropagator', () => {
  describe('extract of valid headers', () => {
    for (const flags of ['00', '01', '02', '03']) {
      it(`round-trips flags ${flags}`, () => {
        const header = `00-${TRACE_ID}-${SPAN_ID}-${flags}`;
        const context = extract({ traceparent: header });
        const spanContext = trace.getSpanContext(context);
        assert.ok(spanContext);
        assert.equal(spanContext.traceId, TRACE_ID);
        assert.equal(spanContext.spanId, SPAN_ID);
        assert.equal(spanContext.traceFlags, parseInt(flags, 16));
        assert.equal(spanContext.isRemote, true);
        assert.deepEqual(inject(context), { traceparent: header });
      });
    }

    it('keeps the random flag (Level 2) through extract and inject', () => {
      assert.equal(TRACE_FLAG_RANDOM, 0x02);
      const spanContext = trace.getSpanContext(extract({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-02` }));
      assert.ok(spanContext);
      assert.equal(spanContext.traceFlags & TRACE_FLAG_RANDOM, TRACE_FLAG_RANDOM);
      assert.equal(spanContext.traceFlags & TraceFlags.SAMPLED, 0);
    });

    it('clears undefined flag bits on extract and inject', () => {
      const context = extract({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-ff` });
      assert.equal(trace.getSpanContext(context)?.traceFlags, 0x03);
      assert.equal(inject(context).traceparent, `00-${TRACE_ID}-${SPAN_ID}-03`);
      const nine = extract({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-09` });
      assert.equal(trace.getSpanContext(nine)?.traceFlags, TraceFlags.SAMPLED);
    });

    it('accepts leading and trailing OWS (space, tab)', () => {
      for (const header of [` ${VALID}`, `\t${VALID}`, `${VALID} `, `${VALID}\t`, `\t ${VALID} \t`]) {
        assert.equal(trace.getSpanContext(extract({ traceparent: header }))?.traceId, TRACE_ID, JSON.stringify(header));
      }
    });

    it('parses a higher version by its first four fields and downgrades to 00', () => {
      for (const header of [
        `cc-${TRACE_ID}-${SPAN_ID}-01`,
        `cc-${TRACE_ID}-${SPAN_ID}-01-what-the-future-will-be-like`,
        `01-${TRACE_ID}-${SPAN_ID}-01-`,
        `fe-${TRACE_ID}-${SPAN_ID}-01-x`,
      ]) {
        const context = extract({ traceparent: header });
        assert.equal(trace.getSpanContext(context)?.traceId, TRACE_ID, header);
        assert.equal(inject(context).traceparent, VALID);
      }
    });

    it('accepts a header given as a one-element array', () => {
      const context = extract({ traceparent: [VALID] });
      assert.equal(trace.getSpanContext(context)?.spanId, SPAN_ID);
    });

    it('attaches a parsed tracestate and injects it back', () => {
      const context = extract({ traceparent: VALID, tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE' });
      const traceState = trace.getSpanContext(context)?.traceState;
      assert.ok(traceState);
      assert.equal(traceState.get('congo'), 't61rcWkgMzE');
      assert.deepEqual(inject(context), {
        traceparent: VALID,
        tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
      });
    });

    it('combines repeated tracestate headers in order', () => {
      const context = extract({ traceparent: VALID, tracestate: ['foo=1,bar=2', 'rojo=1,congo=2', 'baz=3'] });
      assert.equal(trace.getSpanContext(context)?.traceState?.serialize(), 'foo=1,bar=2,rojo=1,congo=2,baz=3');
    });

    it('leaves traceState unset for an empty or invalid tracestate, keeping the traceparent', () => {
      for (const tracestate of ['', ' , ', 'FOO=1', 'foo=1,foo', 'foo=']) {
        const spanContext = trace.getSpanContext(extract({ traceparent: VALID, tracestate }));
        assert.equal(spanContext?.traceId, TRACE_ID, tracestate);
        assert.equal(spanContext?.traceState, undefined, tracestate);
      }
    });
  });

  describe('extract of invalid headers leaves the context unchanged', () => {
    const hexOf = (n: number) => 'a'.repeat(n);
    const cases: Array<[string, string | string[]]> = [
      ['empty', ''],
      ['garbage', 'not a traceparent'],
      ['version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`],
      ['version with illegal char (first)', `.0-${TRACE_ID}-${SPAN_ID}-01`],
      ['version with illegal char (second)', `0.-${TRACE_ID}-${SPAN_ID}-01`],
      ['upper-case version', `AA-${TRACE_ID}-${SPAN_ID}-01`],
      ['version too long', `000-${TRACE_ID}-${SPAN_ID}-01`],
      ['version too long (4)', `0000-${TRACE_ID}-${SPAN_ID}-01`],
      ['version too short', `0-${TRACE_ID}-${SPAN_ID}-01`],
      ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
      ['all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
      ['upper-case trace id', `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`],
      ['one upper-case hex digit in span id', `00-${TRACE_ID}-00F067aa0ba902b7-01`],
      ['upper-case flags', `00-${TRACE_ID}-${SPAN_ID}-0A`],
      ['non-hex in trace id', `00-${TRACE_ID.slice(0, 31)}g-${SPAN_ID}-01`],
      ['illegal char at start of trace id', `00-.${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
      ['illegal char in span id', `00-${TRACE_ID}-.${SPAN_ID.slice(1)}-01`],
      ['non-hex in flags', `00-${TRACE_ID}-${SPAN_ID}-0g`],
      ['illegal flags .0', `00-${TRACE_ID}-${SPAN_ID}-.0`],
      ['illegal flags 0.', `00-${TRACE_ID}-${SPAN_ID}-0.`],
      ['trace id too long', `00-${hexOf(33)}-${SPAN_ID}-01`],
      ['trace id too short', `00-${hexOf(31)}-${SPAN_ID}-01`],
      ['span id too long', `00-${TRACE_ID}-${hexOf(17)}-01`],
      ['span id too short', `00-${TRACE_ID}-${hexOf(15)}-01`],
      ['flags too long', `00-${TRACE_ID}-${SPAN_ID}-001`],
      ['flags too short', `00-${TRACE_ID}-${SPAN_ID}-1`],
      ['version 00 with an extra field', `${VALID}-what-the-future-will-be-like`],
      ['version 00 with a trailing char', `${VALID}.`],
      ['version 00 with a trailing dash', `${VALID}-`],
      ['future version with data not after a dash', `cc-${TRACE_ID}-${SPAN_ID}-01.what-the-future-will-be-like`],
      ['future version too short', `cc-${TRACE_ID}-${SPAN_ID}-1`],
      ['underscore separators', `00_${TRACE_ID}_${SPAN_ID}_01`],
      ['space inside', `00- ${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
      ['space around a dash', `00 -${TRACE_ID}-${SPAN_ID}-01`],
      ['trailing CR LF', `${VALID}\r\n`],
      ['leading LF', `\n${VALID}`],
      ['CR inside', `00-${TRACE_ID}-${SPAN_ID}\r01`],
      ['NUL byte', `00-${TRACE_ID}-${SPAN_ID}-0\u0000`],
      ['non-ASCII letter', `00-${TRACE_ID.slice(0, 31)}é-${SPAN_ID}-01`],
      ['non-ASCII digit (Arabic-Indic)', `00-${TRACE_ID}-${SPAN_ID.slice(0, 15)}\u0663-01`],
      ['full-width digit', `\uff10\uff10-${TRACE_ID}-${SPAN_ID}-01`],
      ['two values in an array', [VALID, `00-${'1'.repeat(32)}-${SPAN_ID}-01`]],
      ['two values joined by Node', `${VALID}, 00-${'1'.repeat(32)}-${SPAN_ID}-01`],
      ['empty array', []],
    ];

    for (const [name, header] of cases) {
      it(name, () => {
        assert.equal(extract({ traceparent: header }), ROOT_CONTEXT);
        // With a span context already present, it is neither replaced nor removed.
        const existing = withSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 });
        assert.equal(extract({ traceparent: header, tracestate: 'foo=1' }, existing), existing);
        if (typeof header === 'string') assert.equal(parseTraceParent(header), undefined);
      });
    }

    it('returns the context unchanged when there is no traceparent (tracestate alone is discarded)', () => {
      assert.equal(extract({ tracestate: 'foo=1' }), ROOT_CONTEXT);
      assert.equal(extract({}), ROOT_CONTEXT);
    });

    it('ignores a getter that returns a non-string', () => {
      const odd = { traceparent: 42 as unknown as string };
      assert.equal(extract(odd), ROOT_CONTEXT);
    });
  });

  describe('inject', () => {
    it('writes nothing for an invalid or missing span context', () => {
      assert.deepEqual(inject(ROOT_CONTEXT), {});
      assert.deepEqual(inject(withSpanContext(INVALID_SPAN_CONTEXT)), {});
      assert.deepEqual(inject(withSpanContext({ traceId: 'x'.repeat(32), spanId: SPAN_ID, traceFlags: 1 })), {});
    });

    it('writes version 00 with the flags as two hex digits', () => {
      const context = withSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED | TRACE_FLAG_RANDOM });
      assert.deepEqual(inject(context), { traceparent: `00-${TRACE_ID}-${SPAN_ID}-03` });
    });

    it('masks undefined flag bits', () => {
      const context = withSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0xfd });
      assert.equal(inject(context).traceparent, `00-${TRACE_ID}-${SPAN_ID}-01`);
    });

    it('lower-cases ids the API accepts in upper case', () => {
      const context = withSpanContext({ traceId: TRACE_ID.toUpperCase(), spanId: SPAN_ID.toUpperCase(), traceFlags: 0 });
      assert.equal(inject(context).traceparent, `00-${TRACE_ID}-${SPAN_ID}-00`);
    });

    it('writes a tracestate from any TraceState implementation, and none when empty', () => {
      const api = withSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, traceState: createTraceState('a=1') });
      assert.equal(inject(api).tracestate, 'a=1');
      const empty = withSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, traceState: new TraceState() });
      assert.deepEqual(Object.keys(inject(empty)), ['traceparent']);
    });

    it("writes an SDK span's own ids, flags and tracestate, lower-case whatever its parent's case", () => {
      const { provider } = recordingProvider();
      const tracer = provider.getTracer('t');
      // A parent the app made, upper-case ids and flags with undefined bits, as the API accepts them.
      const parent = withSpanContext({ traceId: TRACE_ID.toUpperCase(), spanId: SPAN_ID.toUpperCase(), traceFlags: 0xff, traceState: createTraceState('a=1') });
      const child = tracer.startSpan('child', {}, parent);
      const { spanId } = child.spanContext();
      assert.deepEqual(inject(trace.setSpan(ROOT_CONTEXT, child)), { traceparent: `00-${TRACE_ID}-${spanId}-03`, tracestate: 'a=1' });
      assert.equal(child.spanContext().traceId, TRACE_ID, 'its span context says the same');
      const root = tracer.startSpan('root');
      const ids = root.spanContext();
      assert.deepEqual(inject(trace.setSpan(ROOT_CONTEXT, root)), { traceparent: `00-${ids.traceId}-${ids.spanId}-03` });
    });

    it('declares its fields', () => {
      assert.deepEqual(propagator.fields(), ['traceparent', 'tracestate']);
    });
  });
});
