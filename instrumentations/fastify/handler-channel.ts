import * as dc from 'node:diagnostics_channel';
import type { AsyncLocalStorage } from 'node:async_hooks';
import { context, trace, type Context, type Span } from '@opentelemetry/api';
import { recordError } from '../shared/http-semantics';
import { exchangeOf } from '../shared/server-exchange';
import { INTERNAL_SPAN, recordingParentOf } from '../shared/web-route';
import { storeContractHolds } from '../../src/instrument';
import type { FastifyDeps } from './hook-call';
import type { RouteRegistry } from './routes';
import type { HandlerMessage } from './types';

/**
 * fastify 5's own TracingChannel for route handlers, `tracing:fastify.request.handler`: `start`
 * (published through `start.runStores`, around the handler's call), `end`, `asyncEnd` (after an
 * async handler settled) and `error`, on a per-request message naming the route's template.
 *
 * The handler must run in its span's context (so a query or fetch it makes is a child of it).
 * A subscriber cannot give it one; a store bound to `start` can: Node 20 to 24 run the rest of
 * `start` inside `store.run(transform(message), …)`. The agent's context lives behind the
 * OpenTelemetry API, not in an AsyncLocalStorage of this module's, so the bound store is a small
 * object whose `run` is `context.with`. Node 26 opens the store with `store.withScope(value)`
 * instead, a scope without a callback, which the API cannot open: a probe (`storeContractHolds`)
 * tries the running Node at start-up, and where the contract fails nothing is bound (a store
 * Node cannot use would make fastify throw on every request) and the handlers are wrapped as on
 * fastify 4 (instance.ts).
 */
const HANDLER_SPAN = Symbol('otelite.fastify.handlerSpan');

type TracedMessage = HandlerMessage & { [HANDLER_SPAN]?: Span };

/** The store bound to `start`: `undefined` means "leave the context as it is". */
const contextStore = {
  run<R>(ctx: Context | undefined, next: () => R): R {
    return ctx === undefined ? next() : context.with(ctx, next);
  },
};

type Store = AsyncLocalStorage<Context | undefined>;

/** The parts of a TracingChannel used here. */
export type HandlerTracingChannel = Pick<dc.TracingChannel<unknown, object>, 'start' | 'end' | 'asyncEnd' | 'error'>;

export class HandlerChannel {
  private enabled: boolean | undefined;
  private readonly channel: HandlerTracingChannel;
  private readonly onEnd = (message: unknown): void => {
    if (!(message as TracedMessage).async) this.end(message as TracedMessage);
  };
  private readonly onAsyncEnd = (message: unknown): void => this.end(message as TracedMessage);
  private readonly onError = (message: unknown): void => this.error(message as TracedMessage);

  constructor(
    private readonly deps: FastifyDeps,
    private readonly routes: RouteRegistry,
    /** fastify's channel; another only in tests. */
    channel: HandlerTracingChannel = dc.tracingChannel('fastify.request.handler'),
    /** Whether this Node enters a bound store the way `contextStore` needs; replaced only in tests. */
    private readonly contractHolds: () => boolean = storeContractHolds,
  ) {
    this.channel = channel;
  }

  /** Subscribes on first use (a process without fastify 5 never pays for it); false if unusable. */
  enable(): boolean {
    if (this.enabled !== undefined) return this.enabled;
    this.enabled = false;
    if (!this.contractHolds()) return false;
    this.channel.start.bindStore(contextStore as unknown as Store, (message) => this.start(message as TracedMessage));
    this.channel.end.subscribe(this.onEnd);
    this.channel.asyncEnd.subscribe(this.onAsyncEnd);
    this.channel.error.subscribe(this.onError);
    this.enabled = true;
    return true;
  }

  /** Undoes `enable` (for tests: the agent never turns an instrumentation back off). */
  disable(): void {
    if (this.enabled !== true) return;
    this.channel.start.unbindStore(contextStore as unknown as Store);
    this.channel.end.unsubscribe(this.onEnd);
    this.channel.asyncEnd.unsubscribe(this.onAsyncEnd);
    this.channel.error.unsubscribe(this.onError);
    this.enabled = undefined;
  }

  /** The store's transform: starts the handler's span and returns its context. Never throws. */
  private start(message: TracedMessage): Context | undefined {
    const state = this.deps.state;
    if (!state.active) return undefined;
    try {
      const request = message.request;
      // A preHandler hook failed: fastify publishes `start` but sends the error, not the handler.
      if (this.deps.failures.consume(request)) return undefined;
      const raw = request.raw;
      if (raw === undefined) return undefined;
      // Nothing records (a sampled-out request): no span, so no need to know the route's handler.
      const parent = recordingParentOf(exchangeOf(raw));
      if (parent === undefined) return undefined;
      const info = this.routes.find(message);
      if (info === undefined) return undefined;
      const span = this.deps.tracer.startSpan(info.spanName, INTERNAL_SPAN, parent);
      info.describe(span);
      message[HANDLER_SPAN] = span;
      return trace.setSpan(parent, span);
    } catch (error) {
      state.fail(error);
      return undefined;
    }
  }

  /** A subscriber's own failure turns the instrumentation off; fastify never sees it. */
  private error(message: TracedMessage): void {
    if (!this.deps.state.active) return;
    try {
      const span = message[HANDLER_SPAN];
      if (span !== undefined) recordError(span, message.error);
    } catch (error) {
      this.deps.state.fail(error);
    }
  }

  private end(message: TracedMessage): void {
    if (!this.deps.state.active) return;
    try {
      const span = message[HANDLER_SPAN];
      if (span === undefined) return;
      message[HANDLER_SPAN] = undefined;
      span.end();
    } catch (error) {
      this.deps.state.fail(error);
    }
  }
}
