import assert from 'node:assert/strict';
import * as dc from 'node:diagnostics_channel';
import { context, createContextKey, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { isCovered, noticeFastifyOtel, withHttpRpcMetadata } from '../../instrumentations/fastify/coexist';
import { HandlerChannel, type HandlerTracingChannel } from '../../instrumentations/fastify/handler-channel';
import { storeContractHolds } from '../../src/instrument';
import { HookFailures, type FastifyDeps } from '../../instrumentations/fastify/hook-call';
import { handlerInfo } from '../../instrumentations/fastify/hook-info';
import { RouteRegistry } from '../../instrumentations/fastify/routes';
import type { FastifyInstance, HandlerMessage } from '../../instrumentations/fastify/types';
import { followedRequest } from '../kit/server-exchange';
import { httpConfig } from '../kit/instrumentation-config';
import { InstrumentationState } from '../../src/instrument';
import type { SpanData } from '../../src/sdk/span-data';
import { attributeOf, EndedSpans, recordingProvider, useContextManager } from '../kit/recording';

/**
 * A channel of the test's own, published the way fastify 5's lib/handle-request.js publishes,
 * whose `start.runStores` enters bound stores the way Node 20 to 24 do (`store.run(transform(data),
 * fn)`), so that the span logic is tested on every Node; whether the running Node does the same is
 * the probe's business, tested first.
 */
const CHANNEL = 'otelite.test.fastify.request.handler';
const real = dc.tracingChannel(CHANNEL);
type Store = { run<R>(value: unknown, fn: () => R): R };
const stores = new Map<Store, (data: unknown) => unknown>();
const start = {
  bindStore: (store: Store, transform: (data: unknown) => unknown) => void stores.set(store, transform),
  unbindStore: (store: Store) => stores.delete(store),
  runStores<R>(data: object, fn: () => R): R {
    let run = (): R => {
      real.start.publish(data);
      return fn();
    };
    for (const [store, transform] of stores) {
      const next = run;
      run = () => store.run(transform(data), next);
    }
    return run();
  },
};
const channel = { start, end: real.end, asyncEnd: real.asyncEnd, error: real.error } as unknown as HandlerTracingChannel & { start: typeof start };
const app = { pluginName: 'fastify', addHook: () => undefined } as FastifyInstance;
const activeName = () => (trace.getActiveSpan() as unknown as SpanData | undefined)?.name;
/** Node 20 to 24 enter a bound store through `store.run`; Node 26.10 through `store.withScope`. */
const contractHolds = storeContractHolds();

describe('fastify: the handler channel on this Node', () => {
  useContextManager();

  it(`is used only if this Node (${process.versions.node}) runs a handler in the context the probe promises, and never breaks fastify`, () => {
    const { provider, ended } = recordingProvider();
    const state = new InstrumentationState('fastify-test');
    const deps: FastifyDeps = { tracer: provider.getTracer('unit'), config: httpConfig(), state, failures: new HookFailures() };
    const routes = new RouteRegistry();
    routes.add(app, '/users/:id', 'GET', handlerInfo(app, function getUser() {}, '/users/:id'));
    const handlers = new HandlerChannel(deps, routes, real);
    const server = deps.tracer.startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    const store = { request: { raw: followedRequest({}, server), server: app }, reply: {}, async: false, route: { url: '/users/:id', method: 'GET' } };
    try {
      assert.equal(handlers.enable(), contractHolds);
      // What fastify does for every request; it must work whatever this Node does.
      let inside: string | undefined;
      assert.equal(real.start.runStores(store, () => ((inside = activeName()), 42)), 42);
      real.end.publish(store);
      assert.equal(state.active, true);
      assert.equal(inside, contractHolds ? 'handler - getUser' : undefined);
      assert.equal(ended.spans.length, contractHolds ? 1 : 0);
    } finally {
      handlers.disable();
    }
  });
});

describe("fastify: spans from the handler channel (fastify 5's tracing:fastify.request.handler)", () => {
  useContextManager();
  let ended: EndedSpans;
  let routes: RouteRegistry;
  let handlers: HandlerChannel;
  let server: Span;
  let state: InstrumentationState;
  let deps: FastifyDeps;

  beforeEach(() => {
    const recording = recordingProvider();
    ended = recording.ended;
    const provider = recording.provider;
    state = new InstrumentationState('fastify-test');
    deps = { tracer: provider.getTracer('otelite/fastify'), config: httpConfig(), state, failures: new HookFailures() };
    routes = new RouteRegistry();
    handlers = new HandlerChannel(deps, routes, channel, () => true);
    assert.equal(handlers.enable(), true);
    server = deps.tracer.startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
  });
  afterEach(() => handlers.disable());

  function message(url: string, method: string | string[] = 'GET'): HandlerMessage {
    const request = { raw: followedRequest({}, server), server: app };
    return { request, reply: {}, async: false, route: { url, method } };
  }

  /** fastify: `start.runStores(store, preHandlerCallbackInner)`, then `end` (and later `asyncEnd`). */
  function publish(store: HandlerMessage, handler: () => unknown): unknown {
    return channel.start.runStores(store, () => {
      try {
        return handler();
      } finally {
        channel.end.publish(store);
      }
    });
  }

  it("runs the handler in its span's context and ends a synchronous handler's span at `end`", () => {
    function getUser() {}
    routes.add(app, '/users/:id', 'GET', handlerInfo(app, getUser, '/users/:id'));
    let inside: string | undefined;
    publish(message('/users/:id'), () => (inside = activeName()));
    assert.equal(inside, 'handler - getUser');
    assert.equal(context.active(), ROOT_CONTEXT, 'the context is back once the handler returned');
    const [span] = ended.spans;
    assert.equal(span.parentSpanId, server.spanContext().spanId);
    assert.equal(attributeOf(span, 'http.route'), '/users/:id');
  });

  it('ends an async handler at `asyncEnd`, and records the error fastify publishes', () => {
    routes.add(app, '/jobs', ['GET', 'POST'], handlerInfo(app, function jobs() {}, '/jobs'));
    const store = message('/jobs', ['GET', 'POST']);
    publish(store, () => (store.async = true));
    assert.equal(ended.spans.length, 0, 'still running');
    store.error = new RangeError('rejected');
    channel.error.publish(store);
    real.asyncStart.publish(store);
    channel.asyncEnd.publish(store);
    const [span] = ended.spans;
    assert.equal(span.name, 'handler - jobs');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.events[0].attributes?.['exception.type'], 'RangeError');
  });

  it('makes no span for a route @fastify/otel traces, nor for a handler whose preHandler failed', () => {
    routes.add(app, '/covered', 'GET', undefined);
    routes.add(app, '/open', 'GET', handlerInfo(app, function open() {}, '/open'));
    publish(message('/covered'), () => undefined);
    const failed = message('/open');
    deps.failures.note(failed.request);
    publish(failed, () => undefined);
    assert.equal(ended.spans.length, 0);
    publish(message('/open'), () => undefined);
    assert.equal(ended.spans.length, 1, 'the next request of the route is traced');
  });

  it("tells apart two routes with one template and method (constraints) by the request's own handler", () => {
    routes.add(app, '/v', 'GET', handlerInfo(app, function v1() {}, '/v'));
    routes.add(app, '/v', 'GET', handlerInfo(app, function v2() {}, '/v'));
    const store = message('/v');
    Object.defineProperty(store.request, 'routeOptions', { value: { url: '/v', handler: function v2() {}.bind(app) } });
    publish(store, () => undefined);
    assert.deepEqual(ended.spans.map((s) => s.name), ['handler - v2']);
  });

  it('stops when disabled', () => {
    routes.add(app, '/users/:id', 'GET', handlerInfo(app, function getUser() {}, '/users/:id'));
    handlers.disable();
    publish(message('/users/:id'), () => undefined);
    assert.equal(ended.spans.length, 0);
  });
});

