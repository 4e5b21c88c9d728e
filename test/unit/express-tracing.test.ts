import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { patchLayer, type LayerPrototype } from '../../instrumentations/express/handle';
import { patchRegistration } from '../../instrumentations/express/registration';
import { requestStateOf } from '../../instrumentations/express/request-state';
import { ExpressTracing } from '../../instrumentations/express/tracing';
import type { ExpressLayer, RouterLike } from '../../instrumentations/express/types';
import { httpConfig } from '../kit/instrumentation-config';
import { InstrumentationState, type AnyFunction } from '../../src/instrument';
import type { SpanData } from '../../src/sdk/span-data';
import { EndedSpans, recordingProvider, useContextManager } from '../kit/recording';
import { exchangeOf } from '../../instrumentations/shared/server-exchange';
import { followedRequest, responseOver } from '../kit/server-exchange';

/**
 * A miniature of express 4's router (`lib/router/layer.js` and the dispatch loop of
 * `lib/router/index.js`), enough to run the instrumentation's patches against the same contract:
 * a layer's function gets `next`, a synchronous throw is caught and passed to `next`, an error
 * goes to the 4-argument layers only, a route runs its own (untagged) layers. A fresh copy per
 * test, patched as the agent patches express.
 */
interface LayerLike extends ExpressLayer {
  handle_request(req: object, res: object, next: AnyFunction): void;
  handle_error(error: unknown, req: object, res: object, next: AnyFunction): void;
}

interface MiniRouter extends RouterLike {
  stack: LayerLike[];
  use(...args: unknown[]): MiniRouter;
  route(path: string): { get(fn: AnyFunction): void };
  (req: object, res: object, next: AnyFunction): void;
}

/** express's loop: each layer in turn, errors to the error handlers only. */
function dispatch(stack: LayerLike[], req: object, res: object, done: AnyFunction): void {
  let index = 0;
  const next = (err?: unknown): void => {
    const layer = stack[index++];
    if (layer === undefined) return done(err);
    if (err) layer.handle_error(err, req, res, next);
    else layer.handle_request(req, res, next);
  };
  next();
}

function miniExpress(tracing: ExpressTracing, state: InstrumentationState): () => MiniRouter {
  class Layer {
    name: string;
    route?: { path?: unknown };
    constructor(readonly handle: AnyFunction) {
      this.name = handle.name || '<anonymous>';
    }
    handle_request(req: object, res: object, next: AnyFunction): void {
      const fn = this.handle;
      if (fn.length > 3) return next();
      try {
        fn(req, res, next);
      } catch (err) {
        next(err);
      }
    }
    handle_error(error: unknown, req: object, res: object, next: AnyFunction): void {
      const fn = this.handle;
      if (fn.length !== 4) return next(error);
      try {
        fn(error, req, res, next);
      } catch (err) {
        next(err);
      }
    }
  }
  const routerProto = {
    use(this: MiniRouter, ...args: unknown[]): MiniRouter {
      if (typeof args[0] !== 'function') args.shift();
      for (const fn of args as AnyFunction[]) this.stack.push(new Layer(fn));
      return this;
    },
    route(this: MiniRouter, path: string) {
      const inner: LayerLike[] = [];
      const layer = new Layer(function handle(req: object, res: object, next: AnyFunction) {
        dispatch(inner, req, res, next);
      });
      layer.route = { path };
      this.stack.push(layer);
      return { get: (fn: AnyFunction) => inner.push(new Layer(fn)) };
    },
  };
  patchLayer(Layer.prototype as unknown as LayerPrototype, 'handle_request', 'handle_error', tracing);
  patchRegistration(routerProto, state);
  return () => {
    const router = function router(req: object, res: object, next: AnyFunction) {
      dispatch((router as MiniRouter).stack, req, res, next);
    } as MiniRouter;
    Object.setPrototypeOf(router, routerProto);
    router.stack = [];
    return router;
  };
}

function attributes(span: SpanData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  span.attributeKeys.forEach((key, i) => (out[key] = span.attributeValues[i]));
  return out;
}

type FakeRequest = { method: string };
type FakeResponse = EventEmitter & { req: FakeRequest; end(): void };

