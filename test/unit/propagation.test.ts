import assert from 'node:assert/strict';
import {
  ROOT_CONTEXT,
  defaultTextMapGetter,
  defaultTextMapSetter,
  diag,
  isSpanContextValid,
  propagation,
  trace,
  type Context,
  type TextMapPropagator,
} from '@opentelemetry/api';
import type { PropagatorName } from '../../src/config/types';
import {
  B3SinglePropagator,
  CompositePropagator,
  TraceState,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
  createPropagator,
} from '../../src/propagation';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const OTHER_TRACE_ID = '80f198ee56343ba864fe8b2a57d3eff7';
const SPAN_ID = '00f067aa0ba902b7';

function injectAll(propagator: TextMapPropagator, context: Context): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagator.inject(context, carrier, defaultTextMapSetter);
  return carrier;
}

describe('CompositePropagator / createPropagator', () => {
  it('injects every format, in order', () => {
    const propagator = createPropagator(['tracecontext', 'baggage', 'b3', 'b3multi']);
    let context = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
    context = propagation.setBaggage(context, propagation.createBaggage({ user: { value: 'alice' } }));
    const carrier = injectAll(propagator, context);
    assert.deepEqual(Object.keys(carrier), ['traceparent', 'baggage', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled']);
    assert.equal(carrier.traceparent, `00-${TRACE_ID}-${SPAN_ID}-01`);
    assert.equal(carrier.baggage, 'user=alice');
    assert.equal(carrier.b3, `${TRACE_ID}-${SPAN_ID}-1`);
  });

  it('extracts each propagator on the result of the previous one', () => {
    const carrier = {
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
      b3: `${OTHER_TRACE_ID}-${SPAN_ID}-1`,
      baggage: 'user=alice',
    };
    const w3cLast = createPropagator(['b3', 'baggage', 'tracecontext']).extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
    assert.equal(trace.getSpanContext(w3cLast)?.traceId, TRACE_ID);
    assert.equal(propagation.getBaggage(w3cLast)?.getEntry('user')?.value, 'alice');
    const b3Last = createPropagator(['tracecontext', 'baggage', 'b3']).extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
    assert.equal(trace.getSpanContext(b3Last)?.traceId, OTHER_TRACE_ID);
    assert.equal(propagation.getBaggage(b3Last)?.getEntry('user')?.value, 'alice');
  });

  it('keeps an earlier result when a later propagator finds nothing valid', () => {
    const carrier = { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, b3: 'garbage' };
    const context = createPropagator(['tracecontext', 'b3']).extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
    assert.equal(trace.getSpanContext(context)?.traceId, TRACE_ID);
  });

  it('reports the union of fields without duplicates', () => {
    assert.deepEqual(createPropagator(['tracecontext', 'baggage', 'b3multi', 'b3', 'tracecontext']).fields(), [
      'traceparent',
      'tracestate',
      'baggage',
      'x-b3-traceid',
      'x-b3-spanid',
      'x-b3-sampled',
      'x-b3-flags',
      'b3',
    ]);
  });

  it('uses a repeated name once', () => {
    const calls: string[] = [];
    const carrier = {};
    const context = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
    createPropagator(['b3', 'b3']).inject(context, carrier, { set: (_c, key) => calls.push(key) });
    assert.deepEqual(calls, ['b3']);
  });

  it('is a no-op for an empty list', () => {
    const propagator = createPropagator([]);
    assert.deepEqual(propagator.fields(), []);
    const context = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
    assert.deepEqual(injectAll(propagator, context), {});
    const carrier = { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` };
    assert.equal(propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter), ROOT_CONTEXT);
  });

  it('skips an unknown name instead of throwing', () => {
    const propagator = createPropagator(['jaeger' as PropagatorName, 'tracecontext']);
    assert.deepEqual(propagator.fields(), ['traceparent', 'tracestate']);
  });

  it('isolates a propagator that throws', () => {
    const broken: TextMapPropagator = {
      inject() {
        throw new Error('inject failed');
      },
      extract() {
        throw new Error('extract failed');
      },
      fields: () => ['broken'],
    };
    const composite = new CompositePropagator([broken, new W3CTraceContextPropagator(), new W3CBaggagePropagator()]);
    const originalWarn = diag.warn;
    const warnings: string[] = [];
    diag.warn = (message: string) => void warnings.push(message);
    try {
      const context = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
      assert.equal(injectAll(composite, context).traceparent, `00-${TRACE_ID}-${SPAN_ID}-01`);
      const extracted = composite.extract(ROOT_CONTEXT, { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` }, defaultTextMapGetter);
      assert.equal(trace.getSpanContext(extracted)?.spanId, SPAN_ID);
    } finally {
      diag.warn = originalWarn;
    }
    assert.deepEqual(composite.fields(), ['broken', 'traceparent', 'tracestate', 'baggage']);
  });
});

/** mulberry32: a tiny seeded PRNG, so a failure is reproducible from the seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX = '0123456789abcdef';
const NOISE = ['0', 'f', 'a', 'A', 'F', 'g', '-', ' ', '\t', '\r', '\n', '\u0000', 'é', '\u0663', '😀', ',', '.', 'ff', '00'];
const STRICT_TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-3]$/;

/**
 * An independent statement of the W3C rules (regex based, unlike the implementation), used as
 * the oracle for the fuzz test.
 */
