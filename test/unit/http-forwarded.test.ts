import assert from 'node:assert/strict';
import { readConfig } from '../../src/config';
import { firstListValue, forwardedNodeAddress, parseForwarded, spanNameMethod } from '../../instrumentations/shared/http-semantics';

describe('http semantics: forwarding headers and span names', function () {
  describe('parseForwarded', function () {
    it('reads for, host and proto of the first element only', function () {
      assert.deepEqual(parseForwarded('for=192.0.2.60;proto=https;host=shop.example;by=203.0.113.43, for=198.51.100.17;host=other'), {
        for: '192.0.2.60',
        host: 'shop.example',
        proto: 'https',
      });
    });

    it('takes quoted values (IPv6 with port, escapes) and ignores parameter name case and spaces', function () {
      assert.deepEqual(parseForwarded('For="[2001:db8:cafe::17]:4711" ; Proto=http'), {
        for: '[2001:db8:cafe::17]:4711',
        host: undefined,
        proto: 'http',
      });
      assert.equal(parseForwarded('for="a\\"b"')?.for, 'a"b');
      assert.equal(parseForwarded('host="x.example:8443", for=1.2.3.4')?.host, 'x.example:8443');
    });

    it('gives undefined for absent, empty or irrelevant headers, and reads the first of repeated ones', function () {
      assert.equal(parseForwarded(undefined), undefined);
      assert.equal(parseForwarded(''), undefined);
      assert.equal(parseForwarded('by=10.0.0.1'), undefined);
      assert.equal(parseForwarded('for='), undefined);
      assert.equal(parseForwarded(['for=1.1.1.1', 'for=2.2.2.2'])?.for, '1.1.1.1');
      // The first element has no for=: a later hop's is not the client.
      assert.equal(parseForwarded('proto=https, for=10.1.1.1')?.for, undefined);
    });

    it('keeps the first of a repeated parameter and survives malformed input', function () {
      assert.equal(parseForwarded('for=1.1.1.1;for=2.2.2.2')?.for, '1.1.1.1');
      assert.deepEqual(parseForwarded(';;=;for'), undefined);
      assert.equal(parseForwarded('for="unterminated')?.for, 'unterminated');
    });
  });

  describe('firstListValue', function () {
    it('returns the first trimmed entry of a comma list', function () {
      assert.equal(firstListValue(' 203.0.113.195 , 70.41.3.18, 150.172.238.178'), '203.0.113.195');
      assert.equal(firstListValue('https'), 'https');
      assert.equal(firstListValue(['a, b', 'c']), 'a');
      assert.equal(firstListValue(' , b'), undefined);
      assert.equal(firstListValue(undefined), undefined);
    });
  });

  describe('forwardedNodeAddress', function () {
    it('strips ports and brackets, keeps bare IPv6 and obfuscated identifiers', function () {
      assert.equal(forwardedNodeAddress('192.0.2.43'), '192.0.2.43');
      assert.equal(forwardedNodeAddress('192.0.2.43:47011'), '192.0.2.43');
      assert.equal(forwardedNodeAddress('[2001:db8:cafe::17]:4711'), '2001:db8:cafe::17');
      assert.equal(forwardedNodeAddress('[2001:db8::1]'), '2001:db8::1');
      assert.equal(forwardedNodeAddress('2001:db8::1'), '2001:db8::1');
      assert.equal(forwardedNodeAddress('_hidden'), '_hidden');
    });

    it('gives undefined for unknown, empty and broken nodes', function () {
      assert.equal(forwardedNodeAddress('unknown'), undefined);
      assert.equal(forwardedNodeAddress('UNKNOWN'), undefined);
      assert.equal(forwardedNodeAddress(' '), undefined);
      assert.equal(forwardedNodeAddress('[]'), undefined);
      assert.equal(forwardedNodeAddress(':80'), undefined);
      assert.equal(forwardedNodeAddress(undefined), undefined);
    });
  });

  describe('spanNameMethod', function () {
    it('is the method when known, HTTP otherwise (case-sensitive)', function () {
      const config = readConfig({}).config.http;
      assert.equal(spanNameMethod(config, 'GET'), 'GET');
      assert.equal(spanNameMethod(config, 'QUERY'), 'QUERY');
      assert.equal(spanNameMethod(config, 'PURGE'), 'HTTP');
      assert.equal(spanNameMethod(config, 'get'), 'HTTP');
      assert.equal(spanNameMethod({ ...config, knownMethods: ['PURGE'] }, 'PURGE'), 'PURGE');
    });
  });
});
