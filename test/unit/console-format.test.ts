import assert from 'node:assert/strict';
import * as path from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { FoldRun, foldableSystem } from '../../src/export/console/fold';
import { spanLine } from '../../src/export/console/span-line';
import { stackLines } from '../../src/export/console/stack';
import { labelOf } from '../../src/export/console/system-label';
import { renderTrace } from '../../src/export/console/tree';
import type { SpanData } from '../../src/sdk/span-data';
import { spanData } from '../kit/recording';

function client(scope: string, name: string, attributes: Record<string, string | number> = {}, overrides: Partial<SpanData> = {}): SpanData {
  return spanData({
    name,
    kind: SpanKind.CLIENT,
    scope: { name: scope, version: undefined, schemaUrl: undefined },
    attributeKeys: Object.keys(attributes),
    attributeValues: Object.values(attributes),
    ...overrides,
  });
}

describe('console tree: system labels', () => {
  it('puts the client library before the span name', () => {
    const cases: [SpanData, string][] = [
      [client('otelite/redis', 'GET', { 'db.system.name': 'redis' }), 'redis GET'],
      [client('otelite/ioredis', 'GET', { 'db.system.name': 'redis' }), 'ioredis GET'],
      [client('otelite/undici', 'GET', { 'http.request.method': 'GET' }), 'fetch GET'],
      [client('otelite/http', 'GET', { 'http.request.method': 'GET' }), 'http GET'],
      [client('otelite/pg', 'SELECT users', { 'db.system.name': 'postgresql' }), 'pg SELECT users'],
      // Another tracer's spans: the system attribute, else HTTP.
      [client('app', 'find', { 'db.system.name': 'mongodb' }), 'mongodb find'],
      [client('app', 'POST', { 'http.request.method': 'POST' }), 'http POST'],
      [client('app', 'call'), 'call'],
    ];
    for (const [span, label] of cases) assert.equal(labelOf(span, []), label);
  });

  it('labels only outgoing spans, and never repeats a system the name starts with', () => {
    const server = spanData({ name: 'GET /users', kind: SpanKind.SERVER, scope: { name: 'otelite/http', version: undefined, schemaUrl: undefined } });
    assert.equal(labelOf(server, []), 'GET /users');
    assert.equal(labelOf(client('otelite/pg', 'pg-cursor read'), []), 'pg-cursor read');
  });

  it('tells a pg pool connect that opened a connection from the client connect under it', () => {
    const pool = client('otelite/pg', 'connect', {}, { spanId: 'a'.repeat(16) });
    const connection = client('otelite/pg', 'connect', {}, { spanId: 'b'.repeat(16), parentSpanId: pool.spanId });
    assert.equal(labelOf(pool, [connection]), 'pg-pool connect');
    assert.equal(labelOf(connection, []), 'pg connect');
    const tree = renderTrace([pool, connection], { verbose: false });
    assert.match(tree, /└─ pg-pool connect {2}CLIENT[^\n]*\n {3}└─ pg connect {2}CLIENT/);
  });
});

describe('console tree: roots', () => {
  const remote = spanData({ name: 'GET /stock', kind: SpanKind.SERVER, spanId: 'd'.repeat(16), parentSpanId: 'e'.repeat(16), parentIsRemote: true });

  it('says on the trace line where its one root continues from, the parent id in the verbose form', () => {
    assert.match(renderTrace([remote], { verbose: false }), /^trace \w+ {2}service= \(continues remote parent\)\n└─ GET \/stock {2}SERVER {2}1\.00 ms\n$/);
    assert.match(renderTrace([remote], { verbose: true }), /^trace \w+ {2}service= \(continues remote parent e{16}\)\n/);
  });

  it('prints each root of a trace as its own block under its own trace line', () => {
    const orphan = spanData({ name: 'late', spanId: 'f'.repeat(16), parentSpanId: '1'.repeat(16), startTime: remote.startTime + 5 });
    const lines = renderTrace([orphan, remote], { verbose: false }).split('\n');
    assert.match(lines[0], /^trace \w+ {2}service= \(continues remote parent\)$/);
    assert.match(lines[1], /^└─ GET \/stock {2}SERVER {2}1\.00 ms$/);
    assert.match(lines[2], /^trace \w+ {2}service= \(parent not seen\)$/);
    assert.match(lines[3], /^└─ late {2}INTERNAL {2}1\.00 ms {2}@\+5\.00 ms$/);
  });
});

