import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode, type AttributeValue } from '@opentelemetry/api';
import type { InstrumentationScope, ResourceData, SpanData } from '../../src/sdk/span-data';
import { encodeTraceRequest } from '../../src/export/otlp/encode-protobuf';
import { encodeSpanBytesPooled, halveSpanBytes, SpanBytesQueue, type SpanBytes } from '../../src/export/otlp/span-bytes';
import { encodeTraceRequestJson } from '../../src/export/otlp/encode-json';
import { decodePartialSuccess, decodePartialSuccessJson, decodeRpcStatusMessage } from '../../src/export/otlp/response';
import { msToNanosBigInt, ProtoWriter } from '../../src/export/otlp/protobuf-writer';
import {
  decodeTraceRequest,
  decodeTraceRequestJson,
  encodeTraceResponse,
  reencodeWithProtobufjs,
  type DecodedSpan,
} from '../kit/otlp-decoder';
import { spanData } from '../kit/recording';

/** Exact nanoseconds of a float64 of milliseconds, from its bits (rounded half up). */
function exactNanos(ms: number): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, ms);
  const bits = dv.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  const mant = (bits & ((1n << 52n) - 1n)) | (1n << 52n);
  const exp = expBits - 1075;
  if (exp >= 0) return (mant * 1_000_000n) << BigInt(exp);
  const num = mant * 1_000_000n;
  const den = 1n << BigInt(-exp);
  return (num + den / 2n) / den;
}

const resourceA: ResourceData = {
  attributes: {
    'service.name': 'svc-a',
    'process.pid': 4321,
    'telemetry.sdk.language': 'nodejs',
    'host.tags': ['x', 'y'],
  },
  schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
};
const resourceB: ResourceData = { attributes: { 'service.name': 'svc-b' }, schemaUrl: undefined };
const scope1: InstrumentationScope = {
  name: 'otelite/http',
  version: '0.1.0',
  schemaUrl: 'https://opentelemetry.io/schemas/1.27.0',
};
const scope2: InstrumentationScope = { name: 'otelite/pg', version: undefined, schemaUrl: undefined };

const T0 = 1_700_000_000_123.4567;

function span(over: Partial<SpanData> & Pick<SpanData, 'name' | 'resource' | 'scope'>): SpanData {
  return spanData({ startTime: T0, endTime: T0 + 12.345678, ...over });
}

const longString = 'L'.repeat(300);
const attrs: [string, unknown][] = [
  ['str', 'hello'],
  ['str.empty', ''],
  ['str.unicode', 'héllo wörld 🌍 ✓'],
  ['str.long', longString],
  ['bool.true', true],
  ['bool.false', false],
  ['int', 42],
  ['int.zero', 0],
  ['int.negative', -7],
  ['int.max', Number.MAX_SAFE_INTEGER],
  ['int.min', Number.MIN_SAFE_INTEGER],
  ['int.unsafe', 2 ** 60],
  ['double', 3.14159],
  ['double.negative', -0.5],
  ['double.nan', NaN],
  ['double.inf', Infinity],
  ['arr.str', ['a', 'b', '']],
  ['arr.int', [1, 2, 3]],
  ['arr.double', [1.5, -2.25]],
  ['arr.bool', [true, false]],
  ['arr.mixed', ['a', 1, true, 1.5]],
  ['arr.withnull', [1, null, 3]],
  ['arr.empty', []],
  ['skip.null', null],
  ['skip.undefined', undefined],
  ['ключ', 'значение'],
];

const full = span({
  name: 'GET /users/:id',
  kind: SpanKind.SERVER,
  resource: resourceA,
  scope: scope1,
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  parentSpanId: '53995c3f42cd8ad8',
  parentIsRemote: true,
  traceFlags: 1,
  traceState: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
  startTime: T0,
  endTime: T0 + 5.000001,
  attributeKeys: attrs.map((a) => a[0]),
  attributeValues: attrs.map((a) => a[1] as AttributeValue),
  droppedAttributesCount: 3,
  events: [
    { name: 'exception', time: T0 + 1.5, attributes: { 'exception.message': 'boom', code: 7 }, droppedAttributesCount: 2 },
    { name: 'empty', time: T0 + 2, attributes: {}, droppedAttributesCount: 0 },
  ],
  droppedEventsCount: 4,
  links: [
    {
      traceId: '11111111111111111111111111111111',
      spanId: '2222222222222222',
      traceFlags: 1,
      traceState: 'a=b',
      isRemote: true,
      attributes: { 'link.kind': 'follows' },
      droppedAttributesCount: 1,
    },
    {
      traceId: '33333333333333333333333333333333',
      spanId: '4444444444444444',
      traceFlags: 0,
      traceState: undefined,
      isRemote: false,
      attributes: {},
      droppedAttributesCount: 0,
    },
  ],
  droppedLinksCount: 5,
  status: { code: SpanStatusCode.ERROR, message: 'something failed' },
});

