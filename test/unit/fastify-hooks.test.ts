import assert from 'node:assert/strict';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { HookFailures, type FastifyDeps } from '../../instrumentations/fastify/hook-call';
import { functionName, handlerInfo, instanceHookInfo, routeHookInfo } from '../../instrumentations/fastify/hook-info';
import type { FastifyInstance } from '../../instrumentations/fastify/types';
import { wrapHandler, wrapHook } from '../../instrumentations/fastify/wrappers';
import { followedRequest } from '../kit/server-exchange';
import { httpConfig } from '../kit/instrumentation-config';
import { InstrumentationState, isWrapped } from '../../src/instrument';
import type { SpanData } from '../../src/sdk/span-data';
import { attributeOf, EndedSpans, recordingProvider, useContextManager } from '../kit/recording';

const instance = { pluginName: 'fastify', addHook: () => undefined } as FastifyInstance;
const tick = () => new Promise((resolve) => setImmediate(resolve));
const activeName = () => (trace.getActiveSpan() as unknown as SpanData | undefined)?.name;

describe('fastify: hook and handler wrappers', () => {
  useContextManager();
  let ended: EndedSpans;
  let deps: FastifyDeps;
  let server: Span;
  let request: { raw: object };

  beforeEach(() => {
    const recording = recordingProvider();
    ended = recording.ended;
    const provider = recording.provider;
    deps = { tracer: provider.getTracer('otelite/fastify'), config: httpConfig(), state: new InstrumentationState('fastify-test'), failures: new HookFailures() };
    server = deps.tracer.startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    request = { raw: followedRequest({ method: 'GET' }, server) };
  });

  it('looks like the function it wraps, so fastify validates it the same way, and is never wrapped twice', () => {
    async function loadUser(req: unknown, reply: unknown) {
      void req;
      void reply;
    }
    const wrapped = wrapHook(loadUser, instanceHookInfo(instance, 'preHandler', loadUser), deps);
    assert.equal(wrapped.name, 'loadUser');
    assert.equal(wrapped.length, 2);
    assert.equal(wrapped.constructor.name, 'AsyncFunction', 'fastify tells async hooks by their constructor');
    assert.ok(isWrapped(wrapped));
    assert.equal(wrapHook(wrapped, instanceHookInfo(instance, 'preHandler', wrapped), deps), wrapped);
  });

  it('times a callback hook until it calls done(), runs it in its span, and goes on in the SERVER context', async () => {
    let inside: string | undefined;
    let after: Context | undefined;
    let self: unknown;
    const authenticate = function authenticate(this: unknown, req: unknown, reply: unknown, done: () => void) {
      inside = activeName();
      self = this;
      setTimeout(done, 20);
    };
    const wrapped = wrapHook(authenticate, instanceHookInfo(instance, 'onRequest', authenticate), deps);
    const app = {};
    await new Promise<void>((resolve) => {
      wrapped.call(app, request, {}, () => {
        after = context.active();
        resolve();
      });
    });
    assert.equal(inside, 'onRequest - authenticate');
    assert.equal(self, app);
    assert.equal(trace.getSpan(after!), server, 'the rest of the request is not a child of the finished hook');
    const [span] = ended.spans;
    assert.equal(span.name, 'onRequest - authenticate');
    assert.equal(span.kind, SpanKind.INTERNAL);
    assert.equal(span.parentSpanId, server.spanContext().spanId);
    assert.ok(span.endTime - span.startTime >= 15, `lasted ${span.endTime - span.startTime} ms`);
    assert.equal(attributeOf(span, 'hook.name'), 'fastify - onRequest');
    assert.equal(attributeOf(span, 'fastify.type'), 'hook');
    assert.equal(attributeOf(span, 'hook.callback.name'), 'authenticate');
  });

  it('records the error a hook passes to done(), and passes it on unchanged', () => {
    const failure = new URIError('bad');
    let received: unknown;
    const check = function check(req: unknown, reply: unknown, done: (error?: unknown) => void) {
      done(failure);
    };
    wrapHook(check, routeHookInfo(instance, 'preValidation', check, '/x'), deps)(request, {}, (error: unknown) => (received = error));
    assert.equal(received, failure);
    const [span] = ended.spans;
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(attributeOf(span, 'error.type'), 'URIError');
    assert.equal(attributeOf(span, 'http.route'), '/x');
    assert.equal(attributeOf(span, 'fastify.type'), 'route-hook');
    assert.equal(deps.failures.consume(request), true, 'the handler channel learns that this request failed');
    assert.equal(deps.failures.consume(request), false);
  });

  it('ends an async hook when its promise settles, and returns that same promise', async () => {
    const failure = new RangeError('late');
    const slow = async function slow() {
      await new Promise((resolve) => setTimeout(resolve, 10));
      throw failure;
    };
    const wrapped = wrapHook(slow, instanceHookInfo(instance, 'preHandler', slow), deps);
    const promise = wrapped(request, {}, () => assert.fail('an async hook does not call done'));
    assert.equal(ended.spans.length, 0);
    await assert.rejects(promise as Promise<unknown>, (error) => error === failure);
    await tick();
    const [span] = ended.spans;
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.events[0].attributes?.['exception.message'], 'late');
  });

  it('records a synchronous throw on the span and lets the same error out to fastify', () => {
    const failure = new SyntaxError('thrown');
    const throwing = function throwing() {
      throw failure;
    };
    const wrapped = wrapHook(throwing, routeHookInfo(instance, 'preHandler', throwing, '/y'), deps);
    assert.throws(() => wrapped(request, {}, () => undefined), (error) => error === failure);
    const [span] = ended.spans;
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(attributeOf(span, 'error.type'), 'SyntaxError');
    assert.equal(span.events[0].attributes?.['exception.message'], 'thrown');
    assert.equal(deps.failures.consume(request), true, 'the handler channel learns that this request failed');
  });

  it('records a throw of a handler, which fastify then sends as the error', () => {
    const failure = new TypeError('handler broke');
    const getUser = function getUser() {
      throw failure;
    };
    const wrapped = wrapHandler(getUser, handlerInfo(instance, getUser, '/users/:id'), deps);
    assert.throws(() => wrapped(request, {}), (error) => error === failure);
    const [span] = ended.spans;
    assert.equal(span.name, 'handler - getUser');
    assert.equal(attributeOf(span, 'error.type'), 'TypeError');
  });

  it("leaves a hook of a sampled-out request alone: fastify's own done, no span", () => {
    const sampledOut = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 0 });
    const unsampled = { raw: followedRequest({}, sampledOut) };
    const done = () => undefined;
    let received: unknown;
    const hook = function hook(req: unknown, reply: unknown, next: unknown) {
      received = next;
    };
    wrapHook(hook, instanceHookInfo(instance, 'onRequest', hook), deps)(unsampled, {}, done);
    assert.equal(received, done);
    assert.equal(ended.spans.length, 0);
  });

  it('times a handler until it returns, or until its promise settles', async () => {
    const sync = function getItem() {
      return { ok: true };
    };
    assert.deepEqual(wrapHandler(sync, handlerInfo(instance, sync, '/items/:id'), deps)(request, {}), { ok: true });
    assert.equal(ended.spans.length, 1);
    let inside: string | undefined;
    const later = async function getUser() {
      inside = activeName();
      await new Promise((resolve) => setTimeout(resolve, 10));
      return 'user';
    };
    assert.equal(await wrapHandler(later, handlerInfo(instance, later, '/users/:id'), deps)(request, {}), 'user');
    await tick();
    assert.deepEqual(ended.spans.map((s) => s.name), ['handler - getItem', 'handler - getUser']);
    assert.equal(inside, 'handler - getUser');
    assert.equal(attributeOf(ended.spans[1], 'fastify.type'), 'request-handler');
    assert.equal(attributeOf(ended.spans[1], 'hook.name'), 'fastify - route-handler');
    assert.equal(attributeOf(ended.spans[1], 'http.route'), '/users/:id');
  });

  it("names a hook after its function, else after the plugin, as @fastify/otel does", () => {
    assert.equal(instanceHookInfo(instance, 'onRequest', () => undefined).spanName, 'onRequest - fastify');
    assert.equal(instanceHookInfo(instance, 'onRequest', () => undefined).callbackName, 'anonymous');
    const plugin = { pluginName: 'auth', addHook: () => undefined } as FastifyInstance;
    assert.equal(routeHookInfo(plugin, 'preHandler', function check() {}, '/a').hookName, 'auth - route -> preHandler');
    assert.equal(functionName(function named() {}.bind(null)), 'named');
  });
});
