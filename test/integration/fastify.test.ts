import assert from 'node:assert/strict';
import type { DecodedSpan } from '../kit/otlp-decoder';
import type { VersionSet } from '../kit/versions';
import { storeContractHolds } from '../../src/instrument';
import {
  KIND_CLIENT,
  KIND_INTERNAL,
  runWebApp,
  serverSpan,
  STATUS_ERROR,
  STATUS_UNSET,
  type Flavour,
  type Run,
} from './web-kit';

const REQUESTS: Array<[string, string]> = [
  ['GET', '/users/42'],
  ['GET', '/api/v1/items/9'],
  ['GET', '/books'],
  ['POST', '/books'],
  ['GET', '/files/a/b.txt'],
  ['GET', '/error/throw'],
  ['GET', '/error/async'],
  ['GET', '/error/hook'],
  ['GET', '/error/hook-throw'],
  ['GET', '/error/hook-async'],
  ['GET', '/error/5xx'],
  ['GET', '/async/5'],
  ['GET', '/fetch'],
  ['GET', '/nope'],
  ['GET', '/internals'],
  ['GET', '/introspection'],
];

function runFastify(set: VersionSet, flavour: Flavour, env: Record<string, string> = {}): Promise<Run> {
  return runWebApp({ framework: 'fastify', set, flavour, requests: REQUESTS, env });
}

/** The body of the fixture's `/introspection`: printRoutes with hooks, and printPlugins. */
function introspection(run: Run): { routes: string; plugins: string } {
  return JSON.parse(run.sent.find((s) => s.path === '/introspection')!.body) as { routes: string; plugins: string };
}

const withoutAgent = new Map<VersionSet, Promise<Run>>();

/** The same app and requests without the agent, once per version set. */
function runWithoutAgent(set: VersionSet): Promise<Run> {
  let run = withoutAgent.get(set);
  if (run === undefined) withoutAgent.set(set, (run = runWebApp({ framework: 'fastify', set, flavour: 'cjs', requests: REQUESTS, preload: 'none' })));
  return run;
}

function inTrace(run: Run, root: DecodedSpan): DecodedSpan[] {
  return run.spans.filter((s) => s.traceId === root.traceId && s !== root);
}

/** The direct children of `parent`, in the order they started. */
function childrenOf(run: Run, parent: DecodedSpan): DecodedSpan[] {
  return inTrace(run, parent)
    .filter((s) => s.parentSpanId === parent.spanId)
    .sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0));
}

function named(run: Run, root: DecodedSpan, name: string): DecodedSpan {
  const found = inTrace(run, root).filter((s) => s.name === name);
  assert.equal(found.length, 1, `one span "${name}" in the trace of ${root.name}; got ${found.length}: ${inTrace(run, root).map((s) => s.name).join(' | ')}`);
  return found[0];
}

const millis = (span: DecodedSpan): number => Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6;

/** What a hook or handler span is, in the terms compared with @fastify/otel. */
function describeHookSpan(span: DecodedSpan): string {
  const hookName = String(span.attributes['hook.name']).replace(' -> @fastify/otel', '');
  return [span.name, span.kind, span.attributes['fastify.type'], span.attributes['hook.callback.name'], hookName, span.attributes['http.route']].join(' | ');
}

const ROUTES: Array<[string, string, string]> = [
  ['GET', '/users/42', '/users/:id'],
  ['GET', '/api/v1/items/9', '/api/v1/items/:itemId'],
  ['GET', '/books', '/books'],
  ['POST', '/books', '/books'],
  ['GET', '/files/a/b.txt', '/files/*'],
  ['GET', '/error/hook', '/error/hook'],
  ['GET', '/async/5', '/async/:id'],
];

/** Whether this Node (the apps run on the test's own binary) can enter a channel's store through the API. */
const channelUsable = storeContractHolds();

