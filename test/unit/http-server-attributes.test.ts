import assert from 'node:assert/strict';
import type { AttributeValue, Span } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import { protocolVersion, requestPath, setServerAttributes } from '../../instrumentations/http/server-attributes';
import { createHttpSemantics, parseHostHeader } from '../../instrumentations/shared/http-semantics';
import { readConfig } from '../../src/config';

/** Just enough of a Span to collect attributes. */
function recorder(): { span: Span; attributes: Record<string, AttributeValue> } {
  const attributes: Record<string, AttributeValue> = {};
  const span = {
    setAttribute(key: string, value: AttributeValue) {
      attributes[key] = value;
      return span;
    },
  } as unknown as Span;
  return { span, attributes };
}

function request(url: string, headers: Record<string, string>, socket: Record<string, unknown> = {}): IncomingMessage {
  return {
    url,
    method: 'GET',
    httpVersion: '1.1',
    headers,
    socket: { remoteAddress: '10.0.0.9', remotePort: 51000, localAddress: '10.0.0.1', localPort: 8080, ...socket },
  } as unknown as IncomingMessage;
}

function attributesOf(req: IncomingMessage, env: Record<string, string> = {}): Record<string, AttributeValue> {
  const { span, attributes } = recorder();
  setServerAttributes(span, req, req.url ?? '/', req.method ?? 'GET', createHttpSemantics(readConfig(env).config.http));
  return attributes;
}