const rootInternal = span({ name: 'root-internal', resource: resourceA, scope: scope2, spanId: '0000000000000001', traceFlags: 0 });
const clientB = span({
  name: 'client-b',
  kind: SpanKind.CLIENT,
  resource: resourceB,
  scope: scope1,
  spanId: '0000000000000002',
  parentSpanId: '0000000000000003',
  parentIsRemote: false,
  status: { code: SpanStatusCode.OK },
  attributeKeys: ['http.response.status_code'],
  attributeValues: [200],
});
const laterA1 = span({
  name: 'later-a1',
  kind: SpanKind.PRODUCER,
  resource: resourceA,
  scope: scope1,
  spanId: '0000000000000004',
});
const consumer = span({ name: 'consumer', kind: SpanKind.CONSUMER, resource: resourceB, scope: scope2, spanId: '0000000000000005' });

const batch = [full, rootInternal, clientB, laterA1, consumer];

function expectedAttributes(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of attrs) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

function checkFull(d: DecodedSpan): void {
  assert.equal(d.traceId, full.traceId);
  assert.equal(d.spanId, full.spanId);
  assert.equal(d.parentSpanId, full.parentSpanId);
  assert.equal(d.traceState, full.traceState);
  assert.equal(d.flags, 0x01 | 0x100 | 0x200);
  assert.equal(d.name, 'GET /users/:id');
  assert.equal(d.kind, 2); // SPAN_KIND_SERVER
  assert.equal(d.startTimeUnixNano, exactNanos(full.startTime));
  assert.equal(d.endTimeUnixNano, exactNanos(full.endTime));
  assert.deepEqual(d.attributes, expectedAttributes());
  assert.equal(d.attributeTypes['int'], 'int');
  assert.equal(d.attributeTypes['int.zero'], 'int');
  assert.equal(d.attributeTypes['int.negative'], 'int');
  assert.equal(d.attributeTypes['int.max'], 'int');
  assert.equal(d.attributeTypes['int.unsafe'], 'double');
  assert.equal(d.attributeTypes['double'], 'double');
  assert.equal(d.attributeTypes['str.empty'], 'string');
  assert.equal(d.attributeTypes['bool.false'], 'bool');
  assert.equal(d.attributeTypes['arr.empty'], 'array');
  assert.ok(!('skip.null' in d.attributes));
  assert.ok(!('skip.undefined' in d.attributes));
  assert.equal(d.droppedAttributesCount, 3);
  assert.deepEqual(d.events, [
    {
      name: 'exception',
      timeUnixNano: exactNanos(T0 + 1.5),
      attributes: { 'exception.message': 'boom', code: 7 },
      droppedAttributesCount: 2,
    },
    { name: 'empty', timeUnixNano: exactNanos(T0 + 2), attributes: {}, droppedAttributesCount: 0 },
  ]);
  assert.equal(d.droppedEventsCount, 4);
  assert.deepEqual(d.links, [
    {
      traceId: '11111111111111111111111111111111',
      spanId: '2222222222222222',
      traceState: 'a=b',
      flags: 0x01 | 0x100 | 0x200,
      attributes: { 'link.kind': 'follows' },
      droppedAttributesCount: 1,
    },
    {
      traceId: '33333333333333333333333333333333',
      spanId: '4444444444444444',
      traceState: '',
      flags: 0x100,
      attributes: {},
      droppedAttributesCount: 0,
    },
  ]);
  assert.equal(d.droppedLinksCount, 5);
  assert.deepEqual(d.status, { code: 2, message: 'something failed' });
}