describe('console tree: span lines', () => {
  const query = client(
    'otelite/pg',
    'SELECT users',
    {
      'db.system.name': 'postgresql',
      'db.namespace': 'shop',
      'db.query.summary': 'SELECT users',
      'db.query.text': 'SELECT id, name FROM users WHERE id = $1',
      'server.address': '10.0.0.7',
      'server.port': 5432,
    },
    { spanId: 'c'.repeat(16) },
  );

  it('default: what identifies the operation, then +N more for what it leaves out', () => {
    const line = spanLine(query, { label: 'pg SELECT users', traceStart: query.startTime, verbose: false });
    assert.equal(line, 'pg SELECT users  CLIENT  1.00 ms  db.query.text="SELECT id, name FROM users WHERE id = $1"  +3 more');
    assert.doesNotMatch(line, /10\.0\.0\.7|5432|cccc/, 'no peer address, port or id');
  });

  it('default: an attribute the label already reads is not repeated, nor counted as left out', () => {
    const server = spanData({
      name: 'GET /report',
      kind: SpanKind.SERVER,
      attributeKeys: ['http.request.method', 'http.route', 'url.path', 'http.response.status_code', 'client.address'],
      attributeValues: ['GET', '/report', '/report', 200, '127.0.0.1'],
    });
    assert.equal(spanLine(server, { label: server.name, traceStart: server.startTime, verbose: false }), 'GET /report  SERVER  1.00 ms  http.response.status_code=200  +1 more');
  });

  it('default: long values are cut with "...", errors and other events are said', () => {
    const span = spanData({
      attributeKeys: ['db.query.text'],
      attributeValues: ['SELECT ' + 'x, '.repeat(40) + 'y FROM t'],
      status: { code: SpanStatusCode.ERROR, message: 'timeout' },
      events: [{ name: 'retry', time: 0, attributes: {}, droppedAttributesCount: 0 }],
    });
    const line = spanLine(span, { label: 'span', traceStart: span.startTime - 2, verbose: false });
    assert.match(line, /^span {2}INTERNAL {2}1\.00 ms {2}@\+2\.00 ms {2}ERROR \(timeout\) {2}db\.query\.text="SELECT x, [^"]{40,}\.\.\." {2}1 event$/);
  });

  it('verbose: the span id and every attribute, nothing counted as left out', () => {
    const line = spanLine(query, { label: 'pg SELECT users', traceStart: query.startTime, verbose: true });
    assert.match(line, new RegExp(`@\\+0\\.00 ms  id=${query.spanId}  `));
    for (const key of query.attributeKeys) assert.ok(line.includes(`${key}=`), key);
    assert.match(line, /server\.address="10\.0\.0\.7" server\.port=5432/);
    assert.doesNotMatch(line, /more/);
  });
});

describe('console tree: exception stacks', () => {
  const cwd = path.join(path.sep, 'srv', 'app');
  const stack = [
    'RangeError: stock cannot be negative',
    '    at checkStock (/srv/app/lib/stock.js:10:11)',
    '    at Object.handler (/srv/app/node_modules/fastify/lib/handle-request.js:190:24)',
    '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    '    at async getOrder (file:///srv/app/routes/orders.mjs:22:5)',
    '    at new Promise (<anonymous>)',
  ].join('\n');

  it('default: the app frames first, paths relative to the working directory, the rest counted', () => {
    assert.deepEqual(stackLines(stack, false, cwd), [
      'RangeError: stock cannot be negative',
      'at checkStock (lib/stock.js:10:11)',
      'at async getOrder (routes/orders.mjs:22:5)',
      '… 3 more frames (node_modules 1, node 2)',
    ]);
  });

  it('verbose: the app frames first, then every other frame in its order', () => {
    assert.deepEqual(stackLines(stack, true, cwd), [
      'RangeError: stock cannot be negative',
      'at checkStock (lib/stock.js:10:11)',
      'at async getOrder (routes/orders.mjs:22:5)',
      'at Object.handler (/srv/app/node_modules/fastify/lib/handle-request.js:190:24)',
      'at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      'at new Promise (<anonymous>)',
    ]);
  });

  it('prints the stack under the span that recorded it', () => {
    const span = spanData({
      status: { code: SpanStatusCode.ERROR, message: 'stock cannot be negative' },
      events: [{ name: 'exception', time: 0, attributes: { 'exception.type': 'RangeError', 'exception.stacktrace': stack }, droppedAttributesCount: 0 }],
    });
    const lines = renderTrace([span], { verbose: false }).split('\n');
    assert.match(lines[1], /^└─ span {2}INTERNAL .*ERROR \(stock cannot be negative\)$/);
    assert.equal(lines[2], '      RangeError: stock cannot be negative');
    assert.match(lines[3], /^ {8}at checkStock \(/);
  });
});

describe('console tree: folding work outside any request', () => {
  const pgRoot = (name: string, overrides: Partial<SpanData> = {}) => client('otelite/pg', name, { 'db.system.name': 'postgresql' }, overrides);

  it('folds traces of CLIENT spans of one system with no parent and no error', () => {
    assert.equal(foldableSystem([pgRoot('INSERT users')]), 'pg');
    const pool = pgRoot('connect', { spanId: 'a'.repeat(16) });
    assert.equal(foldableSystem([pool, pgRoot('connect', { spanId: 'b'.repeat(16), parentSpanId: pool.spanId })]), 'pg');
    assert.equal(foldableSystem([pgRoot('INSERT users', { status: { code: SpanStatusCode.ERROR } })]), undefined, 'an error is never folded');
    assert.equal(foldableSystem([pgRoot('INSERT users', { parentSpanId: 'f'.repeat(16), parentIsRemote: true })]), undefined, 'part of a request');
    assert.equal(foldableSystem([spanData({ name: 'job' })]), undefined, 'not a CLIENT span');
    assert.equal(foldableSystem([pgRoot('SELECT', { spanId: 'a'.repeat(16) }), client('otelite/redis', 'GET', {}, { parentSpanId: 'a'.repeat(16) })]), undefined);
  });

  it('sums a run up by operation, most frequent first', () => {
    const run = new FoldRun('pg', 'shop');
    const start = 1_000_000;
    run.add([pgRoot('CREATE TABLE users', { startTime: start, endTime: start + 20 })]);
    for (let i = 0; i < 4; i++) run.add([pgRoot('INSERT users', { startTime: start + 100 * i, endTime: start + 100 * i + 2 })]);
    assert.equal(run.unfolded(), undefined);
    assert.equal(run.summary(), 'outside any request  service=shop  pg: 5 operations in 5 traces over 0.30 s: INSERT users ×4, CREATE TABLE users\n');
  });
});
