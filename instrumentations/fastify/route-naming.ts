import { context } from '@opentelemetry/api';
import { disguise, invoke, wrapMethod, type AnyFunction } from '../../src/instrument';
import { exchangeOf, setMeasuredRoute } from '../shared/server-exchange';
import { recordingServerSpanOf, setServerRoute } from '../shared/web-route';
import { isCovered, withHttpRpcMetadata } from './coexist';
import type { FastifyDeps } from './hook-call';
import type { HandlerChannel } from './handler-channel';
import type { RouteContext } from './types';

/**
 * Names the SERVER span `{method} {url template}` and sets `http.route` (on the span and on the
 * request's duration measurement) when fastify's router has matched a route, before any of the route's hooks run, without adding a hook of the agent's
 * to the app: a hook would show in `printRoutes({ includeHooks })`, in `printPlugins()` (every
 * `addHook` before `ready` is an avvio `after` entry) and in the instance's hook lists, which
 * fastify's own tests check.
 *
 * fastify registers every route with find-my-way as `router.on(method, url, opts, routeHandler,
 * context)`, and find-my-way calls `routeHandler(req, res, params, context, query)` for a match:
 * the route context (the store) carries the route's `config.url`, prefixes included. The agent
 * wraps the handler it is given for a fastify route context; the handler find-my-way keeps is
 * fastify's internal `routeHandler`, which no public API hands out but `findRoute()`, and the
 * wrapper looks like it (name, arity). Requests that fastify's 404 handling answers have no route
 * and keep `{method}`: the 404 context has no `config.url`.
 */
interface RouterPrototype {
  on?: AnyFunction;
}

/** A find-my-way store that is a fastify route context (fastify 4 and 5 `lib/context.js`). */
function routeUrlOf(store: unknown): string | undefined {
  if (store === null || typeof store !== 'object') return undefined;
  const { config, server } = store as RouteContext;
  if (server === null || typeof server !== 'object' || typeof server.addHook !== 'function') return undefined;
  const url = config?.url;
  return typeof url === 'string' ? url : undefined;
}

/** What the naming handler needs: the instrumentation's parts, and the channel it reports requests to. */
export interface RouterDeps extends FastifyDeps {
  readonly handlerChannel: HandlerChannel;
}

export function patchRouter(proto: RouterPrototype | undefined, deps: RouterDeps): void {
  if (proto === undefined || proto === null) return;
  const patched = wrapMethod(proto, 'on', (original) =>
    function on(this: unknown, method: unknown, path: unknown, opts: unknown, handler: unknown, store: unknown): unknown {
      if (deps.state.active && typeof handler === 'function') {
        try {
          if (routeUrlOf(store) !== undefined) arguments[3] = namingHandler(handler as AnyFunction, deps);
        } catch (error) {
          deps.state.fail(error);
        }
      }
      return Reflect.apply(original, this, arguments);
    },
  );
  if (patched) deps.handlerChannel.routerReportsRequests();
}

function namingHandler(original: AnyFunction, deps: RouterDeps): AnyFunction {
  return disguise(original, function routeHandler(this: unknown, req: object, _res: unknown, _params: unknown, store: RouteContext): unknown {
    if (!deps.state.active) return Reflect.apply(original, this, arguments);
    let next;
    try {
      const route = store.config?.url as string;
      const exchange = exchangeOf(req);
      setMeasuredRoute(exchange, route);
      if (deps.handlerChannel.awaitingRecording) deps.handlerChannel.requestMatched(exchange);
      const server = recordingServerSpanOf(exchange);
      if (server !== undefined) {
        setServerRoute(server, exchange!.method, route, deps.config);
        // @fastify/otel traces this route: the rest of the request runs in a context that makes
        // its `request` span INTERNAL below the one SERVER span (coexist.ts).
        if (isCovered(store.server)) next = withHttpRpcMetadata(server);
      }
    } catch (error) {
      deps.state.fail(error);
    }
    return next === undefined ? Reflect.apply(original, this, arguments) : context.with(next, invoke, undefined, original, this, arguments);
  });
}
