import assert from 'node:assert/strict';
import { ArgReader } from '../../bench/lib/argv';

/** Reads the value of the first option in `argv` with `read`. */
function first<T>(argv: string[], read: (reader: ArgReader, option: string) => T): T {
  const reader = new ArgReader(argv);
  return read(reader, reader.next()!);
}

describe('bench option reader', () => {
  it('reads a count rounded and never below 1', () => {
    assert.equal(first(['--rounds', '2.6'], (r, o) => r.count(o)), 3);
    assert.equal(first(['--rounds', '0.4'], (r, o) => r.count(o)), 1);
    assert.equal(first(['--rounds', '5'], (r, o) => r.count(o)), 5);
  });

  it('refuses a count that is not a positive number, naming the option', () => {
    assert.throws(() => first(['--rounds', '0'], (r, o) => r.count(o)), /--rounds needs a positive number/);
    assert.throws(() => first(['--rounds', 'many'], (r, o) => r.count(o)), /--rounds needs a positive number/);
    assert.throws(() => first(['--rounds'], (r, o) => r.count(o)), /--rounds needs a value/);
  });

  it('reads one of the allowed values and names an unknown one', () => {
    assert.equal(first(['--server', 'fastify'], (r, o) => r.choice(o, ['http', 'fastify'], 'server')), 'fastify');
    assert.throws(() => first(['--server', 'http,fastify'], (r, o) => r.choice(o, ['http', 'fastify'], 'server')), /unknown server "http,fastify" \(one of http, fastify\)/);
  });

  it('reads a list of allowed items and names an unknown one', () => {
    assert.deepEqual(first(['--servers', 'http, express'], (r, o) => r.list(o, ['http', 'express', 'fastify'], 'server')), ['http', 'express']);
    assert.throws(() => first(['--servers', 'http,koa'], (r, o) => r.list(o, ['http', 'express'], 'server')), /unknown server "koa" \(one of http, express\)/);
  });
});
