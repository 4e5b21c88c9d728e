import * as dc from 'node:diagnostics_channel';
import type { AsyncLocalStorage } from 'node:async_hooks';
import { context, trace, type Context, type Span } from '@opentelemetry/api';
import { recordError } from '../shared/http-semantics';
import { exchangeOf, type ServerExchange } from '../shared/server-exchange';
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
 *
 * fastify publishes only while someone listens, and a listened request costs it a message, a
 * `runStores` and the publishes around the handler. So the channel is listened to from the first
 * request that has something recording to hang a handler's span on, which the router's naming
 * handler (route-naming.ts) sees before fastify reaches the handler: a process whose requests
 * never record (the sampler always_off, metrics only) never pays for it. Where the router is not
 * patched (find-my-way was loaded before the agent) nothing would notice that request, and the
 * channel is listened to as soon as an app relies on it.
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
  private usableHere: boolean | undefined;
  /** The router names routes (route-naming.ts): it can tell when a request first records. */
  private routerWatches = false;
  /** An app relies on the channel and it is not listened to yet: the router reports requests. */
  awaitingRecording = false;
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

  /** Whether this Node runs a bound store the way `contextStore` needs (probed once). */
  usable(): boolean {
    return (this.usableHere ??= this.contractHolds());
  }

  /** The router's naming handler is in place: it reports requests while the channel awaits one. */
  routerReportsRequests(): void {
    this.routerWatches = true;
  }

  /** An app's handlers are to be traced from the channel: listened to now, or at the first recording request. */
  relyOn(): void {
    if (this.enabled !== undefined) return;
    if (this.routerWatches) this.awaitingRecording = true;
    else this.enable();
  }

  /** A matched request, while awaiting: the channel is listened to once something records. */
  requestMatched(exchange: ServerExchange | undefined): void {
    if (recordingParentOf(exchange) === undefined) return;
    this.awaitingRecording = false;
    this.enable();
  }

  /** Subscribes; false if this Node cannot use the channel. */
  enable(): boolean {
    if (this.enabled !== undefined) return this.enabled;
    this.enabled = false;
    if (!this.usable()) return false;
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
