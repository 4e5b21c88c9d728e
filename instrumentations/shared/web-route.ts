import { context, SpanKind, trace, type Context, type Span, type SpanOptions } from '@opentelemetry/api';
import type { HttpInstrumentationConfig } from '../../src/instrument';
import { ATTR_HTTP_ROUTE } from '../../src/semconv';
import { spanNameMethod } from './http-semantics';
import type { ServerExchange } from './server-exchange';

/**
 * What the web-framework instrumentations (express, fastify) share: where a request's spans hang,
 * how the SERVER span is named after its route, and how a route template is written.
 */

/** Constant options: no object per span. */
export const INTERNAL_SPAN: SpanOptions = Object.freeze({ kind: SpanKind.INTERNAL });

/**
 * The context a framework span of a request starts in: the request's SERVER span (its exchange,
 * opened by the http instrumentation), else the active context when it holds a span (the app made
 * its own server span, or runs the framework without node:http). Undefined when there is nothing
 * recording to hang a span on: then the framework's code runs untouched.
 */
export function recordingParentOf(exchange: ServerExchange | undefined): Context | undefined {
  const ctx = exchange?.context ?? context.active();
  const span = trace.getSpan(ctx);
  return span !== undefined && span.isRecording() ? ctx : undefined;
}

/** The request's SERVER span when it records (only a recording span's name matters). */
export function recordingServerSpanOf(exchange: ServerExchange | undefined): Span | undefined {
  const span = exchange?.span;
  return span !== undefined && span.isRecording() ? span : undefined;
}

/**
 * Names the SERVER span after its route, per the HTTP conventions: `http.route` is the template
 * (`/users/:id`), the name `{method} {route}`, with `HTTP` for a method outside the known ones,
 * as the http instrumentation names it.
 */
export function setServerRoute(span: Span, method: string, route: string, config: HttpInstrumentationConfig): void {
  span.setAttribute(ATTR_HTTP_ROUTE, route);
  span.updateName(routeSpanName(spanNameMethod(config, method), route));
}

/**
 * `{method} {route}` names, one string per pair, kept: a name built for each request is a new
 * string, which the encoder compares character by character with the name it kept (a rope, too,
 * from 13 characters: V8 flattens it first) before it can copy the kept bytes; the same string is
 * found by identity (bench:instructions: about 390 instructions per fastify request). Past the
 * bound (an app with that many routes) names are built per request, as before.
 */
const MAX_ROUTE_NAMES = 1000;
/** By the name's method part (a known method or `HTTP`, so a few), then by route. */
const routeNames = new Map<string, Map<string, string>>();
let routeNameCount = 0;

export function routeSpanName(methodPart: string, route: string): string {
  let byRoute = routeNames.get(methodPart);
  if (byRoute === undefined) routeNames.set(methodPart, (byRoute = new Map()));
  let name = byRoute.get(route);
  if (name === undefined) {
    name = `${methodPart} ${route}`;
    if (routeNameCount < MAX_ROUTE_NAMES) {
      byRoute.set(route, name);
      routeNameCount++;
    }
  }
  return name;
}

/**
 * A route or mount path as the app wrote it: a string as is, a RegExp as its source form
 * (`/^\/v\d+/`), a number as digits, and an array as its parts joined by `,` (as the official
 * express instrumentation writes them). Undefined for anything else.
 */
export function pathTemplate(path: unknown): string | undefined {
  if (typeof path === 'string') return path;
  if (path instanceof RegExp || typeof path === 'number') return String(path);
  if (Array.isArray(path)) {
    const parts: string[] = [];
    for (const part of path as unknown[]) parts.push(pathTemplate(part) ?? '');
    return parts.join(',');
  }
  return undefined;
}

/**
 * Appends a mount path or route path to the template of the mounts above it: `''` + `/api` →
 * `/api`; `/api` + `/users/:id` → `/api/users/:id`; a trailing slash of the mount is dropped so
 * `/api/` + `/users` is `/api/users`; `/` adds nothing below a mount (`/api` + `/` → `/api`).
 */
export function joinTemplate(base: string, path: string): string {
  if (base.length === 0) return path;
  if (path === '/' || path.length === 0) return base;
  const trimmed = base.endsWith('/') ? base.slice(0, -1) : base;
  return path.startsWith('/') ? trimmed + path : `${trimmed}/${path}`;
}