for (const set of ['previous', 'current'] as const) {
  const fastify5 = set === 'current';
  const major = fastify5 ? 'fastify 5' : 'fastify 4';
  const fromChannel = fastify5 && channelUsable;

  for (const flavour of ['cjs', 'esm'] as const) {
    describe(`fastify instrumentation: ${major} (${set}), ${flavour === 'esm' ? 'ES module app (--import)' : 'CommonJS app (--require)'}`, function () {
      this.timeout(60_000);
      let run: Run;

      before(async () => {
        run = await runFastify(set, flavour);
      });

      it('answers as it would without the agent', () => {
        const statuses = Object.fromEntries(run.sent.map((s) => [`${s.method} ${s.path}`, s.status]));
        assert.equal(statuses['GET /api/v1/items/9'], 200);
        assert.equal(statuses['GET /error/throw'], 500);
        assert.equal(statuses['GET /error/5xx'], 503);
        assert.equal(statuses['GET /nope'], 404);
        assert.deepEqual(JSON.parse(run.sent.find((s) => s.path === '/fetch')!.body), { status: 200, body: 'downstream' });
      });

      it("adds nothing that fastify's introspection shows: printRoutes with hooks and printPlugins are as without the agent", async () => {
        const traced = introspection(run);
        assert.match(traced.routes, /authenticate\(\)/, 'the app\'s own hooks are listed');
        assert.deepEqual(traced, introspection(await runWithoutAgent(set)));
      });

      const how = fromChannel
        ? "from fastify's own handler channel, leaving them unwrapped"
        : fastify5
          ? `by wrapping them (Node ${process.versions.node} enters a channel's store through withScope, which the API cannot open)`
          : 'by wrapping them (fastify 4 has no handler channel)';
      it(`traces the handlers ${how}`, () => {
        const { wrapped } = JSON.parse(run.sent.find((s) => s.path === '/internals')!.body) as { wrapped: Record<string, boolean> };
        assert.equal(wrapped['GET /users/:id'], !fromChannel);
        assert.equal(wrapped['GET /api/v1/items/:itemId'], !fromChannel);
      });

      it('names every SERVER span {method} {route} with the URL template, prefixes included, and sets http.route', () => {
        for (const [method, urlPath, route] of ROUTES) {
          const span = serverSpan(run, method, urlPath);
          assert.equal(span.name, `${method} ${route}`, urlPath);
          assert.equal(span.attributes['http.route'], route, urlPath);
        }
      });

      it("keeps {method} and sets no http.route for a 404 of fastify's default handler", () => {
        const span = serverSpan(run, 'GET', '/nope');
        assert.equal(span.name, 'GET');
        assert.equal(span.attributes['http.route'], undefined);
        assert.deepEqual(
          childrenOf(run, span).map((s) => s.name),
          ['onRequest - authenticate', 'preHandler - loadSession'],
          'the hooks that ran still have their spans',
        );
      });

      it('makes INTERNAL spans for the hooks and the handler, named after the hook and the function', () => {
        const server = serverSpan(run, 'GET', '/books');
        assert.deepEqual(
          childrenOf(run, server).map(describeHookSpan),
          [
            `onRequest - authenticate | ${KIND_INTERNAL} | hook | authenticate | fastify - onRequest | `,
            `preHandler - loadSession | ${KIND_INTERNAL} | hook | loadSession | fastify - preHandler | `,
            `preHandler - checkBook | ${KIND_INTERNAL} | route-hook | checkBook | fastify - route -> preHandler | /books`,
            `handler - books | ${KIND_INTERNAL} | request-handler | books | fastify - route-handler | /books`,
          ],
        );
        const nested = named(run, serverSpan(run, 'GET', '/api/v1/items/9'), 'handler - getItem');
        assert.equal(nested.attributes['hook.name'], 'v1 - route-handler', "the plugin's name");
        assert.equal(nested.attributes['http.route'], '/api/v1/items/:itemId');
      });

      it('times a hook until it calls done(), and an async handler until it settles', () => {
        const server = serverSpan(run, 'GET', '/async/5');
        const authenticate = named(run, server, 'onRequest - authenticate');
        assert.ok(millis(authenticate) >= 12, `authenticate calls done() after 15 ms; its span lasted ${millis(authenticate)} ms`);
        const handler = named(run, server, 'handler - slowHandler');
        assert.ok(millis(handler) >= 15, `the handler settles after 20 ms; its span lasted ${millis(handler)} ms`);
        assert.ok(handler.startTimeUnixNano >= authenticate.endTimeUnixNano);
      });

      const errorCases: Array<[string, string, string, string]> = [
        ['/error/throw', 'handler - failThrow', 'TypeError', 'boom-throw'],
        ['/error/async', 'handler - failAsync', 'RangeError', 'boom-async'],
        ['/error/hook', 'preValidation - rejectHook', 'URIError', 'boom-hook'],
        ['/error/hook-throw', 'preHandler - throwingHook', 'SyntaxError', 'boom-hook-throw'],
        ['/error/hook-async', 'preHandler - rejectingHook', 'EvalError', 'boom-hook-async'],
      ];
      for (const [urlPath, where, type, message] of errorCases) {
        it(`records the error of ${urlPath} once, on "${where}", and the SERVER span follows the 5xx rule`, () => {
          const server = serverSpan(run, 'GET', urlPath);
          assert.equal(server.status.code, STATUS_ERROR);
          assert.equal(server.attributes['error.type'], '500');
          const span = named(run, server, where);
          assert.equal(span.status.code, STATUS_ERROR);
          assert.equal(span.attributes['error.type'], type);
          assert.deepEqual(
            span.events.map((e) => [e.name, e.attributes['exception.type'], e.attributes['exception.message']]),
            [['exception', type, message]],
          );
          assert.equal(inTrace(run, server).flatMap((s) => s.events).length, 1, 'recorded once');
          if (where.startsWith('pre')) {
            assert.ok(!inTrace(run, server).some((s) => s.name.startsWith('handler - ')), 'no span for a handler that never ran');
          }
        });
      }

      it('marks a 5xx reply an error on the SERVER span only', () => {
        const server = serverSpan(run, 'GET', '/error/5xx');
        assert.equal(server.status.code, STATUS_ERROR);
        assert.equal(server.attributes['error.type'], '503');
        assert.equal(named(run, server, 'handler - unavailable').status.code, STATUS_UNSET);
      });

      it('makes the fetch a handler does a child of the handler span', () => {
        const server = serverSpan(run, 'GET', '/fetch');
        const handler = named(run, server, 'handler - callDownstream');
        const client = inTrace(run, server).filter((s) => s.kind === KIND_CLIENT);
        assert.equal(client.length, 1);
        assert.equal(client[0].parentSpanId, handler.spanId);
      });
    });
  }

  describe(`fastify instrumentation: ${major} (${set}), sampled out`, function () {
    this.timeout(60_000);

    it('exports nothing and answers as without the agent', async () => {
      const run = await runFastify(set, 'cjs', { OTEL_TRACES_SAMPLER: 'always_off' });
      assert.equal(run.spans.length, 0);
      assert.equal(run.sent.find((s) => s.path === '/users/42')!.body, '{"id":"42"}');
      assert.equal(run.sent.find((s) => s.path === '/error/hook-throw')!.status, 500);
    });

    it('traces the handler of the first request that records, after requests that did not', async () => {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const sampled = { traceparent: `00-${traceId}-00f067aa0ba902b7-01` };
      const run = await runWebApp({
        framework: 'fastify',
        set,
        flavour: 'cjs',
        env: { OTEL_TRACES_SAMPLER: 'parentbased_always_off' },
        requests: [['GET', '/users/1'], ['GET', '/users/2'], ['GET', '/users/3', sampled], ['GET', '/users/4'], ['GET', '/users/5', sampled]],
      });
      assert.deepEqual(run.spans.filter((s) => s.traceId !== traceId).map((s) => s.name), [], 'only the sampled requests are traced');
      for (const urlPath of ['/users/3', '/users/5']) {
        const server = serverSpan(run, 'GET', urlPath);
        assert.deepEqual(
          childrenOf(run, server).map((s) => s.name),
          ['onRequest - authenticate', 'preHandler - loadSession', 'handler - getUser'],
          urlPath,
        );
      }
    });
  });
}