function checkBatch(decoded: DecodedSpan[]): void {
  // grouping: resource A (scope1: full, laterA1; scope2: rootInternal), resource B (scope1: clientB; scope2: consumer)
  assert.deepEqual(
    decoded.map((d) => [d.name, d.resourceIndex, d.scopeIndex, d.resource.attributes['service.name'], d.scope.name]),
    [
      ['GET /users/:id', 0, 0, 'svc-a', 'otelite/http'],
      ['later-a1', 0, 0, 'svc-a', 'otelite/http'],
      ['root-internal', 0, 1, 'svc-a', 'otelite/pg'],
      ['client-b', 1, 0, 'svc-b', 'otelite/http'],
      ['consumer', 1, 1, 'svc-b', 'otelite/pg'],
    ],
  );
  checkFull(decoded[0]!);
  const [, a1, root, b, cons] = decoded as [DecodedSpan, DecodedSpan, DecodedSpan, DecodedSpan, DecodedSpan];
  assert.deepEqual(a1.resource, {
    attributes: { 'service.name': 'svc-a', 'process.pid': 4321, 'telemetry.sdk.language': 'nodejs', 'host.tags': ['x', 'y'] },
    droppedAttributesCount: 0,
    schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
  });
  assert.deepEqual(a1.scope, { name: 'otelite/http', version: '0.1.0', attributes: {}, schemaUrl: 'https://opentelemetry.io/schemas/1.27.0' });
  assert.deepEqual(root.scope, { name: 'otelite/pg', version: '', attributes: {}, schemaUrl: '' });
  assert.equal(b.resource.schemaUrl, '');
  assert.equal(a1.kind, 4); // PRODUCER
  assert.equal(root.kind, 1); // INTERNAL
  assert.equal(b.kind, 3); // CLIENT
  assert.equal(cons.kind, 5); // CONSUMER
  assert.equal(root.parentSpanId, undefined);
  assert.equal(root.flags, 0x100); // has-is-remote known (not remote), trace flags 0
  assert.equal(root.traceState, '');
  assert.deepEqual(root.status, { code: 0, message: '' });
  assert.deepEqual(root.attributes, {});
  assert.deepEqual(root.events, []);
  assert.deepEqual(root.links, []);
  assert.equal(b.parentSpanId, '0000000000000003');
  assert.equal(b.flags, 0x101);
  assert.deepEqual(b.status, { code: 1, message: '' });
  assert.deepEqual(b.attributes, { 'http.response.status_code': 200 });
}

/** The request of a part of a block, as a copy (the pooled buffer is given back). */
function requestOf(part: SpanBytes): Buffer {
  const pooled = encodeSpanBytesPooled(part);
  const copy = Buffer.from(pooled.bytes);
  pooled.release();
  return copy;
}

