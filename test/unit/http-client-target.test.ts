import assert from 'node:assert/strict';
import * as http from 'node:http';
import { clientTarget } from '../../instrumentations/http/client-target';

describe('http client: request target', function () {
  it('reads a URL, omitting the default port', function () {
    assert.deepEqual(clientTarget(new URL('http://example.com/a/b?q=1#frag'), undefined, 'http:'), {
      url: 'http://example.com/a/b?q=1',
      credentials: false,
      path: '/a/b',
      address: 'example.com',
      port: 80,
      scheme: 'http',
    });
    assert.deepEqual(clientTarget(new URL('https://example.com:8443'), undefined, 'https:'), {
      url: 'https://example.com:8443/',
      credentials: false,
      path: '/',
      address: 'example.com',
      port: 8443,
      scheme: 'https',
    });
  });

  it('lets options override the URL, as Node merges them', function () {
    const target = clientTarget(new URL('http://example.com/a'), { path: '/b?x=1', port: 81 }, 'http:');
    assert.equal(target.url, 'http://example.com:81/b?x=1');
    assert.equal(target.port, 81);
    assert.equal(target.path, '/b');
  });

  it('reads options alone, with the module and agent defaults', function () {
    assert.deepEqual(clientTarget(undefined, { host: '127.0.0.1', port: '8080', path: '/p', method: 'GET' } as object, 'http:'), {
      url: 'http://127.0.0.1:8080/p',
      credentials: false,
      path: '/p',
      address: '127.0.0.1',
      port: 8080,
      scheme: 'http',
    });
    assert.equal(clientTarget(undefined, { hostname: 'h' }, 'https:').url, 'https://h/');
    assert.equal(clientTarget(undefined, { hostname: 'h' }, 'https:').port, 443);
    assert.equal(clientTarget(undefined, {}, 'http:').url, 'http://localhost/');
    const agent = new http.Agent({ keepAlive: false });
    (agent as unknown as { defaultPort: number }).defaultPort = 8000;
    assert.equal(clientTarget(undefined, { host: 'h', agent }, 'http:').port, 8000);
    assert.equal(clientTarget(undefined, { host: 'h', defaultPort: 9000 }, 'http:').port, 9000);
  });

  it('prefers hostname over host, and brackets IPv6 literals in the URL only', function () {
    assert.equal(clientTarget(undefined, { hostname: 'a', host: 'b' }, 'http:').address, 'a');
    const v6 = clientTarget(new URL('http://[::1]:3000/x'), undefined, 'http:');
    assert.equal(v6.address, '::1');
    assert.equal(v6.url, 'http://[::1]:3000/x');
    assert.equal(clientTarget(undefined, { host: '::1', port: 80 }, 'http:').url, 'http://[::1]/');
  });

  it('flags credentials from the URL or the auth option, and never puts them in the URL', function () {
    const fromUrl = clientTarget(new URL('http://user:pass@h/x'), undefined, 'http:');
    assert.equal(fromUrl.credentials, true);
    assert.equal(fromUrl.url, 'http://h/x');
    assert.equal(clientTarget(undefined, { host: 'h', auth: 'u:p' }, 'http:').credentials, true);
    assert.equal(clientTarget(new URL('http://u:p@h/'), { auth: '' }, 'http:').credentials, false);
  });

  it('reads absolute-form paths (forward proxies) and unix sockets', function () {
    const proxied = clientTarget(undefined, { host: 'proxy', port: 3128, path: 'http://user:pw@target.example:8080/r?q=1' }, 'http:');
    assert.deepEqual(proxied, {
      url: 'http://target.example:8080/r?q=1',
      credentials: true,
      path: '/r',
      address: 'target.example',
      port: 8080,
      scheme: 'http',
    });
    assert.deepEqual(clientTarget(undefined, { socketPath: '/tmp/app.sock', path: '/v1/x?y' }, 'http:'), {
      url: 'http://localhost/v1/x?y',
      credentials: false,
      path: '/v1/x',
      address: '/tmp/app.sock',
      port: undefined,
      scheme: 'http',
    });
  });
});
