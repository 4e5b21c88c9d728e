import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { HookFailures, type FastifyDeps } from '../../instrumentations/fastify/hook-call';
import { patchRouter } from '../../instrumentations/fastify/route-naming';
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

describe('fastify: naming the SERVER span from the router (route-naming.ts)', () => {
  const { provider, ended } = recordingProvider();
  const tracer = provider.getTracer('otelite/fastify');
  const fastifyServer = { addHook: () => undefined };
  let deps: FastifyDeps;

  beforeEach(() => {
    ended.spans.length = 0;
    deps = { tracer, config: httpConfig(), state: new InstrumentationState('fastify-test'), failures: new HookFailures() };
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
});
