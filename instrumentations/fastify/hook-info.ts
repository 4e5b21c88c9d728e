import type { AnyFunction } from '../../src/instrument';
import type { Span } from '@opentelemetry/api';
import { ATTR_HTTP_ROUTE } from '../../src/semconv';
import type { FastifyInstance } from './types';

/**
 * What a hook or handler span is called and carries, computed once when the app registers the
 * hook or the route, with the names and attributes @fastify/otel gives the same spans:
 * `{hook} - {function name}` (`onRequest - authenticate`, `handler - getUser`), and
 * `hook.name`, `fastify.type`, `hook.callback.name` (plus `http.route` for a route's own).
 */

/** The request lifecycle hooks that get spans (the ones @fastify/otel traces). */
export const TRACED_HOOKS: ReadonlySet<string> = new Set([
  'onRequest',
  'preParsing',
  'preValidation',
  'preHandler',
  'preSerialization',
  'onSend',
  'onResponse',
  'onError',
]);

export const ATTR_HOOK_NAME = 'hook.name';
export const ATTR_FASTIFY_TYPE = 'fastify.type';
export const ATTR_HOOK_CALLBACK_NAME = 'hook.callback.name';

/** `fastify.type`: an instance hook (`addHook`), a route's own hook, the route's handler. */
export type HookType = 'hook' | 'route-hook' | 'request-handler';

const ANONYMOUS = 'anonymous';

export class HookInfo {
  constructor(
    readonly spanName: string,
    readonly hookName: string,
    readonly type: HookType,
    readonly callbackName: string,
    readonly route: string | undefined,
  ) {}

  describe(span: Span): void {
    span.setAttribute(ATTR_HOOK_NAME, this.hookName);
    span.setAttribute(ATTR_FASTIFY_TYPE, this.type);
    span.setAttribute(ATTR_HOOK_CALLBACK_NAME, this.callbackName);
    if (this.route !== undefined) span.setAttribute(ATTR_HTTP_ROUTE, this.route);
  }
}

export function pluginNameOf(instance: FastifyInstance | undefined): string {
  try {
    const name = instance?.pluginName;
    return typeof name === 'string' && name.length > 0 ? name : 'fastify';
  } catch {
    return 'fastify';
  }
}

/** A function's own name, without the `bound ` that `Function.prototype.bind` adds. */
export function functionName(fn: AnyFunction | undefined): string {
  const name = typeof fn?.name === 'string' ? fn.name : '';
  return name.startsWith('bound ') ? name.slice(6) : name;
}

/** `addHook(hook, fn)` on `instance`. */
export function instanceHookInfo(instance: FastifyInstance, hook: string, fn: AnyFunction): HookInfo {
  const plugin = pluginNameOf(instance);
  const name = functionName(fn);
  return new HookInfo(`${hook} - ${name || plugin}`, `${plugin} - ${hook}`, 'hook', name || ANONYMOUS, undefined);
}

/** A hook given in a route's options (`{ preHandler: fn }`). */
export function routeHookInfo(instance: FastifyInstance, hook: string, fn: AnyFunction, url: string): HookInfo {
  const plugin = pluginNameOf(instance);
  const name = functionName(fn);
  return new HookInfo(`${hook} - ${name || plugin}`, `${plugin} - route -> ${hook}`, 'route-hook', name || ANONYMOUS, url);
}

/** A route's handler. */
export function handlerInfo(instance: FastifyInstance, fn: AnyFunction | undefined, url: string): HookInfo {
  const plugin = pluginNameOf(instance);
  const name = functionName(fn);
  return new HookInfo(`handler - ${name || plugin}`, `${plugin} - route-handler`, 'request-handler', name || ANONYMOUS, url);
}
