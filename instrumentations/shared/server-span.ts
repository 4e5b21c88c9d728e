import type { Context } from '@opentelemetry/api';

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