describe('http server: span attributes', function () {
  it('reads path, redacted query, Host, peer, version and user agent', function () {
    const attributes = attributesOf(request('/search?q=x&sig=secret', { host: 'shop.example:8443', 'user-agent': 'curl/8' }));
    assert.deepEqual(attributes, {
      'http.request.method': 'GET',
      'url.path': '/search',
      'url.query': 'q=x&sig=REDACTED',
      'url.scheme': 'http',
      'server.address': 'shop.example',
      'server.port': 8443,
      'client.address': '10.0.0.9',
      'network.peer.address': '10.0.0.9',
      'network.peer.port': 51000,
      'network.protocol.version': '1.1',
      'user_agent.original': 'curl/8',
    });
  });

  it("reads a connection's peer once, for every request it carries, and each connection its own", function () {
    let reads = 0;
    const connection = (address: string | undefined, port: number) => ({
      get remoteAddress() {
        reads++;
        return address;
      },
      get remotePort() {
        reads++;
        return port;
      },
    });
    // The socket itself, not a copy (request()'s spread would read the getters).
    const on = (socket: object) => ({ url: '/', method: 'GET', httpVersion: '1.1', headers: { host: 'a.example' }, socket }) as unknown as IncomingMessage;
    const keepAlive = connection('10.0.0.7', 40001);
    for (let i = 0; i < 3; i++) {
      const attributes = attributesOf(on(keepAlive));
      assert.equal(attributes['network.peer.address'], '10.0.0.7');
      assert.equal(attributes['network.peer.port'], 40001);
      assert.equal(attributes['client.address'], '10.0.0.7');
    }
    assert.equal(reads, 2, 'address and port read once for three requests');
    const other = attributesOf(on(connection('10.0.0.8', 40002)));
    assert.equal(other['network.peer.address'], '10.0.0.8');
    assert.equal(other['network.peer.port'], 40002);

    // A socket with no peer (not connected, or gone) is not remembered as one without.
    let address: string | undefined = undefined;
    const late = {
      get remoteAddress() {
        return address;
      },
      remotePort: 40003,
    };
    assert.equal(attributesOf(on(late))['network.peer.address'], undefined);
    address = '10.0.0.9';
    assert.equal(attributesOf(on(late))['network.peer.address'], '10.0.0.9');
  });

  it('takes the scheme from TLS, the default port from the scheme, and the local socket without Host', function () {
    const tls = attributesOf(request('/', { host: 'secure.example' }, { encrypted: true }));
    assert.equal(tls['url.scheme'], 'https');
    assert.equal(tls['server.port'], 443);
    assert.equal(tls['url.query'], undefined);
    const noHost = attributesOf(request('/', {}));
    assert.equal(noHost['server.address'], '10.0.0.1');
    assert.equal(noHost['server.port'], 8080);
  });

  it('prefers Forwarded, then X-Forwarded-*, over the connection', function () {
    const forwarded = attributesOf(
      request('/', {
        host: 'internal:8080',
        forwarded: 'for="[2001:db8::7]:5000";proto=HTTPS;host=public.example, for=10.0.0.2',
        'x-forwarded-for': '198.51.100.1',
        'x-forwarded-host': 'other.example',
      }),
    );
    assert.equal(forwarded['client.address'], '2001:db8::7');
    assert.equal(forwarded['url.scheme'], 'https');
    assert.equal(forwarded['server.address'], 'public.example');
    assert.equal(forwarded['server.port'], 443);
    assert.equal(forwarded['network.peer.address'], '10.0.0.9', 'the peer stays the connection');

    const xff = attributesOf(
      request('/', { host: 'internal:8080', 'x-forwarded-for': '203.0.113.5, 10.0.0.2', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example' }),
    );
    assert.equal(xff['client.address'], '203.0.113.5');
    assert.equal(xff['url.scheme'], 'https');
    assert.equal(xff['server.address'], 'api.example');
  });

  it('reads absolute-form targets, and unknown methods as _OTHER', function () {
    const { span, attributes } = recorder();
    const req = request('http://target.example:81/p?a=1', { host: 'proxy' });
    setServerAttributes(span, req, req.url!, 'PURGE', createHttpSemantics(readConfig({}).config.http));
    assert.equal(attributes['url.path'], '/p');
    assert.equal(attributes['url.query'], 'a=1');
    assert.equal(attributes['server.address'], 'target.example');
    assert.equal(attributes['server.port'], 81);
    assert.equal(attributes['http.request.method'], '_OTHER');
    assert.equal(attributes['http.request.method_original'], 'PURGE');
  });

  it('captures the configured request headers as string arrays', function () {
    const attributes = attributesOf(request('/', { 'x-tenant': 'acme', 'x-other': 'no' }), {
      OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_REQUEST_HEADERS: 'X-Tenant,x-missing',
    });
    assert.deepEqual(attributes['http.request.header.x-tenant'], ['acme']);
    assert.equal(attributes['http.request.header.x-missing'], undefined);
    assert.equal(attributes['http.request.header.x-other'], undefined);
  });

  it('requestPath drops the query; protocolVersion writes HTTP/2 as 2', function () {
    assert.equal(requestPath('/a/b?c=d'), '/a/b');
    assert.equal(requestPath('/'), '/');
    assert.equal(requestPath('*'), '*');
    assert.equal(requestPath('https://h.example/x?y'), '/x');
    assert.equal(protocolVersion('1.1'), '1.1');
    assert.equal(protocolVersion('2.0'), '2');
    assert.equal(protocolVersion('1.0'), '1.0');
    assert.equal(protocolVersion('0.9'), '0.9');
  });

  it('parseHostHeader: the same Host again gives the same frozen result; another Host its own', function () {
    const first = parseHostHeader('shop.example:8443');
    assert.deepEqual(first, { address: 'shop.example', port: 8443 });
    assert.ok(Object.isFrozen(first));
    assert.equal(parseHostHeader(['shop.example', '8443'].join(':')), first, 'an equal string built anew');
    assert.deepEqual(parseHostHeader('[::1]:80'), { address: '::1', port: 80 });
    assert.deepEqual(parseHostHeader('other.example'), { address: 'other.example', port: undefined });
    assert.equal(parseHostHeader('[::1'), undefined);
    assert.equal(parseHostHeader('[::1'), undefined, 'a malformed Host again: still none');
    assert.deepEqual(parseHostHeader('shop.example:8443'), first);
    assert.equal(parseHostHeader(''), undefined);
  });
});