describe('fastify: living with @fastify/otel', () => {
  useContextManager();

  it('recognises its plugin by the onRoute hook it adds where request.opentelemetry is decorated', () => {
    const decorated = (yes: boolean) => ({ addHook: () => undefined, hasRequestDecorator: (name: string) => yes && name === 'opentelemetry' }) as FastifyInstance;
    const plain = decorated(false);
    noticeFastifyOtel(plain, 'onRoute');
    assert.equal(isCovered(plain), false);
    const withOtel = decorated(true);
    noticeFastifyOtel(withOtel, 'onRequest');
    assert.equal(isCovered(withOtel), false, 'only its onRoute hook marks it');
    noticeFastifyOtel(withOtel, 'onRoute');
    assert.equal(isCovered(withOtel), true);
    assert.equal(isCovered(Object.create(withOtel)), true, 'plugins below it inherit the mark');
  });

  it("gives the hooks after the agent's a context with HTTP RPC metadata (the @opentelemetry/core key), once", () => {
    const span = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
    const key = createContextKey('OpenTelemetry SDK Context Key RPC_METADATA');
    const ctx = withHttpRpcMetadata(span);
    assert.deepEqual(ctx?.getValue(key), { type: 'http', span });
    assert.equal(
      context.with(ctx!, () => withHttpRpcMetadata(span)),
      undefined,
      'metadata already there (an official http instrumentation) is left as it is',
    );
  });
});