describe('express: layer spans (express 4 contract, in process)', () => {
  useContextManager();
  let ended: EndedSpans;
  let tracer: Tracer;
  let state: InstrumentationState;
  let createRouter: () => MiniRouter;

  beforeEach(() => {
    const recording = recordingProvider();
    ended = recording.ended;
    const real = recording.provider.getTracer('otelite/express');
    tracer = real;
    state = new InstrumentationState('express-test');
    // The tracer is read through this object so that a test can break it.
    const tracing = new ExpressTracing({ startSpan: (...args: Parameters<Tracer['startSpan']>) => tracer.startSpan(...args) } as Tracer, httpConfig(), state);
    createRouter = miniExpress(tracing, state);
  });

  function request(method = 'GET', recording = true): { req: FakeRequest; res: FakeResponse; server: ReturnType<Tracer['startSpan']> } {
    const server = recording
      ? tracer.startSpan(method, { kind: SpanKind.SERVER }, ROOT_CONTEXT)
      : trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 0 });
    const req: FakeRequest = { method };
    // Ends as a response the http instrumentation follows: it tells the exchange, then 'finish'.
    const res = Object.assign(new EventEmitter(), {
      req,
      end: () => {
        responseOver(res);
        res.emit('finish');
      },
    }) as FakeResponse;
    followedRequest(req, server, res);
    return { req, res, server };
  }

  /** An app: jsonParser, then a router on /api holding GET /users/:id, then an error handler. */
  function app(handler: AnyFunction): MiniRouter {
    const root = createRouter();
    root.use(function jsonParser(req: object, res: object, next: AnyFunction) {
      next();
    });
    const api = createRouter();
    api.route('/users/:id').get(handler);
    root.use('/api', api);
    root.use(function errorHandler(err: unknown, req: object, res: FakeResponse, next: AnyFunction) {
      void next;
      res.end();
    });
    return root;
  }

  it('nests layers as express runs them, names them, and names the SERVER span after the full route', () => {
    const { req, res, server } = request();
    let activeInHandler: string | undefined;
    app((rq: object, rs: FakeResponse) => {
      activeInHandler = (trace.getActiveSpan() as unknown as SpanData | undefined)?.name;
      rs.end();
    })(req, res, () => assert.fail('nothing falls through'));
    server.end();

    const byId = new Map(ended.spans.map((s) => [s.spanId, s]));
    const parentName = (span: SpanData) => byId.get(span.parentSpanId ?? '')?.name;
    assert.deepEqual(
      ended.spans.filter((s) => s.kind === SpanKind.INTERNAL).map((s) => [s.name, parentName(s)]),
      [
        ['middleware - jsonParser', 'GET /api/users/:id'],
        ['request handler - /api/users/:id', 'router - /api'],
        ['router - /api', 'GET /api/users/:id'],
      ],
    );
    assert.equal(activeInHandler, 'request handler - /api/users/:id', "the handler runs in its span's context");
    assert.equal(server.isRecording(), false);
    const serverData = ended.named('GET /api/users/:id');
    assert.equal(attributes(serverData)['http.route'], '/api/users/:id');
    assert.deepEqual(attributes(ended.named('router - /api')), { 'express.type': 'router', 'express.name': '/api' });
  });

  it('records an error once, on the layer that passed it to next(), not on the routers it leaves', () => {
    const { req, res, server } = request();
    const failure = new RangeError('out of range');
    app((rq: object, rs: object, next: AnyFunction) => next(failure))(req, res, () => assert.fail('handled'));
    server.end();
    const handler = ended.named('request handler - /api/users/:id');
    assert.equal(handler.status.code, SpanStatusCode.ERROR);
    assert.equal(attributes(handler)['error.type'], 'RangeError');
    assert.deepEqual(handler.events.map((e) => e.attributes?.['exception.message']), ['out of range']);
    assert.equal(ended.named('router - /api').status.code, SpanStatusCode.UNSET);
    assert.equal(ended.named('middleware - errorHandler').status.code, SpanStatusCode.UNSET);
    assert.equal(ended.spans.flatMap((s) => s.events).length, 1);
  });

  it("records a synchronous throw, which express catches and passes to the layer's next", () => {
    const { req, res, server } = request();
    const failure = new TypeError('thrown');
    app(() => {
      throw failure;
    })(req, res, () => assert.fail('handled'));
    server.end();
    const handler = ended.named('request handler - /api/users/:id');
    assert.equal(handler.status.code, SpanStatusCode.ERROR);
    assert.equal(handler.events[0].attributes?.['exception.type'], 'TypeError');
  });

  it("leaves a sampled-out request to express: its own next, nothing kept on the request, no listener", () => {
    const { req, res } = request('GET', false);
    const root = createRouter();
    let received: unknown;
    const outer = () => undefined;
    root.use(function inspect(rq: object, rs: object, next: AnyFunction) {
      received = next;
    });
    const layer = root.stack[0];
    layer.handle_request(req, res, outer);
    assert.equal(received, outer);
    assert.equal(requestStateOf(exchangeOf(req)), undefined);
    assert.equal(res.listenerCount('finish') + res.listenerCount('close'), 0);
    assert.equal(ended.spans.length, 0);
  });

  it('ends a layer once, whether it calls next() twice or the response ends after it', () => {
    const { req, res, server } = request();
    const root = createRouter();
    root.use(function twice(rq: object, rs: FakeResponse, next: AnyFunction) {
      next();
      next();
      rs.end();
    });
    root(req, res, () => undefined);
    server.end();
    assert.equal(ended.spans.filter((s) => s.name === 'middleware - twice').length, 1);
  });

  it('gives an error handler no span when express skips it in the normal flow', () => {
    const { req, res, server } = request();
    let fellThrough = false;
    // The handler passes on: express runs the error handler's layer, which skips it (arity 4).
    app((rq: object, rs: object, next: AnyFunction) => next())(req, res, () => {
      fellThrough = true;
      res.end();
    });
    server.end();
    assert.equal(fellThrough, true);
    assert.ok(!ended.spans.some((s) => s.name === 'middleware - errorHandler'));
    assert.equal(ended.named('request handler - /api/users/:id').status.code, SpanStatusCode.UNSET);
  });

  it('keeps one span per layer when another instrumentation wraps the layer (shimmer `__wrapped`), and still names the SERVER span', () => {
    const { req, res, server } = request();
    const root = app((rq: object, rs: FakeResponse) => rs.end());
    const api = root.stack[1].handle as MiniRouter;
    const routeLayer = api.stack[0];
    const original = routeLayer.handle;
    const foreign = Object.assign((rq: object, rs: object, next: AnyFunction) => original(rq, rs, next), { __wrapped: true });
    Object.defineProperty(routeLayer, 'handle', { value: foreign });
    root(req, res, () => undefined);
    server.end();
    assert.ok(!ended.spans.some((s) => s.name.startsWith('request handler')), 'the other instrumentation has that span');
    assert.equal(ended.named('GET /api/users/:id').kind, SpanKind.SERVER);
  });

  it('switches itself off when the agent fails, and the app goes on untouched', () => {
    const { req, res, server } = request();
    tracer = { startSpan: () => assert.fail('tracer broken') } as unknown as Tracer;
    let answered = false;
    app((rq: object, rs: FakeResponse) => {
      answered = true;
      rs.end();
    })(req, res, () => assert.fail('handled'));
    server.end();
    assert.equal(answered, true);
    assert.equal(state.active, false);
  });

  it('ends the layers still open with a followed response, without a listener on it', () => {
    const { req, res, server } = request();
    let listenersWhileAnswering = -1;
    app((rq: object, rs: FakeResponse) => {
      listenersWhileAnswering = rs.listenerCount('finish') + rs.listenerCount('close');
      rs.end();
    })(req, res, () => assert.fail('handled'));
    assert.equal(listenersWhileAnswering, 0, 'nothing of the agent shows in the response');
    assert.deepEqual(
      ended.spans.map((s) => s.name),
      ['middleware - jsonParser', 'request handler - /api/users/:id', 'router - /api'],
      'the handler and its router end with the response, innermost first',
    );
    server.end();
  });

  it("ends the layers with the response from listeners when the app's own SERVER span is the parent", () => {
    const appServer = tracer.startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    const req: FakeRequest = { method: 'GET' };
    const res = Object.assign(new EventEmitter(), { req, end: () => res.emit('finish') }) as FakeResponse;
    context.with(trace.setSpan(ROOT_CONTEXT, appServer), () => {
      app((rq: object, rs: FakeResponse) => {
        assert.equal(rs.listenerCount('finish'), 1);
        rs.end();
      })(req, res, () => assert.fail('handled'));
    });
    appServer.end();
    const byId = new Map(ended.spans.map((s) => [s.spanId, s]));
    const router = ended.named('router - /api');
    assert.equal(byId.get(router.parentSpanId ?? '')?.name, 'GET', "a child of the app's span");
    assert.equal(ended.named('request handler - /api/users/:id').parentSpanId, router.spanId);
    assert.equal(ended.spans.indexOf(router) < ended.spans.indexOf(ended.named('GET')), true, 'ended with the response, before the app ended its span');
  });
});