describe('fastify instrumentation and @fastify/otel (fastify 5)', function () {
  this.timeout(60_000);

  for (const [mode, flavour] of [
    ['plugin', 'cjs'],
    ['init', 'esm'],
  ] as const) {
    it(`keeps one span per hook and handler, and one SERVER span, when the app registers @fastify/otel (${mode}, ${flavour})`, async () => {
      const run = await runFastify('current', flavour, { FASTIFY_OTEL: mode });
      assert.equal(run.spans.filter((s) => s.scope.name === 'otelite/fastify').length, 0, "the agent steps back where @fastify/otel traces");
      for (const [method, urlPath, route] of ROUTES) {
        const server = serverSpan(run, method, urlPath);
        assert.equal(server.name, `${method} ${route}`, 'the agent still names the SERVER span');
        const request = childrenOf(run, server);
        assert.deepEqual(request.map((s) => [s.name, s.kind]), [['request', KIND_INTERNAL]], "@fastify/otel's request span is INTERNAL below it");
        const names = inTrace(run, server).map((s) => s.name);
        assert.equal(new Set(names).size, names.length, `no span twice: ${names.join(', ')}`);
      }
      assert.ok(named(run, serverSpan(run, 'GET', '/books'), 'handler - books'));
    });
  }

  it('gives hooks and handlers the names, kinds and http.route that @fastify/otel gives them', async () => {
    const ours = await runFastify('current', 'cjs');
    const official = await runFastify('current', 'cjs', { FASTIFY_OTEL: 'plugin', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'fastify' });
    assert.ok(official.spans.some((s) => s.scope.name === '@fastify/otel'));
    for (const [method, urlPath, route] of ROUTES) {
      const oursServer = serverSpan(ours, method, urlPath);
      const officialServer = serverSpan(official, method, urlPath);
      const hookSpans = (run: Run, server: DecodedSpan) =>
        inTrace(run, server)
          .filter((s) => s.attributes['fastify.type'] !== undefined)
          .map(describeHookSpan)
          .sort();
      assert.deepEqual(hookSpans(ours, oursServer), hookSpans(official, officialServer), `${method} ${urlPath}`);
      const request = inTrace(official, officialServer).find((s) => s.name === 'request');
      assert.equal(oursServer.attributes['http.route'], request?.attributes['http.route'], 'the same route');
      assert.equal(oursServer.attributes['http.route'], route);
    }
  });
});