describe('OTLP encoding', () => {
  describe('protobuf, spans kept as their bytes (span-bytes.ts)', () => {
    it('assembles the same request, byte for byte, as encoding the spans themselves', () => {
      const queue = new SpanBytesQueue(10);
      for (const s of batch) queue.push(s);
      assert.equal(queue.length, batch.length);
      const part = queue.take(10);
      assert.equal(queue.length, 0);
      assert.equal(queue.count(part), batch.length);
      const bytes = requestOf(part);
      assert.deepEqual(bytes, Buffer.from(encodeTraceRequest(batch)));
      checkBatch(decodeTraceRequest(bytes));
    });

    it('copies consecutive spans of one resource and scope together, the bytes the same as span by span', () => {
      const named = (name: string, resource: ResourceData, scope: InstrumentationScope): SpanData => span({ name, resource, scope });
      const spans = [
        named('a1', resourceA, scope1),
        named('a2', resourceA, scope1),
        named('a3', resourceA, scope1),
        named('p1', resourceA, scope2),
        named('b1', resourceB, scope1),
        named('b2', resourceB, scope1),
        named('a4', resourceA, scope1),
        named('p2', resourceA, scope2),
        named('p3', resourceA, scope2),
      ];
      const queue = new SpanBytesQueue(spans.length);
      for (const s of spans) queue.push(s);
      const part = queue.take(spans.length);
      const bytes = requestOf(part);
      assert.deepEqual(bytes, Buffer.from(encodeTraceRequest(spans)));
      assert.deepEqual(
        decodeTraceRequest(bytes).map((d) => d.name),
        ['a1', 'a2', 'a3', 'a4', 'p1', 'p2', 'p3', 'b1', 'b2'],
      );
      // Halves and quarters cut through runs of one group.
      for (const [from, to] of [[0, 2], [1, 5], [2, 9], [5, 8]]) {
        assert.deepEqual(requestOf({ block: part.block, from, to }), Buffer.from(encodeTraceRequest(spans.slice(from, to))), `spans ${from} to ${to}`);
      }
    });

    it('halves a part into the requests of each half of the spans', () => {
      const queue = new SpanBytesQueue(10);
      for (const s of batch) queue.push(s);
      const [first, second] = halveSpanBytes(queue.take(10));
      assert.deepEqual(requestOf(first), Buffer.from(encodeTraceRequest(batch.slice(0, 3))));
      assert.deepEqual(requestOf(second), Buffer.from(encodeTraceRequest(batch.slice(3))));
      const [a, b] = halveSpanBytes(second);
      assert.deepEqual([a.from, a.to, b.from, b.to], [3, 4, 4, 5]);
      assert.deepEqual(requestOf(b), Buffer.from(encodeTraceRequest([batch[4]!])));
    });

    it('queues in blocks of one batch, hands out the oldest first, and reuses a block once it is recycled', () => {
      const queue = new SpanBytesQueue(2);
      const named = (name: string): SpanData => span({ name, resource: resourceA, scope: scope1 });
      for (const name of ['a', 'b', 'c', 'd', 'e']) queue.push(named(name));
      assert.equal(queue.length, 5);
      const names = (part: SpanBytes): string[] => decodeTraceRequest(requestOf(part)).map((d) => d.name);
      const first = queue.take(2);
      assert.deepEqual(names(first), ['a', 'b']);
      assert.equal(queue.length, 3);
      const second = queue.take(2);
      assert.deepEqual(names(second), ['c', 'd']);
      first.block.recycle();
      assert.deepEqual(names(queue.take(2)), ['e'], 'a block not yet full goes too');
      queue.push(named('f'));
      const third = queue.take(2);
      assert.equal(third.block, first.block, 'the recycled block took the next spans');
      assert.deepEqual(names(third), ['f']);
      assert.equal(queue.length, 0);
      assert.equal(queue.count(queue.take(2)), 0, 'an empty queue gives an empty batch');
    });

    it('does not keep for reuse a block whose buffer one huge batch grew past 8 MiB', () => {
      const queue = new SpanBytesQueue(1);
      queue.push(span({ name: 'huge', resource: resourceA, scope: scope1, attributeKeys: ['big'], attributeValues: ['x'.repeat(9 * 1024 * 1024)] }));
      const huge = queue.take(1);
      huge.block.recycle();
      queue.push(span({ name: 'small', resource: resourceA, scope: scope1 }));
      const small = queue.take(1);
      assert.notEqual(small.block, huge.block);
      small.block.recycle();
      queue.push(span({ name: 'next', resource: resourceA, scope: scope1 }));
      assert.equal(queue.take(1).block, small.block, 'a block of ordinary size is reused');
    });

    it('refuses a span it cannot encode, and keeps the block whole for the others', () => {
      const queue = new SpanBytesQueue(10);
      queue.push(batch[0]!);
      const broken = { ...batch[1]!, get attributeKeys(): string[] { throw new Error('unreadable'); } } as SpanData;
      assert.throws(() => queue.push(broken), /unreadable/);
      assert.equal(queue.length, 1);
      queue.push(batch[2]!);
      assert.deepEqual(requestOf(queue.take(10)), Buffer.from(encodeTraceRequest([batch[0]!, batch[2]!])));
    });
  });

  describe('protobuf', () => {
    it('encodes every field, decoded by protobufjs against the official protos', () => {
      checkBatch(decodeTraceRequest(encodeTraceRequest(batch)));
    });

    it('is byte-identical to protobufjs re-encoding (canonical field order and lengths)', () => {
      const bytes = encodeTraceRequest(batch);
      assert.deepEqual(Buffer.from(reencodeWithProtobufjs(bytes)), Buffer.from(bytes));
    });

    it('returns a copy that the next encode does not overwrite', () => {
      const first = Buffer.from(encodeTraceRequest([full]));
      const kept = encodeTraceRequest([full]);
      encodeTraceRequest([clientB, consumer]);
      assert.deepEqual(Buffer.from(kept), first);
    });

    it('handles an empty batch', () => {
      assert.equal(encodeTraceRequest([]).length, 0);
      assert.deepEqual(decodeTraceRequest(encodeTraceRequest([])), []);
    });

    it('handles spans past 16 KiB and batches past 2 MiB (length prefixes that grow)', () => {
      const big = 'x'.repeat(20_000);
      const spans: SpanData[] = [];
      for (let i = 0; i < 120; i++) {
        spans.push(
          span({
            name: 'big-' + i,
            resource: resourceA,
            scope: scope1,
            attributeKeys: ['big', 'i'],
            attributeValues: [big, i],
          }),
        );
      }
      const bytes = encodeTraceRequest(spans);
      assert.ok(bytes.length > 2 * 1024 * 1024);
      const decoded = decodeTraceRequest(bytes);
      assert.equal(decoded.length, 120);
      assert.equal(decoded[119]!.attributes['i'], 119);
      assert.equal((decoded[7]!.attributes['big'] as string).length, 20_000);
      assert.deepEqual(Buffer.from(reencodeWithProtobufjs(bytes)), Buffer.from(bytes));
    });

    it('writes strings of every length around the one-byte length limits, ASCII or not', () => {
      const spans: SpanData[] = [];
      let id = 0;
      for (const keyLen of [1, 20, 61, 121, 130]) {
        for (const ch of ['a', 'é', '€', '😀', '\u0000']) {
          const keys: string[] = [];
          const values: AttributeValue[] = [];
          for (let n = 0; n < 300; n += n < 140 ? 1 : 23) {
            const key = `${ch}${n}:`.padEnd(keyLen, 'k');
            const value = 'v'.repeat(Math.max(0, n - 1)) + (n > 0 ? ch : '');
            keys.push(key);
            values.push(value);
          }
          const name = ch.repeat(keyLen);
          spans.push(span({ name, resource: resourceA, scope: scope1, spanId: (++id).toString(16).padStart(16, '0'), attributeKeys: keys, attributeValues: values }));
        }
      }
      const bytes = encodeTraceRequest(spans);
      const decoded = decodeTraceRequest(bytes);
      assert.equal(decoded.length, spans.length);
      decoded.forEach((d, i) => {
        const s = spans[i]!;
        assert.equal(d.name, s.name);
        const expected: Record<string, unknown> = {};
        s.attributeKeys.forEach((k, j) => (expected[k] = s.attributeValues[j]));
        assert.deepEqual(d.attributes, expected);
      });
      assert.deepEqual(Buffer.from(reencodeWithProtobufjs(bytes)), Buffer.from(bytes));
    });

    it('encodes kvlist, bytes and bigint values too (beyond the API attribute types)', () => {
      const values = [{ a: 1, b: ['x', { c: true }], skip: null }, new Uint8Array([1, 2, 255]), 2n ** 62n, -5n] as unknown as AttributeValue[];
      const s = span({ name: 'extra', resource: resourceA, scope: scope1, attributeKeys: ['kv', 'bytes', 'big', 'negbig'], attributeValues: values });
      const bytes = encodeTraceRequest([s]);
      const [d] = decodeTraceRequest(bytes);
      assert.deepEqual(d!.attributes, { kv: { a: 1, b: ['x', { c: true }] }, bytes: new Uint8Array([1, 2, 255]), big: 2n ** 62n, negbig: -5 });
      assert.deepEqual(d!.attributeTypes, { kv: 'kvlist', bytes: 'bytes', big: 'int', negbig: 'int' });
      assert.deepEqual(Buffer.from(reencodeWithProtobufjs(bytes)), Buffer.from(bytes));
      const j = decodeTraceRequestJson(encodeTraceRequestJson([s]));
      assert.deepEqual(j[0]!.attributes, d!.attributes);
    });

    it('keeps working when the same keys come in another order or other keys', () => {
      const a = span({ name: 'a', resource: resourceA, scope: scope1, attributeKeys: ['x', 'y', 'z'], attributeValues: [1, 'two', true] });
      const b = span({ name: 'b', resource: resourceA, scope: scope1, attributeKeys: ['z', 'x', 'w'], attributeValues: [false, 3.5, 'w'] });
      const d = decodeTraceRequest(encodeTraceRequest([a, b, a]));
      assert.deepEqual(d.map((x) => x.attributes), [
        { x: 1, y: 'two', z: true },
        { z: false, x: 3.5, w: 'w' },
        { x: 1, y: 'two', z: true },
      ]);
    });

    it('encodes a value that recurs at a position the same way, across requests and once it changes', () => {
      // The writer keeps the KeyValue of a value seen twice in a row at a position and copies it.
      const make = (method: string, host: string, path: string) =>
        span({ name: method, resource: resourceA, scope: scope1, attributeKeys: ['m', 'host', 'path'], attributeValues: [method, host, path] });
      const rounds: [string, string, string][] = [
        ['GET', 'héllo.example', '/a'],
        ['GET', 'héllo.example', '/a'],
        ['GET', 'héllo.example', '/b'],
        ['POST', 'héllo.example', '/b'],
        ['POST', 'other', '/b'],
        ['POST', 'other', 'x'.repeat(300)],
        ['POST', 'other', 'x'.repeat(300)],
      ];
      // One request of all spans, then each span alone (the writer's buffer reused in between).
      for (const oneRequestEach of [false, true]) {
        const spans = rounds.map(([m, h, p]) => make(m, h, p));
        const requests = oneRequestEach ? spans.map((one) => [one]) : [spans];
        const decoded = requests.flatMap((batch) => {
          const bytes = encodeTraceRequest(batch);
          assert.deepEqual(Buffer.from(reencodeWithProtobufjs(bytes)), Buffer.from(bytes));
          return decodeTraceRequest(bytes);
        });
        assert.deepEqual(
          decoded.map((d) => d.attributes),
          rounds.map(([m, h, p]) => ({ m, host: h, path: p })),
        );
      }
    });

    it('encodes recurring numbers and booleans the same way, and never takes one type for another', () => {
      const rounds: AttributeValue[][] = [
        [8080, true, 1.5, 1],
        [8080, true, 1.5, 1],
        [8080, false, 1.5, '1'],
        [9090, false, 2, '1'],
        [9090, false, 2, true],
        [9090, 0, 2, true],
        [-0, 0, 2.0, 1],
        [-0, 0, 2.0, 1],
      ];
      const keys = ['port', 'flag', 'ratio', 'mixed'];
      const spans = rounds.map((values) => span({ name: 's', resource: resourceA, scope: scope1, attributeKeys: keys, attributeValues: values }));
      const bytes = encodeTraceRequest(spans);
      assert.deepEqual(Buffer.from(reencodeWithProtobufjs(bytes)), Buffer.from(bytes));
      const decoded = decodeTraceRequest(bytes);
      assert.deepEqual(
        decoded.map((d) => d.attributes),
        rounds.map((values) => Object.fromEntries(keys.map((k, i) => [k, Object.is(values[i], -0) ? 0 : values[i]]))),
      );
      const typeOf = (v: AttributeValue): string => (typeof v === 'boolean' ? 'bool' : typeof v === 'string' ? 'string' : Number.isInteger(v) ? 'int' : 'double');
      assert.deepEqual(
        decoded.map((d) => d.attributeTypes),
        rounds.map((values) => Object.fromEntries(keys.map((k, i) => [k, typeOf(values[i]!)]))),
      );
    });

    it('copies runs of recurring attributes whole, and any mix of recurring, changing, missing and reordered ones (and names) encodes right', () => {
      // Spans of one scope and kind whose attributes mostly recur, as an instrumentation's do, with
      // values that change, vanish (null), keys that move or go missing, and lists cut short: each
      // span decodes to its own attributes, and the bytes are protobufjs's own.
      let seed = 7;
      const random = (n: number): number => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % n;
      };
      const pools: AttributeValue[][] = [['GET'], ['/users/42', '/users/7'], ['http'], [8080, 8081], [true], [51000, 51001, 51002, 51003], ['1.1'], [200, 404], ['ü-agent']];
      const baseKeys = ['method', 'path', 'scheme', 'port', 'flag', 'peer.port', 'version', 'status', 'agent'];
      const names = ['GET /users/:id', 'GET', '', 'nämé ✓', 'n'.repeat(300)];
      const spans: SpanData[] = [];
      const expected: Record<string, unknown>[] = [];
      for (let n = 0; n < 600; n++) {
        let keys = [...baseKeys];
        if (random(10) === 0) keys = keys.slice(0, 2 + random(keys.length - 2)); // cut short
        if (random(15) === 0) [keys[1], keys[2]] = [keys[2]!, keys[1]!]; // two keys swapped
        if (random(20) === 0) keys[4] = 'other'; // another key at a position
        const values = keys.map((k) => {
          const pool = pools[baseKeys.indexOf(k)] ?? ['x', 1];
          return random(25) === 0 ? null : pool[random(pool.length)]!;
        });
        // Names recur as values do (the memo keeps them too): mostly one, sometimes another.
        const name = random(6) === 0 ? names[random(names.length)]! : names[0]!;
        spans.push(span({ name, resource: resourceA, scope: scope1, attributeKeys: keys, attributeValues: values as AttributeValue[] }));
        expected.push({ name, attributes: Object.fromEntries(keys.flatMap((k, i) => (values[i] === null ? [] : [[k, values[i]]]))) });
      }
      const decoded: Record<string, unknown>[] = [];
      for (let from = 0; from < spans.length; from += 50) {
        const bytes = encodeTraceRequest(spans.slice(from, from + 50));
        assert.deepEqual(Buffer.from(reencodeWithProtobufjs(bytes)), Buffer.from(bytes));
        decoded.push(...decodeTraceRequest(bytes).map((d) => ({ name: d.name, attributes: d.attributes })));
      }
      assert.deepEqual(decoded, expected);
    });

    it('keeps recurring values apart for spans of other scopes and kinds that end interleaved', () => {
      // A server span and its framework's span, a client span of the same scope, and more scopes
      // than the writer keeps memos for (those share one): each ends between the others' spans.
      const scopes: InstrumentationScope[] = Array.from({ length: 70 }, (_, i) => ({ name: `scope-${i}`, version: undefined, schemaUrl: undefined }));
      const kinds = [SpanKind.SERVER, SpanKind.INTERNAL, SpanKind.CLIENT];
      const expected: Record<string, unknown>[] = [];
      const spans: SpanData[] = [];
      for (let round = 0; round < 4; round++) {
        scopes.forEach((scope, s) => {
          const kind = kinds[s % kinds.length]!;
          // The same key at position 0 for every kind, with a value of its own; at position 1 one
          // value under two keys, recurring from round to round; position 2 changes in the last round.
          const values = [`v-${s}-${kind}`, 'GÉT', round < 3 ? `/r/${s}` : `/changed/${s}`];
          spans.push(span({ name: `span-${s}`, kind, resource: resourceA, scope, attributeKeys: ['a', s % 2 === 0 ? 'm' : 'h', 'path'], attributeValues: values }));
          expected.push({ a: values[0], [s % 2 === 0 ? 'm' : 'h']: values[1], path: values[2] });
        });
      }
      for (const batch of [spans.slice(0, 140), spans.slice(140)]) {
        const bytes = encodeTraceRequest(batch);
        assert.deepEqual(Buffer.from(reencodeWithProtobufjs(bytes)), Buffer.from(bytes));
      }
      // Decoded per span (a request groups spans by scope): each carries its own values.
      const decoded = spans.map((one) => decodeTraceRequest(encodeTraceRequest([one]))[0]!.attributes);
      assert.deepEqual(decoded, expected);
    });

    it('converts epoch-millisecond floats to exact nanoseconds', () => {
      const samples = [
        T0,
        1,
        0.000001,
        1_700_000_000_000,
        1_700_000_000_000.0005,
        1_733_000_000_000.999999,
        1_999_999_999_999.9998,
        4_102_444_800_000.123, // 2100
      ];
      let x = 0x12345678;
      for (let i = 0; i < 2000; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        samples.push(1_600_000_000_000 + (x / 2 ** 32) * 200_000_000_000 + (x % 1000) / 1000);
      }
      for (const ms of samples) assert.equal(msToNanosBigInt(ms), exactNanos(ms), `for ${ms}`);
      assert.equal(msToNanosBigInt(0), 0n);
      assert.equal(msToNanosBigInt(-5), 0n);
      assert.equal(msToNanosBigInt(NaN), 0n);
    });

    it('writes varints and negative int64 like protobufjs', () => {
      const w = new ProtoWriter(4);
      const values = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1];
      for (const v of values) w.varint(v);
      for (const v of [-1, -128, -(2 ** 31), -(2 ** 53 - 1)]) w.int64(v);
      const bytes = w.finish();
      // decode with protobufjs' reader
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const protobuf = require('protobufjs') as typeof import('protobufjs');
      const r = protobuf.Reader.create(bytes);
      for (const v of values) assert.equal(Number(r.uint64().toString()), v);
      for (const v of [-1, -128, -(2 ** 31), -(2 ** 53 - 1)]) assert.equal(Number(r.int64().toString()), v);
      assert.equal(r.pos, bytes.length);
    });

    it('reads partial_success and google.rpc.Status bodies', () => {
      assert.deepEqual(decodePartialSuccess(encodeTraceResponse({ rejectedSpans: 3, errorMessage: 'bad spans' })), {
        rejected: 3,
        errorMessage: 'bad spans',
      });
      assert.equal(decodePartialSuccess(encodeTraceResponse()), undefined);
      assert.equal(decodePartialSuccess(Buffer.from('not protobuf at all, surely')), undefined);
      // google.rpc.Status { code = 1: 3, message = 2: "invalid" }
      assert.equal(decodeRpcStatusMessage(Buffer.from([0x08, 0x03, 0x12, 0x07, ...Buffer.from('invalid')])), 'invalid');
    });
  });

  describe('JSON', () => {
    it('encodes the same spans, decoded by the JSON reader', () => {
      const body = encodeTraceRequestJson(batch);
      checkBatch(decodeTraceRequestJson(body));
      // and equal to the protobuf path, span by span
      assert.deepEqual(decodeTraceRequestJson(body), decodeTraceRequest(encodeTraceRequest(batch)));
    });

    it('follows the OTLP/JSON rules: hex ids, integer enums, 64-bit ints as strings, camelCase', () => {
      const text = Buffer.from(encodeTraceRequestJson([full])).toString('utf8');
      const req = JSON.parse(text);
      const s = req.resourceSpans[0].scopeSpans[0].spans[0];
      assert.equal(s.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
      assert.equal(s.spanId, '00f067aa0ba902b7');
      assert.equal(s.parentSpanId, '53995c3f42cd8ad8');
      assert.equal(s.kind, 2);
      assert.equal(s.status.code, 2);
      assert.equal(s.flags, 0x301);
      assert.equal(typeof s.startTimeUnixNano, 'string');
      assert.equal(s.startTimeUnixNano, exactNanos(T0).toString());
      const int = s.attributes.find((a: { key: string }) => a.key === 'int');
      assert.deepEqual(int.value, { intValue: '42' });
      const dbl = s.attributes.find((a: { key: string }) => a.key === 'double');
      assert.deepEqual(dbl.value, { doubleValue: 3.14159 });
      const nan = s.attributes.find((a: { key: string }) => a.key === 'double.nan');
      assert.deepEqual(nan.value, { doubleValue: 'NaN' });
      assert.equal(s.droppedAttributesCount, 3);
      assert.ok('resourceSpans' in req && 'scopeSpans' in req.resourceSpans[0]);
      assert.ok(!/trace_id|span_id|_unix_nano/.test(text));
    });

    it('reads partialSuccess', () => {
      assert.deepEqual(decodePartialSuccessJson(Buffer.from('{"partialSuccess":{"rejectedSpans":"2","errorMessage":"x"}}')), {
        rejected: 2,
        errorMessage: 'x',
      });
      assert.equal(decodePartialSuccessJson(Buffer.from('{}')), undefined);
      assert.equal(decodePartialSuccessJson(Buffer.from('garbage')), undefined);
    });
  });
});
