/**
 * The shapes of fastify 4 and 5 as far as this instrumentation reads them (checked against
 * fastify 4.0, 4.29, 5.0 and 5.12): the instance, its requests, and the messages of the
 * `fastify.initialization` channel and the `tracing:fastify.request.handler` TracingChannel.
 */

import type { AnyFunction } from '../../src/instrument';

/** A fastify instance: the root, or a plugin's encapsulated child (created with Object.create). */
export interface FastifyInstance {
  version?: string;
  /** `fastify` for the root, the plugin's name in a child (`myPlugin`). */
  readonly pluginName?: string;
  addHook: AnyFunction;
  hasRequestDecorator?(name: string): boolean;
}

/** A fastify Request. */
export interface FastifyRequest {
  /** The IncomingMessage; the http instrumentation keeps the SERVER span's context on it. */
  raw?: object & { method?: string };
  /** The instance the matched route belongs to. */
  readonly server?: object;
  /** fastify >= 4.10 (a fresh object at each read). */
  readonly routeOptions?: { url?: string; handler?: AnyFunction };
  /** fastify < 4.10 (deprecated later). */
  readonly routerPath?: string;
}

/** A route's context (`lib/context.js`): find-my-way's store for the route, and `request[kRouteContext]`. */
export interface RouteContext {
  /** The route's config, with `url` (the template, prefixes included) for a route; none for the 404 handler. */
  config?: { url?: unknown };
  /** The instance that registered the route. */
  server?: FastifyInstance;
}

/** The options an `onRoute` hook gets (fastify's own copy of the app's options). */
export interface RouteOptions {
  url?: string;
  method?: string | string[];
  handler?: AnyFunction;
  [hook: string]: unknown;
}

/** `fastify.initialization`. */
export interface InitializationMessage {
  fastify?: FastifyInstance;
}

/** The `tracing:fastify.request.handler:*` context object (fastify 5 `lib/handle-request.js`). */
export interface HandlerMessage {
  request: FastifyRequest;
  reply: object;
  /** True once the handler returned a promise: the end comes with `asyncEnd`. */
  async: boolean;
  route: { url?: string; method?: string | string[] };
  error?: unknown;
}