function referenceIsValid(header: string): boolean {
  const trimmed = header.replace(/^[ \t]+|[ \t]+$/g, '');
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})([\s\S]*)$/.exec(trimmed);
  if (match === null) return false;
  const [, version, traceId, spanId, , rest] = match;
  if (version === 'ff' || /^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return false;
  if (version === '00') return rest === '';
  return rest === '' || rest!.startsWith('-');
}

describe('traceparent fuzz', () => {
  it('never throws, accepts exactly the valid headers, and re-injects a strict header', () => {
    const random = prng(0x5eed1234);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const hex = (n: number) => {
      let out = '';
      for (let i = 0; i < n; i++) out += HEX[Math.floor(random() * 16)];
      return out;
    };
    const base = (): string => {
      const version = random() < 0.7 ? '00' : hex(2);
      const traceId = random() < 0.05 ? '0'.repeat(32) : hex(32);
      const spanId = random() < 0.05 ? '0'.repeat(16) : hex(16);
      const tail = version !== '00' && random() < 0.5 ? `-${hex(Math.floor(random() * 10))}` : '';
      return `${version}-${traceId}-${spanId}-${hex(2)}${tail}`;
    };
    const mutate = (header: string): string => {
      const pos = Math.floor(random() * (header.length + 1));
      switch (Math.floor(random() * 7)) {
        case 0:
          return header.slice(0, pos) + pick(NOISE) + header.slice(pos + 1);
        case 1:
          return header.slice(0, pos) + pick(NOISE) + header.slice(pos);
        case 2:
          return header.slice(0, pos) + header.slice(pos + 1);
        case 3:
          return header.slice(0, pos);
        case 4:
          return header + pick(NOISE) + hex(3);
        case 5:
          return pick([' ', '\t', '\r\n', '']) + header + pick([' ', '\t', '\n', '']);
        default:
          return header.toUpperCase();
      }
    };

    const propagator = new W3CTraceContextPropagator();
    let valid = 0;
    let invalid = 0;
    for (let i = 0; i < 5000; i++) {
      let header = base();
      const mutations = random() < 0.3 ? 0 : 1 + Math.floor(random() * 3);
      for (let m = 0; m < mutations; m++) header = mutate(header);
      const carrier = random() < 0.1 ? { traceparent: [header] } : { traceparent: header, tracestate: mutate('a=1,b=2') };

      let context: Context;
      try {
        context = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      } catch (err) {
        assert.fail(`extract threw for ${JSON.stringify(header)}: ${String(err)}`);
      }
      const spanContext = trace.getSpanContext(context);
      assert.equal(spanContext !== undefined, referenceIsValid(header), `validity of ${JSON.stringify(header)}`);
      if (spanContext === undefined) {
        assert.equal(context, ROOT_CONTEXT);
        invalid++;
        continue;
      }
      valid++;
      assert.ok(isSpanContextValid(spanContext), JSON.stringify(header));
      assert.equal(spanContext.isRemote, true);
      const out = injectAll(propagator, context);
      assert.match(out.traceparent!, STRICT_TRACEPARENT, JSON.stringify(header));
      assert.ok(header.includes(`-${spanContext.traceId}-${spanContext.spanId}-`));
      if (out.tracestate !== undefined) {
        assert.equal(TraceState.parse(out.tracestate).serialize(), out.tracestate);
      }
    }
    // Both branches must be exercised for the assertions above to mean anything.
    assert.ok(valid > 500, `valid: ${valid}`);
    assert.ok(invalid > 500, `invalid: ${invalid}`);
  });

  it('tracestate, baggage and b3 extraction never throw on mutated input', () => {
    const random = prng(42);
    const seeds = [
      'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
      'userId=Am%C3%A9lie;p1;p2=x,serverNode=DF%2028',
      `${TRACE_ID}-${SPAN_ID}-d-${SPAN_ID}`,
    ];
    const baggage = new W3CBaggagePropagator();
    const b3 = new B3SinglePropagator();
    for (let i = 0; i < 3000; i++) {
      let value = seeds[i % seeds.length]!;
      for (let m = 0; m < 3; m++) {
        const pos = Math.floor(random() * (value.length + 1));
        value = value.slice(0, pos) + NOISE[Math.floor(random() * NOISE.length)] + value.slice(pos + (random() < 0.5 ? 1 : 0));
      }
      const state = TraceState.parse(value);
      assert.ok(state.serialize().length <= 512);
      const bagContext = baggage.extract(ROOT_CONTEXT, { baggage: value }, defaultTextMapGetter);
      const carrier: Record<string, string> = {};
      baggage.inject(bagContext, carrier, defaultTextMapSetter);
      if (carrier.baggage !== undefined) assert.match(carrier.baggage, /^[\x21-\x7e]+$/);
      const b3Context = b3.extract(ROOT_CONTEXT, { b3: value }, defaultTextMapGetter);
      const spanContext = trace.getSpanContext(b3Context);
      if (spanContext !== undefined) assert.ok(isSpanContextValid(spanContext));
    }
  });
});
