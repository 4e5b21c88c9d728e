import { SpanKind, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';
import type { HttpInstrumentationConfig, InstrumentationState } from '../../src/instrument';
import type { HttpDuration, HttpMeasure } from '../shared/http-metrics';
import type { HttpSemantics } from '../shared/http-semantics';
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
 * A server request's state is its `ServerExchange` (shared/server-exchange.ts), under one symbol
 * on the request and its response. A client request's lives on its own objects under private symbols:
 * - `SPAN` on a ClientRequest: the span, until it ends (then `undefined`);
 * - `TIMED_OUT` on a ClientRequest: its 'timeout' fired, so a later error is a timeout;
 * - `MEASURE` on a ClientRequest: the request's duration measurement, until it is recorded.
 */
export const SPAN = Symbol('otelite.http.span');
export const TIMED_OUT = Symbol('otelite.http.timedOut');
export const MEASURE = Symbol('otelite.http.measure');

export interface Tagged {
  [SPAN]?: Span;
  [TIMED_OUT]?: boolean;
  [MEASURE]?: HttpMeasure;
}

/** Constant span options: no object per request. */
export const SERVER_SPAN: SpanOptions = Object.freeze({ kind: SpanKind.SERVER });
export const CLIENT_SPAN: SpanOptions = Object.freeze({ kind: SpanKind.CLIENT });

