import {
  context as contextApi,
  SamplingDecision,
  SpanKind,
  TraceFlags,
  trace,
  type Context,
  type Sampler,
  type Span as ApiSpan,
  type SpanOptions,
  type Tracer as ApiTracer,
  type TraceState,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '../context/suppress';
import { TRACE_FLAG_RANDOM } from '../propagation/tracecontext';
import { safeString } from './attributes';
import { toEpochMillis } from './clock';
import { lastId, newSpanId, newTraceId, NO_ID_BYTES } from './ids';
import { Span, type SpanOwner } from './span';
import type { InstrumentationScope, ResourceData } from './span-data';


const NO_ATTRIBUTES = Object.freeze({});
const NO_LINKS: never[] = [];

export interface TracerOwner extends SpanOwner {
  readonly sampler: Sampler;
  readonly resource: ResourceData;
}

export class Tracer implements ApiTracer {
  constructor(
    private readonly owner: TracerOwner,
    private readonly scope: InstrumentationScope,
  ) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = contextApi.active()): ApiSpan {
    if (options.root) ctx = trace.deleteSpan(ctx);
    const parent = trace.getSpan(ctx);
    let traceId: string;
    let parentSpanId: string | undefined;
    let parentIsRemote = false;
    let traceFlags = TRACE_FLAG_RANDOM;
    let traceState: TraceState | undefined;
    // Where the ids' bytes are, for the encoder: known for ids drawn here, not for a remote parent's.
    let traceIdGen = NO_ID_BYTES;
    let traceIdAt = 0;
    let parentSpanIdGen = NO_ID_BYTES;
    let parentSpanIdAt = 0;

    if (parent instanceof Span) {
      traceId = parent.traceId;
      traceIdGen = parent.traceIdGen;
      traceIdAt = parent.traceIdAt;
      parentSpanId = parent.spanId;
      parentSpanIdGen = parent.spanIdGen;
      parentSpanIdAt = parent.spanIdAt;
      traceFlags = parent.traceFlags;
      traceState = parent.traceStateObject;
    } else {
      const parentContext = parent?.spanContext();
      if (parentContext !== undefined && trace.isSpanContextValid(parentContext)) {
        // The API's check accepts upper-case hex, which the W3C header grammar forbids: the SDK's
        // spans carry lower-case ids only, so that injecting one needs no check (tracecontext.ts).
        traceId = parentContext.traceId.toLowerCase();
        parentSpanId = parentContext.spanId.toLowerCase();
        parentIsRemote = parentContext.isRemote === true;
        traceFlags = parentContext.traceFlags;
        traceState = parentContext.traceState;
      } else {
        traceId = newTraceId();
        traceIdGen = lastId.generation;
        traceIdAt = lastId.at;
      }
    }

    const spanId = newSpanId();
    const spanIdGen = lastId.generation;
    const spanIdAt = lastId.at;
    if (isTracingSuppressed(ctx)) {
      return trace.wrapSpanContext({ traceId, spanId, traceFlags: traceFlags & ~TraceFlags.SAMPLED, traceState });
    }

    const kind = options.kind ?? SpanKind.INTERNAL;
    const result = this.owner.sampler.shouldSample(
      ctx,
      traceId,
      name,
      kind,
      options.attributes ?? NO_ATTRIBUTES,
      options.links ?? NO_LINKS,
    );
    if (result.traceState !== undefined) traceState = result.traceState;
    if (result.decision === SamplingDecision.NOT_RECORD) {
      return trace.wrapSpanContext({ traceId, spanId, traceFlags: traceFlags & ~TraceFlags.SAMPLED, traceState });
    }
    traceFlags =
      result.decision === SamplingDecision.RECORD_AND_SAMPLED
        ? traceFlags | TraceFlags.SAMPLED
        : traceFlags & ~TraceFlags.SAMPLED;

    const span = new Span(this.owner, {
      name: safeString(name),
      kind,
      traceId,
      spanId,
      parentSpanId,
      parentIsRemote,
      traceIdGen,
      traceIdAt,
      spanIdGen,
      spanIdAt,
      parentSpanIdGen,
      parentSpanIdAt,
      traceFlags,
      traceState,
      startTime: toEpochMillis(options.startTime),
      scope: this.scope,
      resource: this.owner.resource,
    });
    if (result.attributes !== undefined) span.setAttributes(result.attributes);
    if (options.attributes !== undefined) span.setAttributes(options.attributes);
    if (options.links !== undefined) span.addLinks(options.links);
    return span;
  }

  startActiveSpan<F extends (span: ApiSpan) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: ApiSpan) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: ApiSpan) => unknown>(
    name: string,
    options: SpanOptions,
    ctx: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: ApiSpan) => unknown>(
    name: string,
    a?: SpanOptions | F,
    b?: Context | F,
    c?: F,
  ): ReturnType<F> {
    let options: SpanOptions | undefined;
    let ctx: Context | undefined;
    let fn: F;
    if (typeof a === 'function') {
      fn = a;
    } else if (typeof b === 'function') {
      options = a;
      fn = b;
    } else {
      options = a;
      ctx = b;
      fn = c as F;
    }
    const parentContext = ctx ?? contextApi.active();
    const span = this.startSpan(name, options, parentContext);
    const run = fn as (span: ApiSpan) => ReturnType<F>;
    return contextApi.with(trace.setSpan(parentContext, span), run, undefined, span);
  }
}
