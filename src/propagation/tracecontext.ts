import {
  isSpanContextValid,
  trace,
  TraceFlags,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  type TraceState as ApiTraceState,
} from '@opentelemetry/api';
import { Span } from '../sdk/span';
import { TraceState } from './tracestate';

export const TRACE_PARENT_HEADER = 'traceparent';
export const TRACE_STATE_HEADER = 'tracestate';

/**
 * Trace Context Level 2, "Random Trace ID Flag": when set, at least the right-most 7 bytes of
 * the trace id are random. A participant continuing a trace MUST keep it as received.
 */
export const TRACE_FLAG_RANDOM = 0x02;

/**
 * The flags this implementation understands. Level 2 ("Other Flags"): the behaviour of other
 * bits is undefined and "Vendors MUST set those to zero"; the processing model adds that
 * unknown flags of a higher version are set to 0 on outgoing requests. So unknown bits are
 * cleared both on extract (the SDK copies a parent's flags into its children) and on inject
 * (a span context may have been built by other code). The random bit itself is passed through
 * untouched, as Level 2 requires for a continued trace.
 */
const KNOWN_FLAGS = TraceFlags.SAMPLED | TRACE_FLAG_RANDOM;

/** Length of a version-00 value: 2 + 1 + 32 + 1 + 16 + 1 + 2. */
const VERSION_00_LENGTH = 55;

// `toString(16)` plus padding on every inject is avoidable: only four flag values can be emitted.
const FLAG_HEX = ['00', '01', '02', '03'] as const;

const DASH = 0x2d;

/** Lower-case hex digit value, or -1. Upper-case hex is invalid (HEXDIGLC). */
function lcHex(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Checks `count` lower-case hex digits at `from`; returns 1 if valid and not all zero, 0 if all
 * zero, -1 if not hex (or the string is too short). A loop over char codes: this runs on every
 * incoming request, and a regex over a substring or a `split` would allocate.
 */
export function checkLowerHex(value: string, from: number, count: number): number {
  let nonZero = 0;
  for (let i = from; i < from + count; i++) {
    const code = value.charCodeAt(i);
    if (lcHex(code) < 0) return -1;
    if (code !== 0x30) nonZero = 1;
  }
  return nonZero;
}

/**
 * Parses a `traceparent` value per W3C Trace Context ("traceparent Header Field Values" and
 * "Versioning of traceparent"). Returns undefined for anything invalid; never throws.
 *
 * Leading and trailing OWS (space, tab) is not part of an HTTP field value (RFC 9110 5.5) and the
 * W3C test suite (test_traceparent_ows_handling) expects it to be accepted; any other whitespace,
 * CR/LF, or non-ASCII byte fails the hex and length checks.
 */
export function parseTraceParent(header: string): SpanContext | undefined {
  let start = 0;
  let end = header.length;
  while (start < end && isOws(header.charCodeAt(start))) start++;
  while (end > start && isOws(header.charCodeAt(end - 1))) end--;
  const length = end - start;
  if (length < VERSION_00_LENGTH) return undefined;

  const v1 = lcHex(header.charCodeAt(start));
  const v0 = lcHex(header.charCodeAt(start + 1));
  if (v1 < 0 || v0 < 0 || header.charCodeAt(start + 2) !== DASH) return undefined;
  const version = v1 * 16 + v0;
  if (version === 0xff) return undefined;
  if (version === 0x00) {
    if (length !== VERSION_00_LENGTH) return undefined;
  } else if (length > VERSION_00_LENGTH && header.charCodeAt(start + VERSION_00_LENGTH) !== DASH) {
    // A higher version may append fields, but only after a dash following the flags.
    return undefined;
  }

  if (checkLowerHex(header, start + 3, 32) !== 1 || header.charCodeAt(start + 35) !== DASH) return undefined;
  if (checkLowerHex(header, start + 36, 16) !== 1 || header.charCodeAt(start + 52) !== DASH) return undefined;
  const f1 = lcHex(header.charCodeAt(start + 53));
  const f0 = lcHex(header.charCodeAt(start + 54));
  if (f1 < 0 || f0 < 0) return undefined;

  return {
    traceId: header.substring(start + 3, start + 35),
    spanId: header.substring(start + 36, start + 52),
    traceFlags: (f1 * 16 + f0) & KNOWN_FLAGS,
    isRemote: true,
  };
}

/** True for exactly `length` lower-case hex digits, not all zero: a valid W3C/B3 id. */
export function isLowerHexId(value: string, length: number): boolean {
  return value.length === length && checkLowerHex(value, 0, length) === 1;
}

/**
 * Always writes version 00 (a vendor downgrades a higher version it received, "Mutating the
 * traceparent Field"). Returns undefined for an invalid span context. The API's
 * `isSpanContextValid` accepts upper-case ids, which the header grammar forbids, so ids are
 * checked here and lower-cased in that (rare) case rather than emitted as an invalid header.
 */
export function formatTraceParent(spanContext: SpanContext): string | undefined {
  let { traceId, spanId } = spanContext;
  if (!isLowerHexId(traceId, 32) || !isLowerHexId(spanId, 16)) {
    if (!isSpanContextValid(spanContext)) return undefined;
    traceId = traceId.toLowerCase();
    spanId = spanId.toLowerCase();
  }
  return versionZero(traceId, spanId, spanContext.traceFlags);
}

/** A version-00 value of ids known to be valid lower-case hex; undefined flag bits cleared. */
function versionZero(traceId: string, spanId: string, traceFlags: number): string {
  return `00-${traceId}-${spanId}-${FLAG_HEX[traceFlags & KNOWN_FLAGS]}`;
}

/**
 * A getter may return an array (Node's IncomingHttpHeaders, or a carrier that keeps repeated
 * headers apart). Two traceparent values are ambiguous and the W3C test suite
 * (test_traceparent_duplicated) expects a new trace, so only a single value is used.
 */
function singleValue(value: string | string[] | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return value[0];
  return undefined;
}

/** Repeated tracestate fields are combined as RFC 9110 says: joined with commas, in order. */
function combinedValue(value: string | string[] | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    if (value.length === 1 && typeof value[0] === 'string') return value[0];
    return value.filter((v) => typeof v === 'string').join(',');
  }
  return undefined;
}

