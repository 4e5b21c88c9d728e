import { handlerInfo, type HookInfo } from './hook-info';
import type { FastifyInstance, FastifyRequest, HandlerMessage } from './types';

/**
 * The routes whose handler is traced from fastify 5's handler channel (handler-channel.ts): the
 * channel's message names the route only by URL template and method, so the handler's span name
 * (its function's name) is looked up here, by instance, template and method, filled when the
 * route was registered. Undefined `info` marks a route that @fastify/otel traces (coexist.ts).
 */
interface RouteEntry {
  method: string;
  info: HookInfo | undefined;
}

function methodKey(method: string | string[] | undefined): string {
  return Array.isArray(method) ? method.join(',') : String(method);
}

export class RouteRegistry {
  private readonly byInstance = new WeakMap<object, Map<string, RouteEntry[]>>();

  add(instance: object, url: string, method: string | string[] | undefined, info: HookInfo | undefined): void {
    let byUrl = this.byInstance.get(instance);
    if (byUrl === undefined) this.byInstance.set(instance, (byUrl = new Map()));
    let entries = byUrl.get(url);
    if (entries === undefined) byUrl.set(url, (entries = []));
    entries.push({ method: methodKey(method), info });
  }

  /**
   * The handler's span info for a channel message; undefined when the route is not to be traced.
   * Two routes with the same template and method (told apart by constraints, such as versions)
   * are ambiguous here: their handler's name is then read from the request.
   */
  find(message: HandlerMessage): HookInfo | undefined {
    const request = message.request;
    const entries = request.server === undefined ? undefined : this.byInstance.get(request.server)?.get(message.route.url ?? '');
    if (entries === undefined) return undefined;
    const method = typeof message.route.method === 'string' ? message.route.method : methodKey(message.route.method);
    let found: RouteEntry | undefined;
    for (const entry of entries) {
      if (entry.method !== method) continue;
      if (found !== undefined) return fromRequest(request, message.route.url ?? '', found.info === undefined);
      found = entry;
    }
    return found?.info;
  }
}

function fromRequest(request: FastifyRequest, url: string, covered: boolean): HookInfo | undefined {
  if (covered) return undefined;
  return handlerInfo(request.server as FastifyInstance, request.routeOptions?.handler, url);
}
