import { context, trace, type SpanContext } from '@opentelemetry/api';

/**
 * The trace context of a log line in the logger's own output, under the specification's names
 * for non-OTLP formats ("Trace Context in non-OTLP Log Formats", stable): lowercase hex ids and
 * the W3C trace-flags byte as two hex digits, as in `traceparent`.
 */
export const TRACE_ID = 'trace_id';
export const SPAN_ID = 'span_id';
export const TRACE_FLAGS = 'trace_flags';

export interface TraceFields {
  trace_id: string;
  span_id: string;
  trace_flags: string;
}

const FLAGS_HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The W3C trace-flags byte as in `traceparent`: two lowercase hex digits. */
export function traceFlagsHex(flags: number): string {
  return FLAGS_HEX[flags & 0xff];
}

/** The active span's context, when there is a valid one (never the invalid all-zero context). */
export function activeSpanContext(): SpanContext | undefined {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  return spanContext !== undefined && trace.isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** The fields a record written now gains, or undefined outside any span. */
export function activeTraceFields(): TraceFields | undefined {
  const spanContext = activeSpanContext();
  if (spanContext === undefined) return undefined;
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId, trace_flags: traceFlagsHex(spanContext.traceFlags) };
}

/**
 * Adds the trace fields to `record` where the record has no field of that name yet: the app's
 * own `trace_id` (say, a business id) is never overwritten. Returns whether anything was added.
 */
export function addMissingTraceFields(record: Record<string, unknown>, fields: TraceFields): boolean {
  let added = false;
  if (record[TRACE_ID] === undefined) {
    record[TRACE_ID] = fields.trace_id;
    added = true;
  }
  if (record[SPAN_ID] === undefined) {
    record[SPAN_ID] = fields.span_id;
    added = true;
  }
  if (record[TRACE_FLAGS] === undefined) {
    record[TRACE_FLAGS] = fields.trace_flags;
    added = true;
  }
  return added;
}