export class W3CTraceContextPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const span = trace.getSpan(context);
    if (span === undefined) return;
    let traceParent: string | undefined;
    let traceState: ApiTraceState | undefined;
    if (span instanceof Span) {
      // The SDK's own span: its ids are lower-case hex drawn or checked when it started (the
      // tracer makes sure), so neither a check nor a SpanContext object is needed.
      traceParent = versionZero(span.traceId, span.spanId, span.traceFlags);
      traceState = span.traceStateObject;
    } else {
      const spanContext = span.spanContext();
      traceParent = formatTraceParent(spanContext);
      traceState = spanContext.traceState;
    }
    if (traceParent === undefined) return;
    setter.set(carrier, TRACE_PARENT_HEADER, traceParent);
    if (traceState !== undefined) {
      const serialized = traceState.serialize();
      // "Vendors MUST accept empty tracestate headers but SHOULD avoid sending them."
      if (serialized.length > 0) setter.set(carrier, TRACE_STATE_HEADER, serialized);
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const header = singleValue(getter.get(carrier, TRACE_PARENT_HEADER));
    if (header === undefined) return context;
    const spanContext = parseTraceParent(header);
    if (spanContext === undefined) return context;
    // tracestate is parsed only once traceparent is known to be valid ("Tracestate Header").
    const stateHeader = combinedValue(getter.get(carrier, TRACE_STATE_HEADER));
    if (stateHeader !== undefined) {
      const traceState = TraceState.parse(stateHeader);
      if (traceState.size > 0) spanContext.traceState = traceState;
    }
    return trace.setSpanContext(context, spanContext);
  }

  fields(): string[] {
    return [TRACE_PARENT_HEADER, TRACE_STATE_HEADER];
  }
}
