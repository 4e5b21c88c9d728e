import {
  createContextKey,
  trace,
  TraceFlags,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { checkLowerHex, isLowerHexId } from './tracecontext';

/*
 * B3 (https://github.com/openzipkin/b3-propagation) under the OpenTelemetry rules
 * (specification/context/api-propagators.md, "B3 Requirements"):
 *   - Extract: both propagators try the single `b3` header first, then the X-B3-* headers
 *     ("B3 Single | Extract Order: Single, Multi", same for "B3 Multi"). A present but malformed
 *     `b3` header falls through to the multi headers.
 *   - Debug MUST be preserved and propagated, and MUST set the sampled flag.
 *   - X-B3-ParentSpanId is never propagated (OpenTelemetry does not share one span id between
 *     client and server), and X-B3-SpanId becomes the parent of the server span, never its id.
 *   - Fields are the headers of the configured inject format.
 *
 * Deferred sampling (no sampling state, ids present): B3 means "let the receiver decide", but
 * TraceFlags has no third state and the OpenTelemetry spec only mandates debug => sampled. The
 * extracted context gets TraceFlags.NONE, which is what the reference SDKs do; claiming SAMPLED
 * would report an accept decision that the caller never made. A parent-based sampler therefore
 * treats a deferred B3 parent as not sampled.
 */

export const B3_CONTEXT_HEADER = 'b3';
// Lower-case on the wire: HTTP/2 and gRPC require it, and Node lower-cases incoming names anyway.
export const X_B3_TRACE_ID = 'x-b3-traceid';
export const X_B3_SPAN_ID = 'x-b3-spanid';
export const X_B3_SAMPLED = 'x-b3-sampled';
export const X_B3_FLAGS = 'x-b3-flags';

/** Set to `true` on an extracted context whose B3 headers carried the debug flag, read on inject. */
export const B3_DEBUG_FLAG_KEY = createContextKey('otelite.propagation.b3.debug');

export type B3SamplingState = 'deny' | 'accept' | 'debug';
/**
 * A B3 sampling decision sent without ids (`b3: 0`, `X-B3-Sampled: 1`, ...). No span context can
 * carry it (there is no trace id to attach it to), so it is recorded under this key for a sampler
 * that wants to honour it; the context is otherwise unchanged.
 */
export const B3_SAMPLING_STATE_KEY = createContextKey('otelite.propagation.b3.sampling-state');

const PADDING_64 = '0000000000000000';
const DASH = 0x2d;

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.substring(start, end);
}

/** "When extracting state headers, the first value wins." */
function firstValue(value: string | string[] | undefined): string | undefined {
  if (typeof value === 'string') return trimOws(value);
  if (Array.isArray(value) && typeof value[0] === 'string') return trimOws(value[0]);
  return undefined;
}

function withSamplingOnly(context: Context, state: B3SamplingState): Context {
  let result = context.setValue(B3_SAMPLING_STATE_KEY, state);
  if (state === 'debug') result = result.setValue(B3_DEBUG_FLAG_KEY, true);
  return result;
}

function withSpanContext(context: Context, spanContext: SpanContext, debug: boolean): Context {
  let result = trace.setSpanContext(context, spanContext);
  if (debug) result = result.setValue(B3_DEBUG_FLAG_KEY, true);
  else if (result.getValue(B3_DEBUG_FLAG_KEY) !== undefined) result = result.deleteValue(B3_DEBUG_FLAG_KEY);
  if (result.getValue(B3_SAMPLING_STATE_KEY) !== undefined) result = result.deleteValue(B3_SAMPLING_STATE_KEY);
  return result;
}

/** 16 or 32 lower-hex characters at `from`; a 64-bit id is left-padded to OpenTelemetry's 128 bits. */
function traceIdAt(value: string, from: number, length: number): string | undefined {
  if (length === 32) {
    return checkLowerHex(value, from, 32) === 1 ? value.substring(from, from + 32) : undefined;
  }
  if (length === 16) {
    return checkLowerHex(value, from, 16) === 1 ? PADDING_64 + value.substring(from, from + 16) : undefined;
  }
  return undefined;
}

/**
 * `b3: {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]` or `b3: {SamplingState}`.
 * Returns undefined for a malformed value.
 */
function extractSingle(context: Context, header: string): Context | undefined {
  if (header.length === 1) {
    switch (header) {
      case '0':
        return withSamplingOnly(context, 'deny');
      case '1':
        return withSamplingOnly(context, 'accept');
      case 'd':
        return withSamplingOnly(context, 'debug');
      default:
        return undefined;
    }
  }
  const traceIdLength = header.indexOf('-');
  const traceId = traceIdAt(header, 0, traceIdLength);
  if (traceId === undefined) return undefined;
  const spanStart = traceIdLength + 1;
  if (checkLowerHex(header, spanStart, 16) !== 1) return undefined;
  const spanEnd = spanStart + 16;

  let traceFlags: number = TraceFlags.NONE;
  let debug = false;
  if (header.length !== spanEnd) {
    // Sampling state, then optionally the parent span id (validated, then ignored).
    if (header.charCodeAt(spanEnd) !== DASH) return undefined;
    const state = header.charCodeAt(spanEnd + 1);
    if (state === 0x31 /* 1 */) traceFlags = TraceFlags.SAMPLED;
    else if (state === 0x64 /* d */) {
      traceFlags = TraceFlags.SAMPLED;
      debug = true;
    } else if (state !== 0x30 /* 0 */) return undefined;
    const rest = spanEnd + 2;
    if (header.length !== rest) {
      if (header.length !== rest + 17 || header.charCodeAt(rest) !== DASH) return undefined;
      if (checkLowerHex(header, rest + 1, 16) < 0) return undefined;
    }
  }
  const spanContext: SpanContext = {
    traceId,
    spanId: header.substring(spanStart, spanEnd),
    traceFlags,
    isRemote: true,
  };
  return withSpanContext(context, spanContext, debug);
}

