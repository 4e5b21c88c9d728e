import assert from 'node:assert/strict';
import { addRequestHeader, hasRequestHeader, requestHeader, responseHeader } from '../../instrumentations/undici/headers';
import type { UndiciRequest } from '../../instrumentations/undici/types';

function fakeRequest(headers: UndiciRequest['headers'], withAddHeader: boolean): UndiciRequest & { added: string[][] } {
  const request = { origin: 'http://h', method: 'GET', path: '/', headers, added: [] as string[][] } as UndiciRequest & {
    added: string[][];
  };
  if (withAddHeader) {
    request.addHeader = function (this: typeof request, name: string, value: string) {
      this.added.push([name, value]);
      (this.headers as string[]).push(name, value);
      return this;
    };
  }
  return request;
}

describe('undici: request headers (undici 6+ arrays, undici 5 strings)', () => {
  it('finds every value of a header in a flat array, whatever the case of its name', () => {
    const headers = ['User-Agent', 'ua/1', 'x-multi', ['a', 'b'], 'X-MULTI', 'c', 'accept', '*/*'];
    assert.deepEqual(requestHeader(headers, 'user-agent'), ['ua/1']);
    assert.deepEqual(requestHeader(headers, 'x-multi'), ['a', 'b', 'c']);
    assert.equal(requestHeader(headers, 'x-missing'), undefined);
    // A header name that only prefixes another one does not match.
    assert.equal(requestHeader(['x-multiple', 'v'], 'x-multi'), undefined);
  });

  it('reads the undici 5 `name: value\\r\\n` string form', () => {
    const headers = 'User-Agent: ua/5\r\nx-a: 1\r\nX-A:  2 \r\ntraceparentx: no\r\n';
    assert.deepEqual(requestHeader(headers, 'user-agent'), ['ua/5']);
    assert.deepEqual(requestHeader(headers, 'x-a'), ['1', '2']);
    assert.equal(requestHeader(headers, 'traceparent'), undefined);
    assert.equal(requestHeader('', 'x-a'), undefined);
  });

  it('answers undefined for missing or malformed header containers', () => {
    assert.equal(requestHeader(undefined, 'a'), undefined);
    assert.equal(requestHeader(null, 'a'), undefined);
    assert.equal(hasRequestHeader(['a'], 'a'), false, 'a dangling name without value is not a header');
    assert.equal(hasRequestHeader(['A', 'v'], 'a'), true);
  });

  it('adds through addHeader when undici has it', () => {
    const request = fakeRequest([], true);
    addRequestHeader(request, 'traceparent', 'tp');
    assert.deepEqual(request.added, [['traceparent', 'tp']]);
    assert.deepEqual(request.headers, ['traceparent', 'tp']);
  });

  it('adds to the array or the string directly where addHeader is missing (undici 6.11.0, undici 5)', () => {
    const arrayRequest = fakeRequest(['a', '1'], false);
    addRequestHeader(arrayRequest, 'traceparent', 'tp');
    assert.deepEqual(arrayRequest.headers, ['a', '1', 'traceparent', 'tp']);

    const stringRequest = fakeRequest('a: 1\r\n', false);
    addRequestHeader(stringRequest, 'traceparent', 'tp');
    assert.equal(stringRequest.headers, 'a: 1\r\ntraceparent: tp\r\n');
    assert.deepEqual(requestHeader(stringRequest.headers, 'traceparent'), ['tp']);
  });
});

describe('undici: response headers', () => {
  it('reads raw Buffer pairs as latin1, case-insensitively, keeping repeated values', () => {
    const headers = [
      Buffer.from('Content-Type'),
      Buffer.from('text/plain'),
      Buffer.from('set-cookie'),
      Buffer.from('a=1'),
      Buffer.from('Set-Cookie'),
      Buffer.from('b=2'),
      Buffer.from('x-latin'),
      Buffer.from([0x63, 0x61, 0x66, 0xe9]),
    ];
    assert.deepEqual(responseHeader(headers, 'content-type'), ['text/plain']);
    assert.deepEqual(responseHeader(headers, 'set-cookie'), ['a=1', 'b=2']);
    assert.deepEqual(responseHeader(headers, 'x-latin'), ['café']);
    assert.equal(responseHeader(headers, 'content-length'), undefined);
  });

  it('reads string pairs and node:http2 header objects (undici 8 over HTTP/2)', () => {
    assert.deepEqual(responseHeader(['ETag', '"x"'], 'etag'), ['"x"']);
    assert.deepEqual(responseHeader({ etag: '"y"', 'set-cookie': ['a', 'b'] }, 'etag'), ['"y"']);
    assert.deepEqual(responseHeader({ 'set-cookie': ['a', 'b'] }, 'set-cookie'), ['a', 'b']);
    assert.equal(responseHeader({ etag: undefined }, 'etag'), undefined);
    assert.equal(responseHeader(undefined, 'etag'), undefined);
  });
});
