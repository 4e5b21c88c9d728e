import assert from 'node:assert/strict';
import type { DecodedSpan } from '../kit/otlp-decoder';
import type { VersionSet } from '../kit/versions';
import {
  KIND_CLIENT,
  KIND_INTERNAL,
  measuredRoutes,
  runWebApp,
  serverSpan,
  STATUS_ERROR,
  STATUS_UNSET,
  type Flavour,
  type Run,
} from './web-kit';

const REQUESTS: Array<[string, string]> = [
  ['GET', '/api/users/42'],
  ['GET', '/api/orgs/7/items/9'],
  ['GET', '/books'],
  ['POST', '/books'],
  ['GET', '/files/a/b.txt'],
  ['GET', '/admin/stats'],
  ['GET', '/slow'],
  ['GET', '/async/5'],
  ['GET', '/error/next'],
  ['GET', '/error/throw'],
  ['GET', '/error/async'],
  ['GET', '/fetch'],
  ['GET', '/nope'],
  ['GET', '/internals'],
  ['GET', '/format'],
];

function runExpress(set: VersionSet, flavour: Flavour, env: Record<string, string> = {}): Promise<Run> {
  return runWebApp({ framework: 'express', set, flavour, requests: REQUESTS, env, postBody: { title: 'Dune' } });
}

function childrenOf(spans: DecodedSpan[], parent: DecodedSpan): DecodedSpan[] {
  return spans
    .filter((s) => s.traceId === parent.traceId && s.parentSpanId === parent.spanId)
    .sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0));
}

/** The spans below `root`, as indented names in the order they started. */
function tree(spans: DecodedSpan[], root: DecodedSpan, depth = 0): string[] {
  const lines: string[] = [];
  for (const child of childrenOf(spans, root)) {
    lines.push(`${'  '.repeat(depth)}${child.name}`);
    lines.push(...tree(spans, child, depth + 1));
  }
  return lines;
}

function below(spans: DecodedSpan[], root: DecodedSpan, name: string): DecodedSpan {
  const queue = childrenOf(spans, root);
  const found: DecodedSpan[] = [];
  while (queue.length > 0) {
    const span = queue.shift()!;
    if (span.name === name) found.push(span);
    queue.push(...childrenOf(spans, span));
  }
  assert.equal(found.length, 1, `one span "${name}" below ${root.name}; got ${found.length}: ${tree(spans, root).join(' | ')}`);
  return found[0];
}

/**
 * `http.server.request.duration`'s count per `{method} {route}` after REQUESTS: one per routed
 * request; no route for the 404, the `/format` middleware (no route), the downstream server's
 * request from `/fetch`, and express 4's `/error/async` (a 404 there).
 */
function expectedMeasuredRoutes(express5: boolean): Map<string, number> {
  const routes = [
    'GET /api/users/:id',
    'GET /api/orgs/:orgId/items/:itemId',
    'GET /books',
    'POST /books',
    express5 ? 'GET /files/*path' : 'GET /files/*',
    'GET /admin/stats',
    'GET /slow',
    'GET /async/:id',
    'GET /error/next',
    'GET /error/throw',
    ...(express5 ? ['GET /error/async'] : []),
    'GET /fetch',
    'GET /internals',
  ];
  return new Map([...routes.map((route): [string, number] => [route, 1]), ['GET -', express5 ? 3 : 4]]);
}

/** The agent's own symbols among those found on a request (all named `otelite.…`). */
function agentSymbols(symbols: Array<string | undefined>): Array<string | undefined> {
  return symbols.filter((name) => name?.startsWith('otelite') === true);
}

const millis = (span: DecodedSpan): number => Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6;

