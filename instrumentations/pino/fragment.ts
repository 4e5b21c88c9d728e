import { context, trace, type SpanContext } from '@opentelemetry/api';
import { SPAN_ID, TRACE_FLAGS, TRACE_ID, traceFlagsHex } from '../shared/logs/trace-fields';

/**
 * The trace fields of a pino line as a JSON fragment, for pino's `timestamp` extension point (a
 * function whose result, a partial JSON string such as `,"time":1700000000000`, pino writes into
 * each line as it is): the ids of a span are serialized once per span, not once per line.
 * Measured on pino 10, a mixin returning the three fields costs 30-50% of pino's throughput
 * (pino merges its result into the call's object and serializes it field by field); the
 * fragment costs a few percent. Only hex digits are ever written (the API's validity check,
 * made once per span context), so the fragment is always valid JSON.
 */
let lastSpanContext: SpanContext | undefined;
let lastFragment = '';

/**
 * The fragment for a record written now with the call's object `obj` by a logger whose bindings
 * are `bindings` (pino's serialized `,"key":value` text): empty outside any span, and without any
 * field the call's object or the bindings already have (the app's own fields are never doubled).
 */
export function traceFragment(obj: unknown, bindings: unknown): string {
  const span = trace.getSpan(context.active());
  if (span === undefined) return '';
  const spanContext = span.spanContext();
  if (spanContext !== lastSpanContext) {
    lastSpanContext = spanContext;
    lastFragment = trace.isSpanContextValid(spanContext) ? fragmentOf(spanContext, true, true, true) : '';
  }
  if (lastFragment === '') return '';
  const fields = obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>) : undefined;
  const bound = boundKeys(bindings);
  const withTrace = (bound & BOUND_TRACE) === 0 && fields?.[TRACE_ID] === undefined;
  const withSpan = (bound & BOUND_SPAN) === 0 && fields?.[SPAN_ID] === undefined;
  const withFlags = (bound & BOUND_FLAGS) === 0 && fields?.[TRACE_FLAGS] === undefined;
  return withTrace && withSpan && withFlags ? lastFragment : fragmentOf(spanContext, withTrace, withSpan, withFlags);
}

const BOUND_TRACE = 1;
const BOUND_SPAN = 2;
const BOUND_FLAGS = 4;
let lastBindings: unknown;
let lastBound = 0;

/** Which trace fields a logger's bindings have, as bits; read once per bindings text (loggers keep theirs). */
function boundKeys(bindings: unknown): number {
  if (bindings === lastBindings) return lastBound;
  let bound = 0;
  if (typeof bindings === 'string') {
    if (bindings.includes(`"${TRACE_ID}":`)) bound |= BOUND_TRACE;
    if (bindings.includes(`"${SPAN_ID}":`)) bound |= BOUND_SPAN;
    if (bindings.includes(`"${TRACE_FLAGS}":`)) bound |= BOUND_FLAGS;
  }
  lastBindings = bindings;
  lastBound = bound;
  return bound;
}

function fragmentOf(spanContext: SpanContext, withTrace: boolean, withSpan: boolean, withFlags: boolean): string {
  let out = '';
  if (withTrace) out += `,"${TRACE_ID}":"${spanContext.traceId}"`;
  if (withSpan) out += `,"${SPAN_ID}":"${spanContext.spanId}"`;
  if (withFlags) out += `,"${TRACE_FLAGS}":"${traceFlagsHex(spanContext.traceFlags)}"`;
  return out;
}

/**
 * The fragment of the line pino is writing: set by the agent's wrapper of pino's internal write
 * just before it calls pino's, read (and cleared) by the agent's timestamp function, which pino
 * calls first thing in that write.
 */
export const nextLine = { fragment: '' };

type TimeFunction = (this: unknown) => unknown;

/**
 * The logger's timestamp function (the app's, or pino's own default) followed by the fragment of
 * the line being written, if any.
 */
export function timeWithFragment(base: TimeFunction): TimeFunction {
  return function time(this: unknown): unknown {
    const stamp = base.call(this);
    const fragment = nextLine.fragment;
    if (fragment === '') return stamp;
    nextLine.fragment = '';
    return typeof stamp === 'string' ? stamp + fragment : stamp;
  };
}
