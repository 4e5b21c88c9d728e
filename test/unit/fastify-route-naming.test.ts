import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { HookFailures, type FastifyDeps } from '../../instrumentations/fastify/hook-call';
import { HandlerChannel, type HandlerTracingChannel } from '../../instrumentations/fastify/handler-channel';
import { patchRouter, type RouterDeps } from '../../instrumentations/fastify/route-naming';
import { RouteRegistry } from '../../instrumentations/fastify/routes';
import { followedRequest } from '../kit/server-exchange';
import { httpConfig } from '../kit/instrumentation-config';
import { InstrumentationState } from '../../src/instrument';
import { attributeOf, recordingProvider } from '../kit/recording';

type Handler = (...args: unknown[]) => unknown;

/** A stand-in for find-my-way's Router.prototype: `on` keeps the handler it is given. */
function fakeRouter(): { proto: { on(method: string, path: string, opts: object, handler: Handler, store: unknown): void }; registered: Handler[] } {
  const registered: Handler[] = [];
  const proto = {
    on(_method: string, _path: string, _opts: object, handler: Handler, _store: unknown): void {
      registered.push(handler);
    },
  };
  return { proto, registered };
}

/** A TracingChannel stand-in that only notes what subscribes to it. */
function countingChannel(subscriptions: string[]): HandlerTracingChannel {
  const part = (name: string) => ({
    bindStore: () => subscriptions.push(`${name} store`),
    subscribe: () => subscriptions.push(name),
  });
  return { start: part('start'), end: part('end'), asyncEnd: part('asyncEnd'), error: part('error') } as unknown as HandlerTracingChannel;
}

describe('fastify: naming the SERVER span from the router (route-naming.ts)', () => {
  const { provider, ended } = recordingProvider();
  const tracer = provider.getTracer('otelite/fastify');
  const fastifyServer = { addHook: () => undefined };
  let deps: RouterDeps;
  /** What the handler channel subscribed to: one entry per `bindStore` or `subscribe`. */
  let subscriptions: string[];

  beforeEach(() => {
    ended.spans.length = 0;
    subscriptions = [];
    const base: FastifyDeps = { tracer, config: httpConfig(), state: new InstrumentationState('fastify-test'), failures: new HookFailures() };
    deps = { ...base, handlerChannel: new HandlerChannel(base, new RouteRegistry(), countingChannel(subscriptions), () => true) };
  });

  it("wraps a fastify route's handler, which names the span and passes this, arguments and result through", () => {
    const { proto, registered } = fakeRouter();
    patchRouter(proto, deps);
    const self = {};
    const seen: unknown[] = [];
    const routeHandler = function routeHandler(this: unknown, ...args: unknown[]): string {
      seen.push(this, ...args);
      return 'handled';
    };
    const store = { config: { url: '/api/users/:id' }, server: fastifyServer };
    proto.on('GET', '/api/users/:id', {}, routeHandler, store);
    const [wrapped] = registered;
    assert.notEqual(wrapped, routeHandler);
    assert.equal(wrapped.name, 'routeHandler');
    assert.equal(wrapped.length, routeHandler.length);

    const server = tracer.startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    const req = followedRequest({ method: 'GET' }, server);
    assert.equal(wrapped.call(self, req, 'res', { id: '7' }, store, 'q'), 'handled');
    assert.deepEqual(seen, [self, req, 'res', { id: '7' }, store, 'q']);
    server.end();
    const [span] = ended.spans;
    assert.equal(span.name, 'GET /api/users/:id');
    assert.equal(attributeOf(span, 'http.route'), '/api/users/:id');
  });

  it('leaves handlers of other stores alone: the 404 context (no url) and non-fastify users of find-my-way', () => {
    const { proto, registered } = fakeRouter();
    patchRouter(proto, deps);
    const handler = (): void => undefined;
    proto.on('GET', '/*', {}, handler, { config: {}, server: fastifyServer });
    proto.on('GET', '/x', {}, handler, { anything: true });
    proto.on('GET', '/y', {}, handler, undefined);
    assert.deepEqual(registered, [handler, handler, handler]);
  });

  it('turns itself off, and registers the handler unchanged, when reading the store throws', () => {
    const { proto, registered } = fakeRouter();
    patchRouter(proto, deps);
    const handler = (): void => undefined;
    const hostile = {
      get config(): never {
        throw new Error('hostile store');
      },
      server: fastifyServer,
    };
    proto.on('GET', '/z', {}, handler, hostile);
    assert.deepEqual(registered, [handler]);
    assert.equal(deps.state.active, false);
  });

  it("listens to fastify's handler channel from the first matched request that records, not before", () => {
    const { proto, registered } = fakeRouter();
    patchRouter(proto, deps);
    const store = { config: { url: '/users/:id' }, server: fastifyServer };
    proto.on('GET', '/users/:id', {}, () => 'handled', store);
    const [wrapped] = registered;
    deps.handlerChannel.relyOn();
    assert.equal(deps.handlerChannel.awaitingRecording, true);

    // Requests with nothing recording (sampled out, or only measured): fastify need not publish.
    const unsampled = trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE });
    assert.equal(wrapped(followedRequest({ method: 'GET' }, unsampled), 'res', {}, store), 'handled');
    assert.equal(wrapped({ method: 'GET' }, 'res', {}, store), 'handled');
    assert.deepEqual(subscriptions, []);

    const server = tracer.startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    assert.equal(wrapped(followedRequest({ method: 'GET' }, server), 'res', {}, store), 'handled');
    server.end();
    assert.deepEqual(subscriptions, ['start store', 'end', 'asyncEnd', 'error']);
    assert.equal(deps.handlerChannel.awaitingRecording, false);
  });

  it('listens at once when no router reports requests (find-my-way was loaded before the agent)', () => {
    deps.handlerChannel.relyOn();
    assert.deepEqual(subscriptions, ['start store', 'end', 'asyncEnd', 'error']);
    assert.equal(deps.handlerChannel.awaitingRecording, false);
  });
});
