import assert from 'node:assert/strict';
import { diag, SpanKind, type Attributes, type Link, type Span as ApiSpan } from '@opentelemetry/api';
import type { OtlpProtocol, SpanLimits } from '../../src/config/types';
import { DEFAULTS } from '../../src/config';
import { InMemorySpanExporter } from '../../src/export/memory-exporter';
import { OtlpTraceExporter } from '../../src/export/otlp/exporter';
import { SimpleSpanProcessor } from '../../src/export/simple-processor';
import { TracerProvider } from '../../src/sdk/provider';
import { createResource } from '../../src/sdk/resource';
import { AlwaysOnSampler } from '../../src/sdk/sampler';
import type { DecodedSpan } from '../kit/otlp-decoder';
import { startReceiver } from '../kit/otlp-receiver';

/**
 * Attribute values of every type the API allows and many it does not, set through the real SDK
 * on spans, events and links, exported by the real OTLP exporter over each protocol and decoded
 * by the test kit's independent decoder (protobufjs against the official protos, a hand-written
 * OTLP/JSON reader): valid values arrive exactly, invalid ones are dropped, strings are
 * truncated to the length limit, the count limit is applied and counted, and nothing throws,
 * neither into the app nor in the exporter.
 */

const LENGTH_LIMIT = 64;
const COUNT_LIMIT = 40;
const LIMITS: SpanLimits = { ...DEFAULTS.limits, attributeValueLengthLimit: LENGTH_LIMIT, attributeCountLimit: COUNT_LIMIT, eventAttributeCountLimit: COUNT_LIMIT };

const long = 'x'.repeat(100_000);
const emoji = 'a' + '\u{1f600}'.repeat(40); // 81 UTF-16 code units: the cut at 64 falls inside a pair
const revoked = Proxy.revocable([] as unknown[], {});
revoked.revoke();

/** [key, value as set, value expected after export (undefined: dropped)]. */
const CASES: Array<[string, unknown, unknown]> = [
  ['string', 'hello', 'hello'],
  ['empty string', '', ''],
  ['non-ascii', 'héllo wörld 日本 \u{1f600}', 'héllo wörld 日本 \u{1f600}'],
  ['int', 42, 42],
  ['negative int', -7, -7],
  ['max safe int', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ['double', 3.25, 3.25],
  ['huge double', 2 ** 60, 2 ** 60],
  ['NaN', NaN, NaN],
  ['Infinity', Infinity, Infinity],
  ['-Infinity', -Infinity, -Infinity],
  ['true', true, true],
  ['false', false, false],
  ['string array', ['a', 'b', ''], ['a', 'b', '']],
  ['number array', [1, 2.5, -3], [1, 2.5, -3]],
  ['bool array', [true, false], [true, false]],
  ['empty array', [], []],
  ['array with null and undefined', ['a', null, undefined, 'b'], ['a', null, null, 'b']],
  ['huge string (truncated)', long, long.slice(0, LENGTH_LIMIT)],
  ['long non-ascii (truncated)', 'é'.repeat(200), 'é'.repeat(LENGTH_LIMIT)],
  ['surrogate pairs (truncated whole)', emoji, emoji.slice(0, LENGTH_LIMIT - 1)],
  ['array of huge strings (each truncated)', [long, 'short'], [long.slice(0, LENGTH_LIMIT), 'short']],
  // not attribute values: dropped
  ['undefined', undefined, undefined],
  ['null', null, undefined],
  ['object', { a: 1 }, undefined],
  ['date', new Date(0), undefined],
  ['map', new Map([['a', 1]]), undefined],
  ['function', () => 1, undefined],
  ['symbol', Symbol('s'), undefined],
  ['bigint', 10n, undefined],
  ['bytes', new Uint8Array([1, 2]), undefined],
  ['mixed array', ['a', 1], undefined],
  ['array of objects', [{ a: 1 }], undefined],
  ['nested array', [['a']], undefined],
  ['array with a symbol', [Symbol('s')], undefined],
  ['revoked proxy', revoked.proxy, undefined],
  ['throwing proxy array', new Proxy(['a'], { get: (t, k) => (k === '0' ? (() => { throw new Error('trap'); })() : Reflect.get(t, k)) }), undefined],
];

function attributes(): Attributes {
  return Object.fromEntries(CASES.map(([k, v]) => [k, v])) as Attributes;
}

/** Lone surrogates become U+FFFD on the wire in protobuf (UTF-8); compare in that form. */
function normalize(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  if (Array.isArray(v)) return v.map(normalize);
  return v;
}

function checkAttributes(got: Record<string, unknown>, where: string, expectAll = true): void {
  for (const [key, , expected] of CASES) {
    if (expected === undefined) {
      assert.ok(!(key in got), `${where}: "${key}" must be dropped, got ${String(got[key])}`);
    } else if (expectAll || key in got) {
      assert.ok(key in got, `${where}: "${key}" missing`);
      assert.deepEqual(normalize(got[key]), normalize(expected), `${where}: "${key}"`);
    }
  }
}

async function makeSpans(): Promise<{ spans: InMemorySpanExporter['spans']; thrown: string[] }> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: createResource({ serviceName: 'reliability-attributes', attributes: {} }),
    sampler: new AlwaysOnSampler(),
    limits: LIMITS,
    processor: new SimpleSpanProcessor(exporter),
  });
  const tracer = provider.getTracer('attributes');
  const thrown: string[] = [];
  const attempt = (what: string, fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      thrown.push(`${what}: ${(error as Error).message}`);
    }
  };

  // Every value one by one through setAttribute, all at once through setAttributes and the
  // start options, on an event and on a link.
  let one!: ApiSpan;
  attempt('startSpan', () => (one = tracer.startSpan('one by one', { kind: SpanKind.INTERNAL })));
  for (const [key, value] of CASES) attempt(`setAttribute ${key}`, () => one.setAttribute(key, value as never));
  const mutable = ['a', 'b'];
  attempt('setAttribute mutable', () => one.setAttribute('mutated later', mutable));
  mutable.push({ x: 1 } as never, 'c');
  attempt('setAttribute with an empty key', () => one.setAttribute('', 'x'));
  attempt('setAttributes with a throwing getter', () =>
    one.setAttributes({ get ['throwing getter']() { throw new Error('getter'); }, 'after getter': 'kept' } as Attributes),
  );
  attempt('end', () => one.end());

  const link: Link = { context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 }, attributes: attributes() };
  const badLinks: Link[] = [
    { context: { traceId: 'abc', spanId: 'zz', traceFlags: 1 } },
    { context: { traceId: 'g'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 } },
    { context: undefined as never },
    null as never,
  ];
  let all!: ApiSpan;
  attempt('startSpan with everything', () => (all = tracer.startSpan('all at once', { attributes: attributes(), links: [link, ...badLinks] })));
  attempt('addEvent', () => all.addEvent('event', attributes()));
  attempt('addEvent with a throwing getter', () => all.addEvent('event 2', { get g() { throw new Error('getter'); } } as Attributes));
  attempt('too many attributes', () => {
    for (let i = 0; i < 100; i++) all.setAttribute(`extra.${i}`, i);
  });
  attempt('recordException with a hostile error', () => all.recordException(new Proxy({}, { get() { throw new Error('trap'); } }) as Error));
  attempt('setStatus with a hostile status', () => all.setStatus({ get code(): never { throw new Error('trap'); } }));
  attempt('updateName with a hostile name', () => all.updateName({ toString() { throw new Error('trap'); } } as never));
  attempt('end', () => all.end());
  attempt('startSpan with a hostile name', () => tracer.startSpan({ toString() { throw new Error('trap'); } } as never).end());
  await provider.forceFlush();
  return { spans: exporter.spans.slice(), thrown };
}

