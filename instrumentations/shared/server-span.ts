import type { Context } from '@opentelemetry/api';
import type { HttpMeasure } from './http-metrics';

/**
 * The contract between the http instrumentation and the web frameworks: the http server stores
 * the context of a request's SERVER span on the IncomingMessage under this key, and express or
 * fastify read it to name the span after the route (`GET /users/:id`), even from inside a nested
 * middleware span where the active span is not the server span.
 */
export const SERVER_CONTEXT = Symbol('otelite.http.serverContext');

export interface WithServerContext {
  [SERVER_CONTEXT]?: Context;
}


/**
 * The request's duration measurement (shared/http-metrics.ts), set by the http instrumentation
 * when metrics are on, whether or not the request has a span: the frameworks set its route.
 */
export const SERVER_MEASURE = Symbol('otelite.http.serverMeasure');

export interface WithServerMeasure {
  [SERVER_MEASURE]?: HttpMeasure;
}

/** Records the route a framework matched on the request's measurement, if it is measured. */
export function setMeasuredRoute(request: object, route: string): void {
  const measure = (request as WithServerMeasure)[SERVER_MEASURE];
  if (measure !== undefined) measure.route = route;
}
