import { context, diag } from '@opentelemetry/api';
import { wrapMethod } from '../../src/instrument';
import { recordingServerSpanOf, setServerRoute } from '../shared/web-route';
import { isCovered, noticeFastifyOtel, withHttpRpcMetadata } from './coexist';
import type { FastifyDeps } from './hook-call';
import { handlerInfo, instanceHookInfo, routeHookInfo, TRACED_HOOKS } from './hook-info';
import type { HandlerChannel } from './handler-channel';
import type { RouteRegistry } from './routes';
import { claimThrown } from './thrown';
import { wrapHandler, wrapHook } from './wrappers';
import type { AnyFunction, FastifyInstance, FastifyRequest, RouteOptions } from './types';

/**
 * Instruments one fastify app, from `fastify.initialization` (published by `fastify()` itself,
 * before the app adds anything): no plugin to register, no module hook.
 *
 * - An `onRequest` hook of the agent's, the first of every route, names the SERVER span
 *   `{method} {route}` and sets `http.route` (a 404 has no route and keeps `{method}`).
 * - `addHook` is wrapped, so the app's lifecycle hooks get spans (wrappers.ts); an `onRoute`
 *   hook wraps each route's own hooks, and its handler, or, on fastify 5, registers it for the
 *   handler channel instead (handler-channel.ts).
 * - An `onError` hook of the agent's collects the errors of synchronous throws (thrown.ts).
 */
const INSTRUMENTED = Symbol('otelite.fastify.instrumented');

export interface InstanceDeps extends FastifyDeps {
  readonly routes: RouteRegistry;
  readonly handlerChannel: HandlerChannel;
}

export function instrumentInstance(app: FastifyInstance | undefined, deps: InstanceDeps): void {
  if (app === undefined || app === null || typeof app.addHook !== 'function') return;
  const marked = app as FastifyInstance & { [INSTRUMENTED]?: boolean };
  if (marked[INSTRUMENTED] === true) return;
  const major = Number.parseInt(String(app.version), 10);
  if (!(major >= 4 && major < 6)) {
    diag.debug(`fastify ${String(app.version)} is outside the fastify instrumentation's supported range >=4 <6; left untouched`);
    return;
  }
  Object.defineProperty(marked, INSTRUMENTED, { value: true });
  const useChannel = major >= 5 && deps.handlerChannel.enable();
  const addHook = app.addHook;

  addHook.call(app, 'onRequest', routeNamer(deps));
  addHook.call(app, 'onError', function otelite(request: object, _reply: unknown, error: unknown, done: AnyFunction): void {
    claimThrown(request, error);
    done();
  });
  addHook.call(app, 'onRoute', function otelite(this: FastifyInstance, options: RouteOptions): void {
    if (!deps.state.active) return;
    try {
      instrumentRoute(this, options, useChannel, deps);
    } catch (error) {
      deps.state.fail(error);
    }
  });
  wrapMethod(app, 'addHook', (original) => wrapAddHook(original, deps));
}

/**
 * The agent's `onRequest` hook. When @fastify/otel traces the route, the rest of the request runs
 * in a context carrying HTTP RPC metadata (coexist.ts).
 */
function routeNamer(deps: FastifyDeps): AnyFunction {
  return function otelite(this: FastifyInstance, request: FastifyRequest, _reply: unknown, done: AnyFunction): unknown {
    if (!deps.state.active) return done();
    let next;
    try {
      const raw = request?.raw;
      const server = raw === undefined ? undefined : recordingServerSpanOf(raw);
      if (server !== undefined) {
        const route = routeOf(request);
        if (route !== undefined) setServerRoute(server, raw?.method, route, deps.config);
        if (isCovered(this)) next = withHttpRpcMetadata(server);
      }
    } catch (error) {
      deps.state.fail(error);
    }
    return next === undefined ? done() : context.with(next, done);
  };
}

/** The matched route's URL template, prefixes included; undefined for fastify's 404 handling. */
function routeOf(request: FastifyRequest): string | undefined {
  const options = request.routeOptions;
  const url = options !== undefined ? options.url : request.routerPath;
  return typeof url === 'string' ? url : undefined;
}

function instrumentRoute(instance: FastifyInstance, options: RouteOptions, useChannel: boolean, deps: InstanceDeps): void {
  const url = typeof options.url === 'string' ? options.url : undefined;
  if (url === undefined) return;
  const covered = isCovered(instance);
  if (!covered) {
    for (const hook of TRACED_HOOKS) {
      const value = options[hook];
      if (typeof value === 'function') {
        options[hook] = wrapHook(value as AnyFunction, routeHookInfo(instance, hook, value as AnyFunction, url), deps);
      } else if (Array.isArray(value)) {
        // A new array: the app's own stays as it was.
        options[hook] = value.map((fn: unknown) =>
          typeof fn === 'function' ? wrapHook(fn as AnyFunction, routeHookInfo(instance, hook, fn as AnyFunction, url), deps) : fn,
        );
      }
    }
  }
  const handler = options.handler;
  if (typeof handler !== 'function') return;
  const info = covered ? undefined : handlerInfo(instance, handler, url);
  if (useChannel) deps.routes.add(instance, url, options.method, info);
  else if (info !== undefined) options.handler = wrapHandler(handler, info, deps);
}

function wrapAddHook(original: AnyFunction, deps: FastifyDeps): AnyFunction {
  return function addHook(this: FastifyInstance, name: unknown, fn: unknown): unknown {
    if (deps.state.active && typeof fn === 'function') {
      try {
        noticeFastifyOtel(this, name);
        if (typeof name === 'string' && TRACED_HOOKS.has(name) && !isCovered(this)) {
          arguments[1] = wrapHook(fn as AnyFunction, instanceHookInfo(this, name, fn as AnyFunction), deps);
        }
      } catch (error) {
        deps.state.fail(error);
      }
    }
    return Reflect.apply(original, this, arguments);
  };
}