for (const set of ['previous', 'current'] as const) {
  const express5 = set === 'current';
  const major = express5 ? 'express 5' : 'express 4';
  // express 4 adds its own `query` and `expressInit` middleware to every app.
  const prelude = express5 ? ['middleware - jsonParser'] : ['middleware - query', 'middleware - expressInit', 'middleware - jsonParser'];

  for (const flavour of ['cjs', 'esm'] as const) {
    describe(`express instrumentation: ${major} (${set}), ${flavour === 'esm' ? 'ES module app (--import)' : 'CommonJS app (--require)'}`, function () {
      this.timeout(60_000);
      let run: Run;

      before(async () => {
        run = await runExpress(set, flavour);
      });

      it('answers as it would without the agent', () => {
        const statuses = Object.fromEntries(run.sent.map((s) => [`${s.method} ${s.path}`, s.status]));
        assert.equal(statuses['GET /api/orgs/7/items/9'], 200);
        assert.equal(statuses['POST /books'], 201);
        assert.equal(statuses['GET /error/throw'], 500);
        assert.equal(statuses['GET /error/async'], express5 ? 500 : 404);
        assert.equal(statuses['GET /nope'], 404);
        assert.deepEqual(JSON.parse(run.sent.find((s) => s.path === '/fetch')!.body), { status: 200, body: 'downstream' });
        assert.deepEqual(JSON.parse(run.sent.find((s) => s.path === '/format')!.body), { sameRequest: true, sameNext: true });
      });

      it('names the SERVER span {method} {route} with the full template, mount paths included, and sets http.route', () => {
        const expected: Array<[string, string, string]> = [
          ['GET', '/api/users/42', '/api/users/:id'],
          ['GET', '/api/orgs/7/items/9', '/api/orgs/:orgId/items/:itemId'],
          ['GET', '/books', '/books'],
          ['POST', '/books', '/books'],
          ['GET', '/files/a/b.txt', express5 ? '/files/*path' : '/files/*'],
          ['GET', '/admin/stats', '/admin/stats'],
          ['GET', '/slow', '/slow'],
          ['GET', '/async/5', '/async/:id'],
          ['GET', '/error/next', '/error/next'],
        ];
        for (const [method, urlPath, route] of expected) {
          const span = serverSpan(run, method, urlPath);
          assert.equal(span.name, `${method} ${route}`, urlPath);
          assert.equal(span.attributes['http.route'], route, urlPath);
        }
      });

      it('measures every request under its route (http.server.request.duration)', () => {
        assert.deepEqual(measuredRoutes(run), expectedMeasuredRoutes(express5));
      });

      it('keeps {method} and sets no http.route when no route matched (404)', () => {
        const span = serverSpan(run, 'GET', '/nope');
        assert.equal(span.name, 'GET');
        assert.equal(span.attributes['http.route'], undefined);
        assert.equal(span.attributes['http.response.status_code'], 404);
        assert.deepEqual(tree(run.spans, span), prelude, 'the middleware that ran still has its spans');
      });

      it('makes INTERNAL spans for middleware, routers and the request handler, nested as express runs them', () => {
        assert.deepEqual(tree(run.spans, serverSpan(run, 'GET', '/api/orgs/7/items/9')), [
          ...prelude,
          'router - /api',
          '  router - /api/orgs/:orgId/items',
          '    request handler - /api/orgs/:orgId/items/:itemId',
        ]);
        assert.deepEqual(tree(run.spans, serverSpan(run, 'GET', '/admin/stats')), [
          ...prelude,
          'middleware - mounted_app',
          ...(express5 ? [] : ['  middleware - query', '  middleware - expressInit']),
          '  request handler - /admin/stats',
        ]);
        assert.deepEqual(tree(run.spans, serverSpan(run, 'POST', '/books')), [...prelude, 'request handler - /books']);

        const server = serverSpan(run, 'GET', '/api/users/42');
        const router = below(run.spans, server, 'router - /api');
        const handler = below(run.spans, server, 'request handler - /api/users/:id');
        const parser = below(run.spans, server, 'middleware - jsonParser');
        for (const span of [router, handler, parser]) assert.equal(span.kind, KIND_INTERNAL, span.name);
        assert.deepEqual([router.attributes['express.type'], router.attributes['express.name']], ['router', '/api']);
        assert.deepEqual(
          [handler.attributes['express.type'], handler.attributes['express.name'], handler.attributes['http.route']],
          ['request_handler', '/api/users/:id', '/api/users/:id'],
        );
        assert.deepEqual([parser.attributes['express.type'], parser.attributes['express.name']], ['middleware', 'jsonParser']);
        assert.equal(parser.attributes['http.route'], undefined);
      });

      it('times a middleware until it calls next() and a handler until the response ends', () => {
        const server = serverSpan(run, 'GET', '/slow');
        const slow = below(run.spans, server, 'middleware - slowAuth');
        const handler = below(run.spans, server, 'request handler - /slow');
        assert.ok(millis(slow) >= 25, `slowAuth calls next() after 30 ms; its span lasted ${millis(slow)} ms`);
        assert.ok(handler.startTimeUnixNano >= slow.endTimeUnixNano, 'the handler starts after the middleware called next()');
        const asyncHandler = below(run.spans, serverSpan(run, 'GET', '/async/5'), 'request handler - /async/:id');
        assert.ok(millis(asyncHandler) >= 15, `the async handler answers after 20 ms; its span lasted ${millis(asyncHandler)} ms`);
        const post = serverSpan(run, 'POST', '/books');
        assert.ok(below(run.spans, post, 'request handler - /books').endTimeUnixNano <= post.endTimeUnixNano);
      });

      const errorCases: Array<[string, string, string, boolean]> = [
        ['/error/next', 'Error', 'boom-next', true],
        ['/error/throw', 'TypeError', 'boom-throw', true],
        ['/error/async', 'RangeError', 'boom-async', express5],
      ];
      for (const [urlPath, type, message, applies] of errorCases) {
        if (!applies) continue;
        it(`records an error of ${urlPath} once, on the handler's span, and the SERVER span follows the 5xx rule`, () => {
          const server = serverSpan(run, 'GET', urlPath);
          assert.equal(server.status.code, STATUS_ERROR);
          assert.equal(server.attributes['error.type'], '500');
          const handler = below(run.spans, server, `request handler - ${urlPath}`);
          assert.equal(handler.status.code, STATUS_ERROR);
          assert.equal(handler.status.message, message);
          assert.equal(handler.attributes['error.type'], type);
          assert.deepEqual(
            handler.events.map((e) => [e.name, e.attributes['exception.type'], e.attributes['exception.message']]),
            [['exception', type, message]],
          );
          const errorHandler = below(run.spans, server, 'middleware - errorHandler');
          assert.equal(errorHandler.status.code, STATUS_UNSET, 'the error handler that answered did not fail');
          const exceptions = run.spans.filter((s) => s.traceId === server.traceId).flatMap((s) => s.events.filter((e) => e.name === 'exception'));
          assert.equal(exceptions.length, 1, 'recorded where it happened, not again by the routers it passed through');
        });
      }

      it('makes the fetch a handler does a child of the handler span', () => {
        const server = serverSpan(run, 'GET', '/fetch');
        const handler = below(run.spans, server, 'request handler - /fetch');
        const client = run.spans.filter((s) => s.kind === KIND_CLIENT && s.traceId === server.traceId);
        assert.equal(client.length, 1);
        assert.equal(client[0].parentSpanId, handler.spanId);
      });

      it("keeps a traced request's state in one property, its exchange, and adds no listener", () => {
        const internals = JSON.parse(run.sent.find((s) => s.path === '/internals')!.body) as { symbols: string[]; finishListeners: string[] };
        assert.deepEqual(agentSymbols(internals.symbols), ['otelite.http.exchange'], internals.symbols.join(', '));
        assert.ok(!internals.finishListeners.includes('onResponseEnd'), 'the layers end from the http instrumentation, not from a listener');
        assert.ok(below(run.spans, serverSpan(run, 'GET', '/internals'), 'request handler - /internals'), 'the request was traced');
      });
    });
  }

  describe(`express instrumentation: ${major} (${set}), sampled out`, function () {
    this.timeout(60_000);

    it('exports nothing, leaves requests untouched and answers as without the agent (no metrics exporter)', async () => {
      const run = await runExpress(set, 'cjs', { OTEL_TRACES_SAMPLER: 'always_off', OTEL_METRICS_EXPORTER: 'none' });
      assert.equal(run.spans.length, 0);
      assert.equal(run.sent.find((s) => s.path === '/api/users/42')!.body, '{"id":"42"}');
      assert.equal(run.sent.find((s) => s.path === '/error/throw')!.status, 500);
      assert.deepEqual(JSON.parse(run.sent.find((s) => s.path === '/format')!.body), { sameRequest: true, sameNext: true });
      const internals = JSON.parse(run.sent.find((s) => s.path === '/internals')!.body) as { symbols: string[]; finishListeners: string[] };
      assert.deepEqual(agentSymbols(internals.symbols), [], internals.symbols.join(', '));
      assert.ok(!internals.finishListeners.includes('onResponseEnd'), 'no listener added to a sampled-out response');
    });

    it('with metrics on, follows the layers for the route alone: no span, no listener, same answers, same routes', async () => {
      const run = await runExpress(set, 'cjs', { OTEL_TRACES_SAMPLER: 'always_off' });
      assert.equal(run.spans.length, 0);
      assert.deepEqual(measuredRoutes(run), expectedMeasuredRoutes(express5));
      assert.equal(run.sent.find((s) => s.path === '/api/users/42')!.body, '{"id":"42"}');
      assert.equal(run.sent.find((s) => s.path === '/error/throw')!.status, 500);
      assert.deepEqual(JSON.parse(run.sent.find((s) => s.path === '/format')!.body), { sameRequest: true, sameNext: true });
      const internals = JSON.parse(run.sent.find((s) => s.path === '/internals')!.body) as { symbols: string[]; finishListeners: string[] };
      assert.deepEqual(agentSymbols(internals.symbols), ['otelite.http.exchange'], internals.symbols.join(', '));
      assert.ok(!internals.finishListeners.includes('onResponseEnd'), 'no listener added to a sampled-out response');
    });
  });
}
