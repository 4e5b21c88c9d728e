import { SpanKind, type Context, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';
import type { HttpInstrumentationConfig, InstrumentationState } from '../../src/instrument';
import type { HttpDuration, HttpMeasure } from '../shared/http-metrics';
import type { HttpSemantics } from '../shared/http-semantics';
import { SERVER_CONTEXT, type WithServerMeasure } from '../shared/server-span';
import type { ListenerErrors } from './server';

/** What the patches of the http instrumentation share: built once, when it is created. */
export interface HttpDeps {
  readonly tracer: Tracer;
  readonly http: HttpSemantics;
  readonly config: HttpInstrumentationConfig;
  readonly state: InstrumentationState;
  /** OTEL_NODE_EXCLUDED_URLS is set: only then is a path computed before the span starts. */
  readonly hasExclusions: boolean;
  /** Errors thrown by 'request' listeners, recorded on their request's span (server.ts). */
  readonly listenerErrors: ListenerErrors;
  /** The duration metrics; undefined when the agent exports no metrics. */
  readonly serverDuration: HttpDuration | undefined;
  readonly clientDuration: HttpDuration | undefined;
}

/**
 * Per-request state lives on Node's own objects under private symbols (no side tables):
 * - `SPAN` on a ServerResponse or ClientRequest: the span, until it ends (then `undefined`);
 * - `CONTEXT` on a server IncomingMessage: the server span's context, for the request's events
 *   (the frameworks read it too: shared/server-span.ts);
 * - `TIMED_OUT` on a ClientRequest: its 'timeout' fired, so a later error is a timeout;
 * - `MEASURE` on a ClientRequest and `SERVER_MEASURE` on a server IncomingMessage: the request's
 *   duration measurement, until it is recorded (then `undefined`).
 */
export const SPAN = Symbol('otelite.http.span');
export const CONTEXT: typeof SERVER_CONTEXT = SERVER_CONTEXT;
export const TIMED_OUT = Symbol('otelite.http.timedOut');
export const MEASURE = Symbol('otelite.http.measure');

export interface Tagged extends WithServerMeasure {
  [SPAN]?: Span;
  [CONTEXT]?: Context;
  [TIMED_OUT]?: boolean;
  [MEASURE]?: HttpMeasure;
}

/** Constant span options: no object per request. */
export const SERVER_SPAN: SpanOptions = Object.freeze({ kind: SpanKind.SERVER });
export const CLIENT_SPAN: SpanOptions = Object.freeze({ kind: SpanKind.CLIENT });

