import { diag } from '@opentelemetry/api';
import { wrapMethod, type AnyFunction } from '../../src/instrument';
import { isCovered, noticeFastifyOtel } from './coexist';
import type { FastifyDeps } from './hook-call';
import { handlerInfo, instanceHookInfo, routeHookInfo, TRACED_HOOKS } from './hook-info';
import type { HandlerChannel } from './handler-channel';
import type { RouteRegistry } from './routes';
import { wrapHandler, wrapHook } from './wrappers';
import type { FastifyInstance, RouteOptions } from './types';

/**
 * Instruments one fastify app, from `fastify.initialization` (published by `fastify()` itself,
 * before the app adds anything): no plugin to register, no module hook.
 *
 * - `addHook` is wrapped, so the app's lifecycle hooks get spans (wrappers.ts); an `onRoute`
 *   hook wraps each route's own hooks, and its handler, or, on fastify 5, registers it for the
 *   handler channel instead (handler-channel.ts).
 * - The SERVER span is named from fastify's router, not from a hook (route-naming.ts).
 *
 * The `onRoute` hook is the one thing the agent adds to the app. fastify keeps it in the
 * instance's internal hook list (under a private symbol) and runs it at registration only; it
 * shows in no public output (`printRoutes` prints request hooks, `printPlugins` plugins), and,
 * unlike request hooks, adding it makes no avvio `after` entry.
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
  const useChannel = major >= 5 && deps.handlerChannel.usable();
  if (useChannel) deps.handlerChannel.relyOn();
  const addHook = app.addHook;

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
