import assert from 'node:assert/strict';
import { createHttpSemantics } from '../../instrumentations/shared/http-semantics';
import { protocolVersion, redactedUrl, requestTarget } from '../../instrumentations/undici/target';
import { httpConfig } from '../kit/instrumentation-config';

describe('undici: request target', () => {
  it('joins a string origin and the path, and splits out address, port, scheme and path', () => {
    assert.deepEqual(requestTarget('http://127.0.0.1:8080', '/a/b?c=1#f'), {
      url: 'http://127.0.0.1:8080/a/b?c=1#f',
      path: '/a/b',
      queryStart: 25,
      userinfo: false,
      scheme: 'http',
      address: '127.0.0.1',
      port: 8080,
    });
  });

  it('defaults the port from the scheme', () => {
    assert.equal(requestTarget('https://example.com', '/').port, 443);
    assert.equal(requestTarget('http://example.com', '/').port, 80);
    assert.equal(requestTarget('HTTPS://example.com', '/').scheme, 'https');
  });

  it('accepts a URL object as origin and an origin with a trailing slash', () => {
    const target = requestTarget(new URL('https://example.com:8443/ignored'), '/x');
    assert.equal(target.url, 'https://example.com:8443/x');
    assert.equal(target.port, 8443);
    assert.equal(requestTarget('http://h:1/', '/x').url, 'http://h:1/x');
  });

  it('keeps IPv6 literals without brackets in server.address', () => {
    const target = requestTarget('http://[::1]:3000', '/v6');
    assert.equal(target.address, '::1');
    assert.equal(target.port, 3000);
    assert.equal(requestTarget('https://[2001:db8::1]', '/').port, 443);
  });

  it('takes server.address and server.port from a Host header the caller set', () => {
    const target = requestTarget('http://10.0.0.5:8080', '/', 'api.example.com');
    assert.equal(target.address, 'api.example.com');
    assert.equal(target.port, 80);
    assert.equal(target.url, 'http://10.0.0.5:8080/');
    assert.equal(requestTarget('http://10.0.0.5', '/', 'api.example.com:9000').port, 9000);
    assert.equal(requestTarget('http://10.0.0.5', '/', '').address, '10.0.0.5', 'an empty Host is ignored');
  });

  it('uses an absolute-form path (a non-tunnelling proxy) as the URL', () => {
    const target = requestTarget('http://proxy:3128', 'http://origin.example:81/p?q=1');
    assert.equal(target.url, 'http://origin.example:81/p?q=1');
    assert.equal(target.address, 'origin.example');
    assert.equal(target.port, 81);
    assert.equal(target.path, '/p');
  });

  it('never takes credentials for the address, and keeps them in url for the redaction step', () => {
    const target = requestTarget('http://user:pw@example.com:81', '/p');
    assert.equal(target.address, 'example.com');
    assert.equal(target.port, 81);
    assert.equal(target.url, 'http://user:pw@example.com:81/p');
    assert.equal(target.userinfo, true);
    assert.equal(requestTarget('http://proxy', 'http://u:p@origin.example/x').userinfo, true);
    assert.equal(requestTarget('http://proxy', 'http://origin.example/x@y').userinfo, false, 'an @ in the path is not userinfo');
  });

  it('finds the query, but not a ? inside the fragment', () => {
    assert.equal(requestTarget('http://h', '/a?b').queryStart, 10);
    assert.equal(requestTarget('http://h', '/a#x?y').queryStart, -1);
    assert.equal(requestTarget('http://h', '/a#x?y').path, '/a');
    assert.equal(requestTarget('http://h', '/a').queryStart, -1);
  });

  it('parses each origin once but never mixes two origins up', () => {
    for (let i = 0; i < 600; i++) {
      const target = requestTarget(`http://host${i}.example:${1000 + i}`, `/p${i}`);
      assert.equal(target.address, `host${i}.example`);
      assert.equal(target.port, 1000 + i);
      assert.equal(target.url, `http://host${i}.example:${1000 + i}/p${i}`);
    }
    assert.equal(requestTarget('http://host1.example:1001', '/again').port, 1001);
  });

  it('gives "/" as the path of an empty or query-only path', () => {
    assert.equal(requestTarget('http://h', '').path, '/');
    assert.equal(requestTarget('http://h', '?a=1').path, '/');
    assert.equal(requestTarget('http://h', '?a=1').url, 'http://h/?a=1');
  });
});

describe('undici: url.full redaction', () => {
  const http = createHttpSemantics(httpConfig());
  const redact = (origin: string, path: string): string => redactedUrl(requestTarget(origin, path), http);

  it('replaces sensitive query values and keeps everything else', () => {
    assert.equal(redact('https://h', '/a?sig=abc&x=1&token=t#frag'), 'https://h/a?sig=REDACTED&x=1&token=REDACTED#frag');
    assert.equal(redact('https://h', '/a?x=1'), 'https://h/a?x=1');
    assert.equal(redact('https://h', '/a'), 'https://h/a');
    assert.equal(redact('https://h', '/a#sig=x?sig=y'), 'https://h/a#sig=x?sig=y', 'a fragment is not a query');
  });

  it('replaces credentials wherever they appear', () => {
    assert.equal(redact('http://user:pw@h:81', '/a?sig=s'), 'http://REDACTED:REDACTED@h:81/a?sig=REDACTED');
    assert.equal(redact('http://proxy:3128', 'http://u:p@origin.example/x'), 'http://REDACTED:REDACTED@origin.example/x');
  });
});

describe('undici: network.protocol.version', () => {
  it('is 2 where ALPN chose h2 and 1.1 otherwise', () => {
    assert.equal(protocolVersion('h2'), '2');
    assert.equal(protocolVersion('http/1.1'), '1.1');
    assert.equal(protocolVersion(false), '1.1');
    assert.equal(protocolVersion(undefined), '1.1');
  });
});