function checkDecoded(decoded: DecodedSpan[], where: string): void {
  const one = decoded.find((s) => s.name === 'one by one');
  const all = decoded.find((s) => s.name === 'all at once');
  assert.ok(one && all, `${where}: both spans decoded (${decoded.map((s) => s.name).join(', ')})`);
  checkAttributes(one.attributes, `${where} setAttribute`);
  assert.deepEqual(one.attributes['mutated later'], ['a', 'b'], `${where}: an array is copied when set`);
  assert.equal(one.attributes['after getter'], 'kept');
  assert.ok(!('throwing getter' in one.attributes));
  assert.ok(!('' in one.attributes));
  // The count limit keeps the first COUNT_LIMIT valid attributes and counts the rest.
  const validCount = CASES.filter(([, , e]) => e !== undefined).length;
  assert.equal(Object.keys(all.attributes).length, COUNT_LIMIT, where);
  assert.equal(all.droppedAttributesCount, validCount + 100 - COUNT_LIMIT, `${where}: dropped count`);
  checkAttributes(all.attributes, `${where} start options`, false);
  const event = all.events.find((e) => e.name === 'event')!;
  checkAttributes(event.attributes, `${where} event`);
  assert.deepEqual(all.events.find((e) => e.name === 'event 2')!.attributes, {});
  const exception = all.events.find((e) => e.name === 'exception');
  assert.ok(exception, `${where}: the hostile exception is still recorded`);
  assert.equal(all.links.length, 1, `${where}: the links with invalid ids are dropped`);
  checkAttributes(all.links[0]!.attributes, `${where} link`);
  assert.equal(all.status.code, 0);
}

describe('reliability: attribute values of every kind, through the SDK and each OTLP protocol', function () {
  this.timeout(30_000);
  afterEach(() => diag.disable());

  it('the SDK never throws into the app, whatever it is given', async () => {
    const { spans, thrown } = await makeSpans();
    assert.deepEqual(thrown, []);
    assert.equal(spans.length, 3);
  });

  for (const protocol of ['http/protobuf', 'http/json', 'grpc'] as OtlpProtocol[]) {
    it(`${protocol}: valid values exported exactly, invalid ones dropped, strings truncated, the exporter never fails`, async () => {
      const receiver = await startReceiver({ protocol });
      const errors: string[] = [];
      diag.setLogger({ error: (m) => errors.push(m), warn: (m) => errors.push(m), info() {}, debug() {}, verbose() {} });
      const exporter = new OtlpTraceExporter({
        protocol,
        endpoint: receiver.endpoint,
        headers: {},
        timeoutMs: 5000,
        compression: protocol === 'grpc' ? 'gzip' : 'none',
        certificateFile: undefined,
        clientKeyFile: undefined,
        clientCertificateFile: undefined,
      });
      try {
        const { spans } = await makeSpans();
        const result = await exporter.export(spans);
        assert.deepEqual(result, { ok: true }, result.error?.message);
        assert.deepEqual(errors, []);
        assert.equal(receiver.requests.length, 1);
        assert.equal(receiver.requests[0]!.error, undefined, 'the receiver decoded the request');
        checkDecoded(receiver.spans, protocol);
      } finally {
        await exporter.shutdown();
        await receiver.close();
      }
    });
  }
});
