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
  const boundText = typeof bindings === 'string' && bindings.length > 0 ? bindings : undefined;
  const withTrace = isFree(TRACE_ID, fields, boundText);
  const withSpan = isFree(SPAN_ID, fields, boundText);
  const withFlags = isFree(TRACE_FLAGS, fields, boundText);
  return withTrace && withSpan && withFlags ? lastFragment : fragmentOf(spanContext, withTrace, withSpan, withFlags);
}

function isFree(key: string, fields: Record<string, unknown> | undefined, bindings: string | undefined): boolean {
  return (fields === undefined || fields[key] === undefined) && (bindings === undefined || !bindings.includes(`"${key}":`));
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
