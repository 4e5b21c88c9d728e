import assert from 'node:assert/strict';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Sampler } from '@opentelemetry/api';
import { UndiciRequests } from '../../instrumentations/undici/requests';
import { UndiciSpans } from '../../instrumentations/undici/spans';
import type { UndiciRequest } from '../../instrumentations/undici/types';
import { createHttpSemantics } from '../../instrumentations/shared/http-semantics';
import type { HttpInstrumentationConfig } from '../../src/config/types';
import { AsyncLocalStorageContextManager } from '../../src/context/als-context-manager';
import { suppressTracing } from '../../src/context/suppress';
import { W3CTraceContextPropagator } from '../../src/propagation';
import { AlwaysOffSampler, AlwaysOnSampler } from '../../src/sdk/sampler';
import type { SpanData } from '../../src/sdk/span-data';
import { httpConfig } from '../kit/instrumentation-config';
import { recordingProvider } from '../kit/recording';

/** undici's Request as the channels publish it (undici 6+ shape), with addHeader. */
class FakeRequest implements UndiciRequest {
  headers: Array<string | string[]>;
  constructor(
    readonly method: string,
    readonly origin: string,
    readonly path: string,
    headers: Array<string | string[]> = [],
    readonly host: string | null = null,
  ) {
    this.headers = headers;
  }
  addHeader(name: string, value: string): this {
    this.headers.push(name, value);
    return this;
  }
  valuesOf(name: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.headers.length; i += 2) if (String(this.headers[i]).toLowerCase() === name) out.push(String(this.headers[i + 1]));
    return out;
  }
}

const ORIGIN = 'http://127.0.0.1:8080';
const raw = (...pairs: string[]): Buffer[] => pairs.map((p) => Buffer.from(p));

/** Collects spans synchronously as they end: the tests check what ended when. */
function setup(http: Partial<HttpInstrumentationConfig> = {}, sampler: Sampler = new AlwaysOnSampler()) {
  const { provider, ended: exporter } = recordingProvider(sampler);
  const config = httpConfig(http);
  const semantics = createHttpSemantics(config);
  const undiciSpans = new UndiciSpans(provider.getTracer('otelite/undici'), semantics);
  // The channels' subscriber (no metrics here): what the tests publish goes through it.
  const spans = new UndiciRequests(semantics, undiciSpans, undefined);
  return { exporter, spans, pending: () => undiciSpans.pending };
}

function attributes(span: SpanData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  span.attributeKeys.forEach((key, i) => (out[key] = span.attributeValues[i]));
  return out;
}