/** X-B3-* headers; undefined when absent or malformed. */
function extractMulti(context: Context, carrier: unknown, getter: TextMapGetter): Context | undefined {
  const traceIdHeader = firstValue(getter.get(carrier, X_B3_TRACE_ID));
  const spanIdHeader = firstValue(getter.get(carrier, X_B3_SPAN_ID));
  const sampledHeader = firstValue(getter.get(carrier, X_B3_SAMPLED));
  // "Debug is encoded as X-B3-Flags: 1. Absent or any other value can be ignored."
  const debug = firstValue(getter.get(carrier, X_B3_FLAGS)) === '1';

  let sampled: boolean | undefined;
  switch (sampledHeader) {
    case undefined:
      break;
    case '1':
    case 'true': // "a lenient implementation may accept them"
      sampled = true;
      break;
    case '0':
    case 'false':
      sampled = false;
      break;
    default:
      // An empty or nonsense X-B3-Sampled is malformed data, not "defer".
      return undefined;
  }

  if (traceIdHeader === undefined && spanIdHeader === undefined) {
    if (debug) return withSamplingOnly(context, 'debug');
    if (sampled !== undefined) return withSamplingOnly(context, sampled ? 'accept' : 'deny');
    return undefined;
  }
  if (traceIdHeader === undefined || spanIdHeader === undefined) return undefined;
  const traceId = traceIdAt(traceIdHeader, 0, traceIdHeader.length);
  if (traceId === undefined || !isLowerHexId(spanIdHeader, 16)) return undefined;

  const spanContext: SpanContext = {
    traceId,
    spanId: spanIdHeader,
    // Debug implies accept, even next to a contradicting X-B3-Sampled: 0.
    traceFlags: debug || sampled === true ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  };
  return withSpanContext(context, spanContext, debug);
}

function extractB3(context: Context, carrier: unknown, getter: TextMapGetter): Context {
  const single = firstValue(getter.get(carrier, B3_CONTEXT_HEADER));
  if (single !== undefined) {
    const result = extractSingle(context, single);
    if (result !== undefined) return result;
  }
  return extractMulti(context, carrier, getter) ?? context;
}

/**
 * The span context to inject, or undefined. Ids are lower-cased if needed: the API accepts
 * upper-case ids, B3 requires lower-hex.
 */
function injectable(context: Context): SpanContext | undefined {
  const spanContext = trace.getSpanContext(context);
  if (spanContext === undefined) return undefined;
  if (isLowerHexId(spanContext.traceId, 32) && isLowerHexId(spanContext.spanId, 16)) return spanContext;
  if (!trace.isSpanContextValid(spanContext)) return undefined;
  return { ...spanContext, traceId: spanContext.traceId.toLowerCase(), spanId: spanContext.spanId.toLowerCase() };
}

/** Debug is only claimed for a sampled span: B3 debug means "accept, emphatically". */
function isDebug(context: Context, spanContext: SpanContext): boolean {
  return (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0 && context.getValue(B3_DEBUG_FLAG_KEY) === true;
}

/** Injects `b3: {TraceId}-{SpanId}-{1|0|d}` (no parent span id); extracts single, then multi. */
export class B3SinglePropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = injectable(context);
    if (spanContext === undefined) return;
    const state = isDebug(context, spanContext) ? 'd' : (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0 ? '1' : '0';
    setter.set(carrier, B3_CONTEXT_HEADER, `${spanContext.traceId}-${spanContext.spanId}-${state}`);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    return extractB3(context, carrier, getter);
  }

  fields(): string[] {
    return [B3_CONTEXT_HEADER];
  }
}

/**
 * Injects x-b3-traceid, x-b3-spanid and x-b3-sampled (`1`/`0`), or x-b3-flags: 1 instead of
 * x-b3-sampled for debug ("Debug implies an accept decision, so don't also send the X-B3-Sampled
 * header"); extracts single, then multi.
 */
export class B3MultiPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = injectable(context);
    if (spanContext === undefined) return;
    setter.set(carrier, X_B3_TRACE_ID, spanContext.traceId);
    setter.set(carrier, X_B3_SPAN_ID, spanContext.spanId);
    if (isDebug(context, spanContext)) {
      setter.set(carrier, X_B3_FLAGS, '1');
    } else {
      setter.set(carrier, X_B3_SAMPLED, (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0 ? '1' : '0');
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    return extractB3(context, carrier, getter);
  }

  fields(): string[] {
    return [X_B3_TRACE_ID, X_B3_SPAN_ID, X_B3_SAMPLED, X_B3_FLAGS];
  }
}
