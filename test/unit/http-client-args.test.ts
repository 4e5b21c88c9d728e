import assert from 'node:assert/strict';
import {
  callArguments,
  copyHeaders,
  OBJECT_HEADER_SETTER,
  parseUrl,
  RAW_HEADER_SETTER,
  readCall,
  requestMethod,
  withHeaders,
} from '../../instrumentations/http/client-args';

describe('http client: argument forms and header copies', function () {
  const cb = (): void => undefined;

  describe('readCall + callArguments', function () {
    it('(url string, options, cb): same places, options copied with the new headers', function () {
      const options = Object.freeze({ method: 'POST', headers: Object.freeze({ a: '1' }) });
      const call = readCall('http://x/a', options, cb);
      assert.equal(call.options, options);
      const headers = { a: '1', traceparent: 't' };
      const args = callArguments(call, 'http://x/a', headers);
      assert.equal(args.length, 3);
      assert.equal(args[0], 'http://x/a');
      assert.deepEqual(args[1], { method: 'POST', headers });
      assert.notEqual(args[1], options);
      assert.equal(args[2], cb);
    });

    it('(url, cb) and (url): a fresh options object carries the headers, the callback stays', function () {
      const url = new URL('http://x/a');
      assert.deepEqual(callArguments(readCall(url, cb, undefined), url, { t: '1' }), [url, { headers: { t: '1' } }, cb]);
      assert.deepEqual(callArguments(readCall('http://x', undefined, cb), 'http://x', {}), ['http://x', { headers: {} }, cb]);
      assert.deepEqual(callArguments(readCall('http://x', undefined, undefined), 'http://x', {}), ['http://x', { headers: {} }, undefined]);
    });

    it('(options, cb) and every later argument keep their places; (cb) alone becomes ({headers}, cb)', function () {
      const options = { host: 'h', path: '/p' };
      const call = readCall(options, cb, 'extra');
      assert.equal(call.url, undefined);
      assert.deepEqual(callArguments(call, undefined, { t: '1' }), [{ host: 'h', path: '/p', headers: { t: '1' } }, cb, 'extra']);
      assert.deepEqual(options, { host: 'h', path: '/p' }, 'the caller object is untouched');
      assert.deepEqual(callArguments(readCall(cb, undefined, undefined), undefined, {}), [{ headers: {} }, cb]);
      assert.deepEqual(callArguments(readCall(undefined, cb, undefined), undefined, {}), [{ headers: {} }, cb, undefined]);
    });

    it('treats URL look-alikes as options (Node never takes them for less than that)', function () {
      const lookAlike = { href: 'http://x/', protocol: 'http:', hostname: 'x' };
      const call = readCall(lookAlike, cb, undefined);
      assert.equal(call.url, undefined);
      assert.equal(call.options, lookAlike);
    });
  });

  describe('withHeaders', function () {
    it('copies own properties and keeps the prototype of class-made options', function () {
      class Options {
        host = 'h';
        get path(): string {
          return '/from-prototype';
        }
      }
      const original = new Options();
      const copy = withHeaders(original as unknown as Record<string, unknown>, { t: '1' });
      assert.ok(copy instanceof Options);
      assert.equal(copy.path, '/from-prototype');
      assert.equal(copy.host, 'h');
      assert.deepEqual(copy.headers, { t: '1' });
      assert.equal((original as unknown as Record<string, unknown>).headers, undefined);
    });

    it('copies null-prototype options', function () {
      const options = Object.assign(Object.create(null) as Record<string, unknown>, { host: 'h' });
      assert.deepEqual({ ...withHeaders(options, {}) }, { host: 'h', headers: {} });
    });
  });

  describe('copyHeaders and the setters', function () {
    it('copies objects and arrays, makes an object for none, and refuses other values', function () {
      const headers = { a: '1' };
      const copy = copyHeaders(headers);
      assert.deepEqual(copy, headers);
      assert.notEqual(copy, headers);
      const raw = ['a', '1'];
      assert.deepEqual(copyHeaders(raw), raw);
      assert.notEqual(copyHeaders(raw), raw);
      assert.deepEqual(copyHeaders(undefined), {});
      assert.deepEqual(copyHeaders(null), {});
      assert.equal(copyHeaders('a: b'), undefined);
    });

    it('object setter: adds a header unless the caller set it, in any case', function () {
      const carrier: Record<string, unknown> = { 'X-Other': '1' };
      OBJECT_HEADER_SETTER.set(carrier, 'traceparent', 'ours');
      assert.equal(carrier.traceparent, 'ours');
      const theirs: Record<string, unknown> = { TraceParent: 'theirs' };
      OBJECT_HEADER_SETTER.set(theirs, 'traceparent', 'ours');
      assert.deepEqual(theirs, { TraceParent: 'theirs' });
    });

    it('raw setter: appends to flat lists and to lists of pairs, unless present', function () {
      const flat: unknown[] = ['Host', 'x'];
      RAW_HEADER_SETTER.set(flat, 'traceparent', 't');
      assert.deepEqual(flat, ['Host', 'x', 'traceparent', 't']);
      const pairs: unknown[] = [['Host', 'x']];
      RAW_HEADER_SETTER.set(pairs, 'traceparent', 't');
      assert.deepEqual(pairs, [['Host', 'x'], ['traceparent', 't']]);
      const present: unknown[] = ['Traceparent', 'theirs'];
      RAW_HEADER_SETTER.set(present, 'traceparent', 'ours');
      assert.deepEqual(present, ['Traceparent', 'theirs']);
      const empty: unknown[] = [];
      RAW_HEADER_SETTER.set(empty, 'traceparent', 't');
      assert.deepEqual(empty, ['traceparent', 't']);
    });
  });

  describe('requestMethod and parseUrl', function () {
    it('upper-cases the method as Node does, GET by default', function () {
      assert.equal(requestMethod({ method: 'post' }), 'POST');
      assert.equal(requestMethod({ method: '' }), 'GET');
      assert.equal(requestMethod({ method: 5 }), 'GET');
      assert.equal(requestMethod(undefined), 'GET');
    });

    it('parses strings, passes URL objects, and gives undefined for what Node will reject', function () {
      assert.equal(parseUrl('http://a.example/x')?.hostname, 'a.example');
      const url = new URL('http://b.example');
      assert.equal(parseUrl(url), url);
      assert.equal(parseUrl('not a url'), undefined);
      assert.equal(parseUrl({ href: 'http://c.example' }), undefined);
    });
  });
});
