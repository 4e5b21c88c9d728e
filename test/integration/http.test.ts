import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as path from 'node:path';
import type { DecodedSpan } from '../kit/otlp-decoder';
import { startReceiver, type Receiver } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { runApp, startApp, type RunningApp } from '../kit/process';
import { STATUS_UNSET, STATUS_ERROR } from '../kit/otlp-decoder';
import { closedPort } from '../kit/servers';

/**
 * node:http / node:https instrumentation, across real processes and sockets: service A (ES
 * module, --import) calls service B (CommonJS, --require), both exporting OTLP to an in-test
 * receiver; single-process fixtures print their spans as console JSON.
 */

const DIR = path.join(FIXTURES, 'http');
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request from the test process (no agent here), answered in full. */
function send(port: number, target: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function service(span: DecodedSpan): unknown {
  return span.resource.attributes['service.name'];
}

/** Waits (on span arrivals, not on a clock) until `n` received spans match. */
async function spansWhere(rx: Receiver, match: (span: DecodedSpan) => boolean, n: number, timeoutMs = 10_000): Promise<DecodedSpan[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = rx.spans.filter(match);
    if (found.length >= n) return found;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`expected ${n} matching spans, got ${found.length} of ${rx.spans.length}`);
    await rx.waitForSpans(rx.spans.length + 1, left).catch(() => undefined);
  }
}

/** The trace of service A's SERVER span for `path` and `query`, once it has `n` spans. */
async function traceOf(rx: Receiver, urlPath: string, query: string | undefined, n: number): Promise<DecodedSpan[]> {
  const [root] = await spansWhere(
    rx,
    (s) => service(s) === 'svc-a' && s.kind === SPAN_KIND_SERVER && s.attributes['url.path'] === urlPath && s.attributes['url.query'] === query,
    1,
  );
  return spansWhere(rx, (s) => s.traceId === root.traceId, n);
}

function pick(trace: DecodedSpan[], svc: string, kind: number): DecodedSpan {
  const found = trace.filter((s) => service(s) === svc && s.kind === kind);
  assert.equal(found.length, 1, `one ${svc} span of kind ${kind} in ${JSON.stringify(trace.map((s) => [service(s), s.kind, s.name]))}`);
  return found[0];
}

function exceptionMessage(span: DecodedSpan): unknown {
  return span.events.find((e) => e.name === 'exception')?.attributes['exception.message'];
}

interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: string;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  status: { code: string; message?: string };
}

/** Spans printed by OTEL_TRACES_EXPORTER=console OTELITE_CONSOLE_FORMAT=json, and the fixture's RESULT line. */
function parseOutput(stdout: string): { spans: JsonSpan[]; result: Record<string, unknown> } {
  const spans: JsonSpan[] = [];
  let result: Record<string, unknown> | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('{"traceId"')) spans.push(JSON.parse(line) as JsonSpan);
    else if (line.startsWith('RESULT ')) result = JSON.parse(line.slice('RESULT '.length)) as Record<string, unknown>;
  }
  assert.ok(result !== undefined, `no RESULT line in ${stdout}`);
  return { spans, result };
}

const CONSOLE_JSON = { OTEL_TRACES_EXPORTER: 'console', OTELITE_CONSOLE_FORMAT: 'json' };