describe('undici: spans from request events', () => {
  const manager = new AsyncLocalStorageContextManager();
  before(() => {
    manager.enable();
    context.setGlobalContextManager(manager);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  after(() => {
    propagation.disable();
    context.disable();
    manager.disable();
  });

  it('starts a CLIENT span with the stable attributes and injects its context through addHeader', () => {
    const { exporter, spans, pending } = setup();
    const request = new FakeRequest('GET', ORIGIN, '/items?sig=s3cret&page=2', ['User-Agent', 'app/1.0']);
    spans.onCreate({ request });
    assert.equal(pending(), 1);
    assert.equal(exporter.spans.length, 0, 'the span is open until the response headers arrive');

    spans.onSendHeaders({ request, socket: { remoteAddress: '127.0.0.1', remotePort: 8080, alpnProtocol: false } });
    spans.onResponseHeaders({ request, response: { statusCode: 200, headers: raw('content-length', '2') } });
    assert.equal(pending(), 0);
    assert.equal(exporter.spans.length, 1);
    const span = exporter.spans[0];
    assert.equal(span.name, 'GET');
    assert.equal(span.kind, SpanKind.CLIENT);
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assert.deepEqual(attributes(span), {
      'http.request.method': 'GET',
      'url.full': 'http://127.0.0.1:8080/items?sig=REDACTED&page=2',
      'server.address': '127.0.0.1',
      'server.port': 8080,
      'user_agent.original': 'app/1.0',
      'network.peer.address': '127.0.0.1',
      'network.peer.port': 8080,
      'network.protocol.version': '1.1',
      'http.response.status_code': 200,
    });
    assert.deepEqual(request.valuesOf('traceparent'), [`00-${span.traceId}-${span.spanId}-03`]);
  });

  it('is a child of the span active where the request was created', () => {
    const { exporter, spans } = setup();
    const parent = trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, isRemote: false });
    const request = new FakeRequest('GET', ORIGIN, '/');
    context.with(trace.setSpan(ROOT_CONTEXT, parent), () => spans.onCreate({ request }));
    spans.onResponseHeaders({ request, response: { statusCode: 204, headers: [] } });
    assert.equal(exporter.spans[0].traceId, 'a'.repeat(32));
    assert.equal(exporter.spans[0].parentSpanId, 'b'.repeat(16));
  });

  it('does not add a second traceparent when the caller set one', () => {
    const { exporter, spans } = setup();
    const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const request = new FakeRequest('GET', ORIGIN, '/', ['TraceParent', own]);
    spans.onCreate({ request });
    spans.onResponseHeaders({ request, response: { statusCode: 200, headers: [] } });
    assert.deepEqual(request.valuesOf('traceparent'), [own]);
    assert.equal(exporter.spans.length, 1, 'the request is still traced');
  });

  it('does nothing in a suppressed context (the agent’s own export requests)', () => {
    const { exporter, spans, pending } = setup();
    const request = new FakeRequest('POST', ORIGIN, '/v1/traces');
    context.with(suppressTracing(ROOT_CONTEXT), () => spans.onCreate({ request }));
    spans.onResponseHeaders({ request, response: { statusCode: 200, headers: [] } });
    assert.equal(pending(), 0);
    assert.equal(exporter.spans.length, 0);
    assert.deepEqual(request.headers, [], 'no header was injected');
  });

  it('does nothing for excluded URLs, by path pattern or by full-URL pattern', () => {
    const { exporter, spans } = setup({ excludedUrls: ['/health*', 'http://127.0.0.1:8080/metrics'] });
    for (const path of ['/health', '/healthz?x=1', '/metrics']) {
      const request = new FakeRequest('GET', ORIGIN, path);
      spans.onCreate({ request });
      spans.onResponseHeaders({ request, response: { statusCode: 200, headers: [] } });
      assert.deepEqual(request.headers, [], `${path}: no header injected`);
    }
    const kept = new FakeRequest('GET', ORIGIN, '/metrics/x');
    spans.onCreate({ request: kept });
    spans.onResponseHeaders({ request: kept, response: { statusCode: 200, headers: [] } });
    assert.deepEqual(
      exporter.spans.map((s) => attributes(s)['url.full']),
      ['http://127.0.0.1:8080/metrics/x'],
    );
  });

  it('marks 4xx and 5xx responses as errors with error.type = the status code', () => {
    const { exporter, spans } = setup();
    for (const statusCode of [404, 503, 302]) {
      const request = new FakeRequest('GET', ORIGIN, `/${statusCode}`);
      spans.onCreate({ request });
      spans.onResponseHeaders({ request, response: { statusCode, headers: [] } });
    }
    const [notFound, unavailable, redirect] = exporter.spans;
    assert.equal(notFound.status.code, SpanStatusCode.ERROR);
    assert.equal(attributes(notFound)['error.type'], '404');
    assert.equal(unavailable.status.code, SpanStatusCode.ERROR);
    assert.equal(attributes(unavailable)['error.type'], '503');
    assert.equal(redirect.status.code, SpanStatusCode.UNSET);
    assert.equal(attributes(redirect)['error.type'], undefined);
  });

  it('waits past interim 1xx responses for the final one, but 101 is final', () => {
    const { exporter, spans } = setup();
    const request = new FakeRequest('POST', ORIGIN, '/upload');
    spans.onCreate({ request });
    spans.onResponseHeaders({ request, response: { statusCode: 100, headers: [] } });
    spans.onResponseHeaders({ request, response: { statusCode: 103, headers: [] } });
    assert.equal(exporter.spans.length, 0);
    spans.onResponseHeaders({ request, response: { statusCode: 201, headers: [] } });
    assert.equal(attributes(exporter.spans[0])['http.response.status_code'], 201);

    const upgrade = new FakeRequest('GET', ORIGIN, '/ws');
    spans.onCreate({ request: upgrade });
    spans.onResponseHeaders({ request: upgrade, response: { statusCode: 101, headers: [] } });
    assert.equal(exporter.spans.length, 2);
  });

  it('ends with the error when the request fails before a response: error.type from the code or the name', () => {
    const { exporter, spans, pending } = setup();
    const refused = new FakeRequest('GET', 'http://127.0.0.1:1', '/');
    spans.onCreate({ request: refused });
    spans.onError({ request: refused, error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    const aborted = new FakeRequest('GET', ORIGIN, '/slow');
    spans.onCreate({ request: aborted });
    spans.onError({ request: aborted, error: new DOMException('This operation was aborted', 'AbortError') });
    assert.equal(pending(), 0);

    const [a, b] = exporter.spans;
    assert.equal(a.status.code, SpanStatusCode.ERROR);
    assert.equal(attributes(a)['error.type'], 'ECONNREFUSED');
    assert.equal(a.events[0].name, 'exception');
    assert.equal(attributes(a)['http.response.status_code'], undefined);
    assert.equal(b.status.code, SpanStatusCode.ERROR);
    assert.equal(attributes(b)['error.type'], 'AbortError');
  });

  it('ends every span at the headers when no body is ever read: nothing stays pending, later events change nothing', () => {
    const { exporter, spans, pending } = setup();
    const requests: FakeRequest[] = [];
    for (let i = 0; i < 1000; i++) {
      const request = new FakeRequest('GET', ORIGIN, `/big/${i}`);
      requests.push(request);
      spans.onCreate({ request });
      spans.onResponseHeaders({ request, response: { statusCode: 200, headers: [] } });
      // no trailers: the app never reads the body
    }
    assert.equal(pending(), 0, 'no span is waiting for a body nobody reads');
    assert.equal(exporter.spans.length, 1000);
    const endTimes = exporter.spans.map((s) => s.endTime);
    // The body is abandoned later (GC, socket closed): the events arrive after the span ended.
    for (const request of requests.slice(0, 10)) {
      spans.onError({ request, error: new Error('other side closed') });
      spans.onTrailers({ request });
    }
    assert.equal(exporter.spans.length, 1000, 'no span is ended twice');
    assert.deepEqual(exporter.spans.map((s) => s.endTime), endTimes);
    assert.ok(exporter.spans.every((s) => s.status.code === SpanStatusCode.UNSET && s.events.length === 0));
  });

  it('ends on trailers when a request completes without a headers event', () => {
    const { exporter, spans, pending } = setup();
    const request = new FakeRequest('GET', ORIGIN, '/');
    spans.onCreate({ request });
    spans.onTrailers({ request });
    assert.equal(exporter.spans.length, 1);
    assert.equal(pending(), 0);
  });

  it('names a span HTTP for a method it does not know, keeping the original', () => {
    const { exporter, spans } = setup();
    const request = new FakeRequest('PURGE', ORIGIN, '/cache');
    spans.onCreate({ request });
    spans.onResponseHeaders({ request, response: { statusCode: 200, headers: [] } });
    assert.equal(exporter.spans[0].name, 'HTTP');
    assert.equal(attributes(exporter.spans[0])['http.request.method'], '_OTHER');
    assert.equal(attributes(exporter.spans[0])['http.request.method_original'], 'PURGE');
  });

  it('leaves CONNECT (a proxy tunnel being opened) alone', () => {
    const { exporter, spans } = setup();
    const request = new FakeRequest('CONNECT', 'http://proxy:3128', 'example.com:443');
    spans.onCreate({ request });
    spans.onResponseHeaders({ request, response: { statusCode: 200, headers: [] } });
    assert.equal(exporter.spans.length, 0);
    assert.deepEqual(request.headers, []);
  });

  it('propagates an unsampled context and keeps nothing for a sampled-out request', () => {
    const { exporter, spans, pending } = setup({}, new AlwaysOffSampler());
    const request = new FakeRequest('GET', ORIGIN, '/');
    spans.onCreate({ request });
    assert.equal(pending(), 0);
    const [traceparent] = request.valuesOf('traceparent');
    assert.match(traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-02$/);
    spans.onResponseHeaders({ request, response: { statusCode: 200, headers: [] } });
    assert.equal(exporter.spans.length, 0);
  });

  it('captures the configured request and response headers as string arrays', () => {
    const { exporter, spans } = setup({ clientRequestHeaders: ['x-request-id', 'x-absent'], clientResponseHeaders: ['content-type', 'set-cookie'] });
    const request = new FakeRequest('GET', ORIGIN, '/', ['X-Request-Id', 'r-1', 'x-other', 'no']);
    spans.onCreate({ request });
    spans.onResponseHeaders({
      request,
      response: { statusCode: 200, headers: raw('Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'set-cookie', 'b=2') },
    });
    const attrs = attributes(exporter.spans[0]);
    assert.deepEqual(attrs['http.request.header.x-request-id'], ['r-1']);
    assert.equal(attrs['http.request.header.x-absent'], undefined);
    assert.equal(attrs['http.request.header.x-other'], undefined);
    assert.deepEqual(attrs['http.response.header.content-type'], ['text/plain']);
    assert.deepEqual(attrs['http.response.header.set-cookie'], ['a=1', 'b=2']);
  });

  it('reads HTTP/2 sockets as protocol version 2 and keeps the Host header as server.address', () => {
    const { exporter, spans } = setup();
    const request = new FakeRequest('GET', 'https://10.0.0.1:8443', '/', [], 'api.example.com');
    spans.onCreate({ request });
    spans.onSendHeaders({ request, socket: { remoteAddress: '10.0.0.1', remotePort: 8443, alpnProtocol: 'h2' } });
    spans.onResponseHeaders({ request, response: { statusCode: 200, headers: { 'content-type': 'text/plain' } } });
    const attrs = attributes(exporter.spans[0]);
    assert.equal(attrs['network.protocol.version'], '2');
    assert.equal(attrs['server.address'], 'api.example.com');
    assert.equal(attrs['server.port'], 443);
    assert.equal(attrs['network.peer.address'], '10.0.0.1');
  });
});
