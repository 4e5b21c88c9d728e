import { context, createContextKey, type Context, type Span } from '@opentelemetry/api';
import type { FastifyInstance } from './types';

/**
 * An app that registers @fastify/otel itself (its plugin, or `registerOnInitialization`) gets
 * that plugin's spans, and none of the agent's for the same hooks and handlers: one span per hook,
 * not two. The plugin is recognised when it adds its `onRoute` hook to an instance that has its
 * request decorator, `request.opentelemetry`; that instance (and the plugins below it, which
 * inherit from it) is then marked, and the agent steps back there. The agent still names the
 * SERVER span after the route.
 *
 * @fastify/otel makes its `request` span a SERVER span unless the context it starts in carries
 * the RPC metadata of an HTTP server instrumentation (the @opentelemetry/core convention, under a
 * `Symbol.for` key that any copy of the API shares); the agent's route naming provides it, so
 * there is still one SERVER span per request, and @fastify/otel's `request` is INTERNAL below it.
 */
const COVERED = Symbol('otelite.fastify.coveredByFastifyOtel');
const RPC_METADATA_KEY = createContextKey('OpenTelemetry SDK Context Key RPC_METADATA');

type Marked = FastifyInstance & { [COVERED]?: boolean };

export function isCovered(instance: object | undefined): boolean {
  return instance !== undefined && instance !== null && (instance as Marked)[COVERED] === true;
}

/** Called with every `addHook` of the app before it is passed on. */
export function noticeFastifyOtel(instance: FastifyInstance | undefined, hook: unknown): void {
  if (hook !== 'onRoute' || instance === undefined || instance === null || typeof instance !== 'object') return;
  if (isCovered(instance) || typeof instance.hasRequestDecorator !== 'function') return;
  if (instance.hasRequestDecorator('opentelemetry') !== true) return;
  Object.defineProperty(instance, COVERED, { value: true, configurable: true });
}

/** The context the rest of the request's hooks run in, when @fastify/otel traces them. */
export function withHttpRpcMetadata(server: Span): Context | undefined {
  const active = context.active();
  if (active.getValue(RPC_METADATA_KEY) !== undefined) return undefined;
  return active.setValue(RPC_METADATA_KEY, { type: 'http', span: server });
}