describe('http instrumentation (integration)', function () {
  describe('service A (ESM) calling service B (CJS), exported over OTLP', function () {
    let rx: Receiver;
    let a: RunningApp | undefined;
    let b: RunningApp | undefined;
    let aPort: number;
    let bPort: number;
    let refusedPort: number;

    before(async function () {
      rx = await startReceiver({ protocol: 'http/protobuf' });
      const otlp = {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: rx.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_BSP_SCHEDULE_DELAY: '50',
      };
      b = startApp({
        file: path.join(DIR, 'service-b.cjs'),
        preload: '--require',
        env: { ...otlp, OTEL_SERVICE_NAME: 'svc-b', OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_REQUEST_HEADERS: 'x-tenant' },
      });
      bPort = Number((await b.waitForOutput(/listening on (\d+)/))[1]);
      refusedPort = await closedPort();
      a = startApp({
        file: path.join(DIR, 'service-a.mjs'),
        preload: '--import',
        env: {
          ...otlp,
          OTEL_SERVICE_NAME: 'svc-a',
          B_URL: `http://127.0.0.1:${bPort}`,
          CLOSED_PORT: String(refusedPort),
          OTEL_NODE_EXCLUDED_URLS: '/health',
          OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_REQUEST_HEADERS: 'x-tenant',
          OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_RESPONSE_HEADERS: 'x-served-by',
          OTEL_INSTRUMENTATION_HTTP_CLIENT_CAPTURE_REQUEST_HEADERS: 'x-tenant',
          OTEL_INSTRUMENTATION_HTTP_CLIENT_CAPTURE_RESPONSE_HEADERS: 'x-served-by',
        },
      });
      aPort = Number((await a.waitForOutput(/listening on (\d+)/))[1]);
    });

    after(async function () {
      for (const app of [a, b]) {
        if (app === undefined) continue;
        app.kill('SIGKILL');
        await app.exited;
      }
      await rx?.close();
    });

    for (const via of ['get', 'request']) {
      it(`links A SERVER → A CLIENT (http.${via}) → B SERVER in one trace, with the conventions' attributes`, async function () {
        const reply = await send(aPort, `/call-b?via=${via}`, { headers: { 'user-agent': 'otelite-test/1.0' } });
        assert.equal(reply.status, 200, reply.body);
        const trace = await traceOf(rx, '/call-b', `via=${via}`, 3);
        assert.equal(trace.length, 3, 'one call makes exactly one CLIENT span');
        const aServer = pick(trace, 'svc-a', SPAN_KIND_SERVER);
        const aClient = pick(trace, 'svc-a', SPAN_KIND_CLIENT);
        const bServer = pick(trace, 'svc-b', SPAN_KIND_SERVER);

        assert.equal(aServer.parentSpanId, undefined);
        assert.equal(aClient.parentSpanId, aServer.spanId);
        assert.equal(bServer.parentSpanId, aClient.spanId);
        for (const span of trace) {
          assert.equal(span.name, 'GET');
          assert.equal(span.status.code, STATUS_UNSET);
          assert.equal(span.attributes['http.request.method'], 'GET');
          assert.equal(span.attributes['http.response.status_code'], 200);
          assert.equal(span.attributes['network.protocol.version'], '1.1');
          assert.equal(span.attributes['error.type'], undefined);
          assert.equal(span.scope.name, 'otelite/http');
        }

        assert.equal(aServer.attributes['url.path'], '/call-b');
        assert.equal(aServer.attributes['url.scheme'], 'http');
        assert.equal(aServer.attributes['server.address'], '127.0.0.1');
        assert.equal(aServer.attributes['server.port'], aPort);
        assert.equal(aServer.attributes['client.address'], '127.0.0.1');
        assert.equal(aServer.attributes['network.peer.address'], '127.0.0.1');
        assert.equal(typeof aServer.attributes['network.peer.port'], 'number');
        assert.equal(aServer.attributes['user_agent.original'], 'otelite-test/1.0');

        assert.equal(aClient.attributes['url.full'], `http://127.0.0.1:${bPort}/hello`);
        assert.equal(aClient.attributes['server.address'], '127.0.0.1');
        assert.equal(aClient.attributes['server.port'], bPort);
        assert.equal(aClient.attributes['network.peer.port'], bPort);

        assert.equal(bServer.attributes['url.path'], '/hello');
        assert.equal(bServer.attributes['server.port'], bPort);
        assert.equal(bServer.attributes['client.address'], '127.0.0.1');
        assert.equal(bServer.attributes['user_agent.original'], undefined, 'A sent no User-Agent');

        const received = JSON.parse(reply.body) as { body: { traceparent: string } };
        assert.match(received.body.traceparent, new RegExp(`^00-${aServer.traceId}-${aClient.spanId}-0[13]$`));
      });
    }

    it('continues a valid incoming traceparent and starts a new trace for a malformed one', async function () {
      const traceId = hex(16);
      const parent = hex(8);
      await send(aPort, '/call-b?case=continue', { headers: { traceparent: `00-${traceId}-${parent}-01` } });
      const trace = await traceOf(rx, '/call-b', 'case=continue', 3);
      const aServer = pick(trace, 'svc-a', SPAN_KIND_SERVER);
      assert.equal(aServer.traceId, traceId);
      assert.equal(aServer.parentSpanId, parent);
      assert.equal(pick(trace, 'svc-b', SPAN_KIND_SERVER).traceId, traceId);

      await send(aPort, '/call-b?case=malformed', { headers: { traceparent: `00-${traceId}-zz-01` } });
      const fresh = pick(await traceOf(rx, '/call-b', 'case=malformed', 3), 'svc-a', SPAN_KIND_SERVER);
      assert.notEqual(fresh.traceId, traceId);
      assert.match(fresh.traceId, /^[0-9a-f]{32}$/);
      assert.equal(fresh.parentSpanId, undefined);
    });

    it('marks a 5xx SERVER span as an error, and a 4xx only on the CLIENT side', async function () {
      await send(aPort, '/call-b?target=/fail');
      const failed = await traceOf(rx, '/call-b', 'target=/fail', 3);
      const failedServer = pick(failed, 'svc-b', SPAN_KIND_SERVER);
      assert.equal(failedServer.status.code, STATUS_ERROR);
      assert.equal(failedServer.attributes['http.response.status_code'], 500);
      assert.equal(failedServer.attributes['error.type'], '500');
      assert.equal(pick(failed, 'svc-a', SPAN_KIND_CLIENT).status.code, STATUS_ERROR);
      assert.equal(pick(failed, 'svc-a', SPAN_KIND_SERVER).status.code, STATUS_UNSET, 'A itself answered 200');

      await send(aPort, '/call-b?target=/missing');
      const missing = await traceOf(rx, '/call-b', 'target=/missing', 3);
      const missingServer = pick(missing, 'svc-b', SPAN_KIND_SERVER);
      assert.equal(missingServer.attributes['http.response.status_code'], 404);
      assert.equal(missingServer.status.code, STATUS_UNSET);
      assert.equal(missingServer.attributes['error.type'], undefined);
      const missingClient = pick(missing, 'svc-a', SPAN_KIND_CLIENT);
      assert.equal(missingClient.status.code, STATUS_ERROR);
      assert.equal(missingClient.attributes['error.type'], '404');
      assert.equal(missingClient.attributes['http.response.status_code'], 404);
    });

    it('records a refused connection on the CLIENT span and still hands the app its error event', async function () {
      const reply = await send(aPort, '/closed');
      const seen = JSON.parse(reply.body) as { code: string; message: string; isError: boolean };
      assert.deepEqual([seen.code, seen.isError], ['ECONNREFUSED', true]);
      const client = pick(await traceOf(rx, '/closed', undefined, 2), 'svc-a', SPAN_KIND_CLIENT);
      assert.equal(client.status.code, STATUS_ERROR);
      assert.equal(client.attributes['error.type'], 'ECONNREFUSED');
      assert.equal(client.attributes['server.port'], refusedPort);
      assert.equal(client.attributes['http.response.status_code'], undefined);
      assert.equal(exceptionMessage(client), seen.message);
    });

    it('reports unknown methods as _OTHER with the original, on the client and the server', async function () {
      // Node's server parser rejects FOO with a 400 before any 'request' event: only the client span exists.
      await send(aPort, '/call-b?via=request&method=foo');
      const client = pick(await traceOf(rx, '/call-b', 'via=request&method=foo', 2), 'svc-a', SPAN_KIND_CLIENT);
      assert.equal(client.name, 'HTTP');
      assert.equal(client.attributes['http.request.method'], '_OTHER');
      assert.equal(client.attributes['http.request.method_original'], 'FOO', 'Node sends the method upper-cased');
      assert.equal(client.attributes['error.type'], '400');

      const reply = await send(aPort, '/echo?case=purge', { method: 'PURGE' });
      assert.equal(reply.status, 200);
      const [server] = await spansWhere(rx, (s) => s.attributes['url.query'] === 'case=purge', 1);
      assert.equal(server.name, 'HTTP');
      assert.equal(server.attributes['http.request.method'], '_OTHER');
      assert.equal(server.attributes['http.request.method_original'], 'PURGE');
    });

    it('keeps the server span active in the request body events (a call made on the body end is its child)', async function () {
      const reply = await send(aPort, '/body-then-call', { method: 'POST', body: 'payload' });
      assert.equal(reply.status, 200);
      const trace = await traceOf(rx, '/body-then-call', undefined, 3);
      const aServer = pick(trace, 'svc-a', SPAN_KIND_SERVER);
      const aClient = pick(trace, 'svc-a', SPAN_KIND_CLIENT);
      assert.equal(aServer.name, 'POST');
      assert.equal(aClient.parentSpanId, aServer.spanId);
      assert.equal(pick(trace, 'svc-b', SPAN_KIND_SERVER).parentSpanId, aClient.spanId);
    });

    it('makes no span for OTEL_NODE_EXCLUDED_URLS paths, nor for the calls they make', async function () {
      const health = await send(aPort, '/health');
      assert.equal(health.status, 200);
      const received = JSON.parse(health.body) as { body: { traceparent: string | null } };
      assert.equal(received.body.traceparent, null, 'nothing injected from an excluded request');
      // B is not excluded: its span arrives, a root of its own.
      const [bServer] = await spansWhere(rx, (s) => s.attributes['url.query'] === 'from=health', 1);
      assert.equal(bServer.parentSpanId, undefined);
      await send(aPort, '/echo?case=after-health');
      // Spans are exported in the order they end: once the later request's span is in, the
      // health check's would be too.
      await spansWhere(rx, (s) => s.attributes['url.query'] === 'case=after-health', 1);
      assert.deepEqual(rx.spans.filter((s) => s.attributes['url.path'] === '/health'), []);
      assert.deepEqual(rx.spans.filter((s) => service(s) === 'svc-a' && String(s.attributes['url.full']).includes('from=health')), []);
    });

    it('redacts credentials and sensitive query values, and no exported attribute carries them', async function () {
      await send(aPort, '/secret');
      const trace = await traceOf(rx, '/secret', undefined, 3);
      assert.equal(
        pick(trace, 'svc-a', SPAN_KIND_CLIENT).attributes['url.full'],
        `http://REDACTED:REDACTED@127.0.0.1:${bPort}/x?sig=REDACTED&token=REDACTED&keep=1`,
      );
      assert.equal(pick(trace, 'svc-b', SPAN_KIND_SERVER).attributes['url.query'], 'sig=REDACTED&token=REDACTED&keep=1');
      const basic = Buffer.from('user:pass').toString('base64');
      for (const span of rx.spans) {
        const text = JSON.stringify([span.name, span.attributes, span.events.map((e) => e.attributes), span.status.message]);
        for (const secret of ['user:pass', ':pass@', 'sig=abc', 'token=t&', basic]) {
          assert.ok(!text.includes(secret), `${secret} leaked in ${span.name}: ${text}`);
        }
      }
    });

    it('captures the configured request and response headers on both sides', async function () {
      await send(aPort, '/call-b?case=tenant', { headers: { 'x-tenant': 'acme' } });
      const trace = await traceOf(rx, '/call-b', 'case=tenant', 3);
      const aServer = pick(trace, 'svc-a', SPAN_KIND_SERVER);
      const aClient = pick(trace, 'svc-a', SPAN_KIND_CLIENT);
      const bServer = pick(trace, 'svc-b', SPAN_KIND_SERVER);
      assert.deepEqual(aServer.attributes['http.request.header.x-tenant'], ['acme']);
      assert.deepEqual(aServer.attributes['http.response.header.x-served-by'], ['a']);
      assert.deepEqual(aClient.attributes['http.request.header.x-tenant'], ['acme']);
      assert.deepEqual(aClient.attributes['http.response.header.x-served-by'], ['b']);
      assert.deepEqual(bServer.attributes['http.request.header.x-tenant'], ['acme']);
      assert.equal(bServer.attributes['http.response.header.x-served-by'], undefined, 'B captures no response headers');
    });

    it('passes an error thrown by a request listener to uncaughtException as is, and still ends the span', async function () {
      const reply = await send(aPort, '/throw');
      assert.equal(reply.status, 500);
      assert.deepEqual(JSON.parse(reply.body), { same: true });
      await a!.waitForOutput(/uncaught same=true/);
      const [server] = await spansWhere(rx, (s) => s.attributes['url.path'] === '/throw', 1);
      assert.equal(server.status.code, STATUS_ERROR);
      assert.equal(server.attributes['http.response.status_code'], 500);
      assert.equal(exceptionMessage(server), 'listener failed on purpose');
    });

    it("never traces the agent's own export requests", async function () {
      await spansWhere(rx, () => true, 10);
      assert.ok(rx.requests.length > 1, 'several export requests were made');
      const own = rx.spans.filter((s) => s.attributes['server.port'] === rx.port || s.attributes['url.path'] === '/v1/traces');
      assert.deepEqual(own, []);
    });
  });

  describe("the request's and response's events: the span's context only where the app listens", function () {
    let app: RunningApp | undefined;
    let port: number;

    before(async function () {
      app = startApp({
        file: path.join(DIR, 'node-listeners.cjs'),
        preload: '--require',
        env: { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
      });
      port = Number((await app.waitForOutput(/listening on (\d+)/))[1]);
    });

    after(async function () {
      app?.kill('SIGKILL');
      await app?.exited;
    });

    type Seen = { end?: boolean; finish?: boolean; custom?: boolean; prefinish?: boolean };
    async function report(): Promise<{ runsBefore: number; seen: Seen }> {
      const reply = await send(port, '/report');
      return JSON.parse(reply.body) as { runsBefore: number; seen: Seen };
    }

    it("enters the context once per request when only Node's own server listeners hear 'end' and 'finish'", async function () {
      const before = (await report()).runsBefore;
      for (let i = 0; i < 5; i++) assert.equal((await send(port, '/plain')).body, 'plain');
      // Each /plain request: its 'request' event; then the /report request's own.
      assert.equal((await report()).runsBefore - before, 5 + 1);
    });

    it("does not enter the request's context for Node's listener when the response ends in another span's", async function () {
      const before = (await report()).runsBefore;
      for (let i = 0; i < 5; i++) assert.equal((await send(port, '/in-span')).body, 'in span');
      // Each /in-span request: its 'request' event and the handler's span; then /report's own.
      assert.equal((await report()).runsBefore - before, 5 * 2 + 1);
    });

    it("runs the app's own 'end' and 'finish' listeners in the request's span context", async function () {
      assert.equal((await send(port, '/listening')).body, 'listened');
      const { seen } = await report();
      assert.equal(seen.end, true);
      assert.equal(seen.finish, true);
    });

    it("runs the app's listeners of other events (its own, 'prefinish') in the request's span context while another span is active", async function () {
      assert.equal((await send(port, '/other-events')).body, 'other events');
      const { seen } = await report();
      assert.equal(seen.custom, true, "the request's own event");
      assert.equal(seen.prefinish, true, "the response's 'prefinish'");
    });
  });

  describe('a sampler that drops every new trace (OTEL_TRACES_SAMPLER=parentbased_always_off)', function () {
    let rx: Receiver;
    let app: RunningApp | undefined;
    let port: number;
    const TRACE_ID = hex(16);
    const PARENT_ID = hex(8);

    before(async function () {
      rx = await startReceiver({ protocol: 'http/protobuf' });
      app = startApp({
        file: path.join(DIR, 'sampled-out.cjs'),
        preload: '--require',
        env: {
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: rx.endpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
          OTEL_BSP_SCHEDULE_DELAY: '50',
          OTEL_TRACES_SAMPLER: 'parentbased_always_off',
        },
      });
      port = Number((await app.waitForOutput(/listening on (\d+)/))[1]);
    });

    after(async function () {
      app?.kill('SIGKILL');
      await app?.exited;
      await rx?.close();
    });

    async function front(traceparent?: string, headerName = 'traceparent'): Promise<{ seen: { traceId: string; recording: boolean } | null; back: string | null }> {
      const reply = await send(port, '/front', { headers: traceparent === undefined ? {} : { [headerName]: traceparent } });
      assert.equal(reply.status, 200, reply.body);
      return JSON.parse(reply.body) as { seen: { traceId: string; recording: boolean } | null; back: string | null };
    }

    it('a request without trace context gets no span at all, and its calls still say "not sampled"', async function () {
      const { seen, back } = await front();
      assert.equal(seen, null, 'no span is active in the handler');
      assert.match(String(back), /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[02]$/, 'the outgoing call carries a not-sampled traceparent');
      assert.ok(!String(back).includes(TRACE_ID));
    });

    it('a request with a sampled parent is traced: server, client and the second server span', async function () {
      const { seen, back } = await front(`00-${TRACE_ID}-${PARENT_ID}-01`);
      assert.deepEqual(seen, { traceId: TRACE_ID, recording: true });
      const [server] = await spansWhere(rx, (s) => s.traceId === TRACE_ID && s.kind === SPAN_KIND_SERVER && s.attributes['url.path'] === '/front', 1);
      const [client] = await spansWhere(rx, (s) => s.traceId === TRACE_ID && s.kind === SPAN_KIND_CLIENT, 1);
      await spansWhere(rx, (s) => s.traceId === TRACE_ID && s.kind === SPAN_KIND_SERVER && s.attributes['url.path'] === '/back', 1);
      assert.equal(server.parentSpanId, PARENT_ID);
      assert.equal(client.parentSpanId, server.spanId);
      assert.equal(back, `00-${TRACE_ID}-${client.spanId}-01`);
    });

    it('finds the trace context whatever the case of the header name', async function () {
      const traceId = hex(16);
      const { seen } = await front(`00-${traceId}-${PARENT_ID}-01`, 'TraceParent');
      assert.deepEqual(seen, { traceId, recording: true });
      const [server] = await spansWhere(rx, (s) => s.traceId === traceId && s.kind === SPAN_KIND_SERVER && s.attributes['url.path'] === '/front', 1);
      assert.equal(server.parentSpanId, PARENT_ID);
      await spansWhere(rx, (s) => s.traceId === traceId, 3); // all of this request's spans are in before the next test counts
    });

    it('a request with a not-sampled parent records nothing but passes the trace on', async function () {
      const before = rx.spans.length;
      const { seen, back } = await front(`00-${TRACE_ID}-${PARENT_ID}-00`);
      assert.deepEqual(seen, { traceId: TRACE_ID, recording: false });
      assert.match(String(back), new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`));
      // One more traced request flushes the queue: whatever the first two made has arrived by then.
      const marker = hex(16);
      await front(`00-${marker}-${PARENT_ID}-01`);
      await spansWhere(rx, (s) => s.traceId === marker, 3);
      const unexpected = rx.spans.slice(before).filter((s) => s.traceId !== marker);
      assert.deepEqual(unexpected, []);
    });
  });

  describe('single-process apps (console JSON)', function () {
    const self = path.join(DIR, 'self-call.cjs');

    it('patches http.request/get keeping name and length, injects traceparent, and traces both sides', async function () {
      const run = await runApp({ file: self, preload: '--require', env: CONSOLE_JSON });
      assert.equal(run.code, 0, run.stderr);
      const { spans, result } = parseOutput(run.stdout);
      assert.equal(result.requestPatched, true);
      assert.equal(result.getPatched, true);
      assert.deepEqual(
        [result.requestName, result.requestLength, result.getName, result.getLength],
        [http.request.name, http.request.length, 'get', http.get.length],
      );
      const client = spans.find((s) => s.kind === 'CLIENT');
      const server = spans.find((s) => s.kind === 'SERVER');
      assert.ok(client !== undefined && server !== undefined, run.stdout);
      assert.equal(spans.length, 2);
      assert.equal(server.parentSpanId, client.spanId);
      assert.equal(result.traceparent, `00-${client.traceId}-${client.spanId}-03`);
    });

    it('with OTEL_NODE_DISABLED_INSTRUMENTATIONS=http: nothing patched, no span, no header', async function () {
      const run = await runApp({ file: self, preload: '--require', env: { ...CONSOLE_JSON, OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http' } });
      assert.equal(run.code, 0, run.stderr);
      const { spans, result } = parseOutput(run.stdout);
      assert.equal(result.requestPatched, false);
      assert.equal(result.getPatched, false);
      assert.equal(result.traceparent, null);
      assert.deepEqual(spans, []);
    });

    it('sampled out: no span is recorded, but the (unsampled) context still propagates', async function () {
      const run = await runApp({ file: self, preload: '--require', env: { ...CONSOLE_JSON, OTEL_TRACES_SAMPLER: 'always_off' } });
      assert.equal(run.code, 0, run.stderr);
      const { spans, result } = parseOutput(run.stdout);
      assert.deepEqual(spans, []);
      assert.match(String(result.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[02]$/);
    });

    it('traces named ES module imports of node:http ({ request, get })', async function () {
      const run = await runApp({ file: path.join(DIR, 'named-imports.mjs'), preload: '--import', env: CONSOLE_JSON });
      assert.equal(run.code, 0, run.stderr);
      const { spans, result } = parseOutput(run.stdout);
      const clients = spans.filter((s) => s.kind === 'CLIENT');
      const servers = spans.filter((s) => s.kind === 'SERVER');
      assert.deepEqual(clients.map((s) => s.name).sort(), ['GET', 'POST']);
      for (const server of servers) {
        const client = clients.find((c) => c.spanId === server.parentSpanId);
        assert.ok(client !== undefined, `server span ${server.name} has its client span as parent`);
        assert.equal(client.name, server.name);
      }
      assert.equal(servers.length, 2);
      const received = result.received as string[];
      assert.deepEqual([...received].sort(), servers.map((s) => `00-${s.traceId}-${s.parentSpanId}-03`).sort());
    });

    it('traces node:https servers and clients (https.get, https.request with options)', async function () {
      const run = await runApp({ file: path.join(DIR, 'https-self.mjs'), preload: '--import', env: CONSOLE_JSON });
      assert.equal(run.code, 0, run.stderr);
      const { spans, result } = parseOutput(run.stdout);
      const get = spans.find((s) => s.kind === 'CLIENT' && s.name === 'GET');
      const put = spans.find((s) => s.kind === 'CLIENT' && s.name === 'PUT');
      assert.ok(get !== undefined && put !== undefined, run.stdout);
      assert.match(String(get.attributes['url.full']), /^https:\/\/127\.0\.0\.1:\d+\/via-get$/);
      assert.match(String(put.attributes['url.full']), /^https:\/\/127\.0\.0\.1:\d+\/via-request\?sig=REDACTED$/);
      const servers = spans.filter((s) => s.kind === 'SERVER');
      assert.equal(servers.length, 2);
      for (const server of servers) {
        assert.equal(server.attributes['url.scheme'], 'https');
        assert.ok([get.spanId, put.spanId].includes(server.parentSpanId ?? ''), 'child of its client span');
      }
      assert.equal((result.received as unknown[]).length, 2);
      assert.ok(!run.stdout.includes('s3cr3t'), 'the signature never appears');
    });

    // However the app gets node:https after start, what it gets is patched (a lazy patch would
    // have to see all three ways, the last of which resolves nothing).
    for (const how of ['import', 'require', 'getBuiltinModule']) {
      it(`traces node:https that the app gets after start, by ${how}`, async function () {
        const run = await runApp({ file: path.join(DIR, 'https-first-load.mjs'), preload: '--import', env: { ...CONSOLE_JSON, HTTPS_LOAD: how } });
        assert.equal(run.code, 0, run.stderr);
        const { spans, result } = parseOutput(run.stdout);
        const client = spans.find((s) => s.kind === 'CLIENT');
        const server = spans.find((s) => s.kind === 'SERVER');
        assert.ok(client !== undefined && server !== undefined, run.stdout);
        assert.match(String(client.attributes['url.full']), /^https:\/\/127\.0\.0\.1:\d+\/late$/);
        assert.equal(server.attributes['url.scheme'], 'https');
        assert.equal(server.parentSpanId, client.spanId);
        assert.deepEqual(result.received, [`00-${client.traceId}-${client.spanId}-03`]);
      });
    }

    it('leaves a crash from a request listener as it is: same exit, report pointing at the app', async function () {
      const run = await runApp({ file: path.join(DIR, 'throw-crash.cjs'), preload: '--require', env: CONSOLE_JSON });
      assert.equal(run.code, 1, 'the process dies as it would without the agent');
      const [firstLine] = run.stderr.split('\n');
      assert.match(firstLine, /throw-crash\.cjs:7$/, `the crash report points at the app's throw: ${run.stderr}`);
      assert.match(run.stderr, /Error: crash on purpose/);
    });

    it('ends client spans on timeout, abort, an unread body, and synchronous throws (rethrown as is)', async function () {
      const run = await runApp({ file: path.join(DIR, 'client-edges.cjs'), preload: '--require', env: CONSOLE_JSON });
      assert.equal(run.code, 0, run.stderr);
      const { spans, result } = parseOutput(run.stdout);
      const clients = spans.filter((s) => s.kind === 'CLIENT');
      const byCase = (name: string): JsonSpan => {
        const span = clients.find((s) => String(s.attributes['url.full']).includes(`case=${name}`));
        assert.ok(span !== undefined, `client span for ${name} in ${run.stdout}`);
        return span;
      };

      assert.equal(result.timeout, 'ECONNRESET', 'the app destroyed the request on timeout');
      assert.equal(byCase('timeout').attributes['error.type'], 'timeout');
      assert.equal(byCase('timeout').status.code, 'ERROR');
      assert.equal(result.abort, 'AbortError');
      assert.equal(byCase('abort').attributes['error.type'], 'ABORT_ERR');
      assert.equal(result.unreadStatus, 200);
      assert.equal(byCase('unread').attributes['http.response.status_code'], 200);
      assert.equal(byCase('unread').status.code, 'UNSET');

      const thrown: Record<string, string> = {
        invalidUrl: 'ERR_INVALID_URL',
        invalidHeader: 'ERR_INVALID_CHAR',
        invalidMethod: 'ERR_INVALID_HTTP_TOKEN',
      };
      for (const [name, code] of Object.entries(thrown)) {
        const seen = result[name] as { code: string; message: string };
        assert.equal(seen.code, code, `${name}: the app caught Node's own error`);
        const span = clients.find((s) => s.attributes['error.type'] === code);
        assert.ok(span !== undefined, `span for ${name}`);
        assert.equal(span.status.code, 'ERROR');
        assert.equal(span.events.find((e) => e.name === 'exception')?.attributes['exception.message'], seen.message);
      }
      // Every span that started also ended: as many client spans as requests attempted.
      assert.equal(clients.length, 6);
    });
  });
});
