import assert from 'node:assert/strict';
import { context, diag, DiagLogLevel, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { SeverityNumber, type AnyValueMap } from '@opentelemetry/api-logs';
import type { BatchConfig, LogRecordLimits } from '../../src/config/types';
import { AsyncLocalStorageContextManager } from '../../src/context/als-context-manager';
import type { ExportResult } from '../../src/export/exporter';
import { encodeLogsRequestJson } from '../../src/export/otlp/encode-logs-json';
import { encodeLogsRequest } from '../../src/export/otlp/encode-logs-protobuf';
import type { LogRecordData, LogRecordProcessor } from '../../src/logs/data';
import { LazyLoggerProvider } from '../../src/logs/lazy-logger-provider';
import { SdkLoggerProvider } from '../../src/logs/logger-provider';
import { BatchLogRecordProcessor, type LogRecordExporter } from '../../src/logs/processors';
import { toAnyValue } from '../../src/logs/values';
import type { ResourceData } from '../../src/sdk/span-data';
import { decodeLogsRequest, decodeLogsRequestJson } from '../kit/otlp-decoder';

const resource: ResourceData = { attributes: { 'service.name': 'logs-unit' }, schemaUrl: undefined };
const NO_LIMITS: LogRecordLimits = { attributeCountLimit: 128, attributeValueLengthLimit: Infinity };

/** A provider whose records land in `records`. */
function provider(limits: LogRecordLimits = NO_LIMITS): { provider: SdkLoggerProvider; records: LogRecordData[] } {
  const records: LogRecordData[] = [];
  const processor: LogRecordProcessor = { onEmit: (r) => records.push(r), forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
  return { provider: new SdkLoggerProvider({ resource, limits, processor }), records };
}

const SPAN: SpanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };

describe('Logs SDK: log records', () => {
  let manager: AsyncLocalStorageContextManager;
  before(() => {
    manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
  });
  after(() => {
    context.disable();
  });

  it('carries severity, body, attributes, times, scope, resource and event name', () => {
    const { provider: p, records } = provider();
    const before = Date.now();
    p.getLogger('app', '1.0.0', { schemaUrl: 'https://example/schema' }).emit({
      severityNumber: SeverityNumber.WARN,
      severityText: 'warn',
      body: { message: 'hi', list: [1, 'a'] },
      attributes: { 'user.id': 7, ok: true },
      eventName: 'app.event',
      timestamp: new Date('2024-01-02T03:04:05.678Z'),
    });
    const [r] = records;
    assert.ok(r);
    assert.equal(r.severityNumber, 13);
    assert.equal(r.severityText, 'warn');
    assert.deepEqual({ ...(r.body as object) }, { message: 'hi', list: [1, 'a'] });
    assert.deepEqual({ ...r.attributes }, { 'user.id': 7, ok: true });
    assert.equal(r.eventName, 'app.event');
    assert.equal(r.timestamp, Date.parse('2024-01-02T03:04:05.678Z'));
    assert.ok(r.observedTimestamp >= before && r.observedTimestamp <= Date.now() + 1);
    assert.deepEqual(r.scope, { name: 'app', version: '1.0.0', schemaUrl: 'https://example/schema' });
    assert.equal(r.resource, resource);
    assert.equal(r.traceId, undefined);
  });

  it('gives a record without a timestamp the time it was emitted, and returns one logger per scope', () => {
    const { provider: p, records } = provider();
    assert.equal(p.getLogger('a', '1'), p.getLogger('a', '1'));
    assert.notEqual(p.getLogger('a', '1'), p.getLogger('a', '2'));
    p.getLogger('a').emit({ body: 'x' });
    assert.equal(records[0]!.timestamp, records[0]!.observedTimestamp);
    assert.equal(records[0]!.severityNumber, 0);
  });

  it("takes the active span's context, or the record's own context", () => {
    const { provider: p, records } = provider();
    const logger = p.getLogger('ctx');
    context.with(trace.setSpanContext(context.active(), SPAN), () => logger.emit({ body: 'active' }));
    const other: SpanContext = { ...SPAN, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE };
    context.with(trace.setSpanContext(context.active(), SPAN), () =>
      logger.emit({ body: 'own', context: trace.setSpanContext(context.active(), other) }),
    );
    logger.emit({ body: 'invalid', context: trace.setSpanContext(context.active(), { ...SPAN, traceId: '0'.repeat(32) }) });
    // Each id alone changes the verdict (the check is remembered for the last ids seen).
    const withIds = (traceId: string, spanId: string): void =>
      logger.emit({ body: 'ids', context: trace.setSpanContext(context.active(), { ...other, traceId, spanId }) });
    withIds(SPAN.traceId, SPAN.spanId);
    withIds('0'.repeat(32), SPAN.spanId);
    withIds(SPAN.traceId, SPAN.spanId);
    withIds(SPAN.traceId, '0'.repeat(16));
    withIds(SPAN.traceId, SPAN.spanId);
    assert.deepEqual(
      records.map((r) => [r.traceId, r.spanId, r.traceFlags]),
      [
        [SPAN.traceId, SPAN.spanId, 1],
        [SPAN.traceId, '00f067aa0ba902b7', 0],
        [undefined, undefined, 0],
        [SPAN.traceId, SPAN.spanId, 0],
        [undefined, undefined, 0],
        [SPAN.traceId, SPAN.spanId, 0],
        [undefined, undefined, 0],
        [SPAN.traceId, SPAN.spanId, 0],
      ],
    );
  });

  it("keeps the app's keys as own fields: nothing inherited, __proto__ and constructor included, and all encoded", () => {
    const { provider: p, records } = provider();
    const attributes = JSON.parse('{"__proto__":"p","constructor":"c","toString":"t","plain":1}') as AnyValueMap;
    p.getLogger('keys').emit({ body: 'b', attributes });
    p.getLogger('keys').emit({ body: 'none', attributes: { plain: 2 }, exception: new Error('x') });
    const [withKeys, withException] = records;
    for (const record of [withKeys!, withException!]) {
      const a = record.attributes;
      assert.equal(typeof a['hasOwnProperty'], 'undefined', 'no method inherited');
      assert.ok(!('valueOf' in a));
      if (record === withException) assert.ok(!('toString' in a) && !('constructor' in a));
    }
    const a = withKeys!.attributes;
    assert.deepEqual(Object.keys(a), ['__proto__', 'constructor', 'toString', 'plain']);
    assert.equal(Object.getOwnPropertyDescriptor(a, '__proto__')?.value, 'p');
    assert.equal(a['constructor'], 'c');
    assert.deepEqual(decodeLogsRequest(encodeLogsRequest([withKeys!]))[0]!.attributes, { ['__proto__']: 'p', constructor: 'c', toString: 't', plain: 1 });
  });

  it('turns the API exception field into exception.* attributes; the record\'s own attributes win', () => {
    const { provider: p, records } = provider();
    const error = new TypeError('bad input');
    p.getLogger('e').emit({ body: 'failed', exception: error, attributes: { 'exception.message': 'mine' } });
    const a = records[0]!.attributes;
    assert.equal(a['exception.type'], 'TypeError');
    assert.equal(a['exception.message'], 'mine');
    assert.equal(a['exception.stacktrace'], error.stack);
  });

  it('applies the attribute count limit (dropped ones counted) and the length limit, also inside maps and arrays', () => {
    const { provider: p, records } = provider({ attributeCountLimit: 2, attributeValueLengthLimit: 4 });
    p.getLogger('l').emit({
      body: 'a body is not an attribute: not cut',
      attributes: { a: 'abcdefgh', b: { inner: 'abcdefgh', list: ['abcdefgh'] }, c: 1, d: 2 },
    });
    const r = records[0]!;
    assert.deepEqual(Object.keys(r.attributes), ['a', 'b']);
    assert.equal(r.droppedAttributesCount, 2);
    assert.equal(r.attributes['a'], 'abcd');
    assert.deepEqual(JSON.parse(JSON.stringify(r.attributes['b'])), { inner: 'abcd', list: ['abcd'] });
    assert.equal(r.body, 'a body is not an attribute: not cut');
  });

  it('copies values at emit: a later change by the app does not reach the record', () => {
    const { provider: p, records } = provider();
    const attrs = { list: [1, 2] };
    p.getLogger('copy').emit({ attributes: attrs });
    attrs.list.push(3);
    assert.deepEqual(records[0]!.attributes['list'], [1, 2]);
  });
});

describe('Logs SDK: hostile values', () => {
  it('converts each kind of value as documented, never throwing', () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular['self'] = circular;
    const throwing = Object.defineProperty({ fine: 1 }, 'bad', { enumerable: true, get: () => { throw new Error('getter'); } });
    const proxy = new Proxy({}, { ownKeys: () => { throw new Error('trap'); } });
    const deep: Record<string, unknown> = {};
    let node = deep;
    for (let i = 0; i < 40; i++) node = (node['next'] = {}) as Record<string, unknown>;
    const converted = toAnyValue({
      circular,
      throwing,
      proxy,
      symbol: Symbol('s'),
      big: 2n ** 70n,
      small: -7n,
      fn: () => 1,
      undef: undefined,
      list: [undefined, () => 1, 1],
      date: new Date(0),
      bad: new Date(NaN),
      bytes: Buffer.from('hi'),
      map: new Map<unknown, unknown>([[1, 'one']]),
      set: new Set(['x']),
      error: Object.assign(new RangeError('out'), { code: 'E1' }),
      nan: NaN,
      ['__proto__']: 'a field',
      deep,
    }) as Record<string, unknown>;
    assert.deepEqual(JSON.parse(JSON.stringify((converted['circular'] as object))), { name: 'loop', self: '[Circular]' });
    assert.deepEqual({ ...(converted['throwing'] as object) }, { fine: 1, bad: '[Unreadable]' });
    assert.equal(converted['proxy'], '[Unreadable]');
    assert.equal(converted['symbol'], 'Symbol(s)');
    assert.equal(converted['big'], (2n ** 70n).toString());
    assert.equal(converted['small'], -7n);
    assert.ok(!('fn' in converted) && !('undef' in converted));
    assert.deepEqual(converted['list'], [null, null, 1]);
    assert.equal(converted['date'], '1970-01-01T00:00:00.000Z');
    assert.equal(converted['bad'], 'Invalid Date');
    assert.deepEqual(converted['bytes'], new Uint8Array([104, 105]));
    assert.deepEqual({ ...(converted['map'] as object) }, { 1: 'one' });
    assert.deepEqual(converted['set'], ['x']);
    const error = converted['error'] as Record<string, unknown>;
    assert.equal(error['type'], 'RangeError');
    assert.equal(error['message'], 'out');
    assert.equal(error['code'], 'E1');
    assert.match(String(error['stacktrace']), /RangeError: out/);
    assert.ok(Number.isNaN(converted['nan']));
    assert.equal(Object.getOwnPropertyDescriptor(converted, '__proto__')?.value, 'a field');
    assert.match(JSON.stringify(converted['deep']), /"\[Too deep\]"/);
  });

  it('a record of hostile values is emitted and encodes, in the same batch as an ordinary one', () => {
    const { provider: p, records } = provider({ attributeCountLimit: 128, attributeValueLengthLimit: 1000 });
    const logger = p.getLogger('hostile');
    const circular: Record<string, unknown> = {};
    circular['me'] = circular;
    const hostile = new Proxy({}, { get: () => { throw new Error('get'); }, ownKeys: () => { throw new Error('keys'); } });
    assert.doesNotThrow(() =>
      logger.emit({ body: circular as never, attributes: { huge: 'x'.repeat(1_000_000), sym: Symbol('x') as never, big: 2n ** 80n as never } }),
    );
    assert.doesNotThrow(() => logger.emit({ body: 'proxy attributes', attributes: hostile as never }));
    assert.doesNotThrow(() => logger.emit(hostile as never));
    logger.emit({ body: 'ordinary' });
    const decoded = decodeLogsRequest(encodeLogsRequest(records));
    assert.ok(decoded.some((r) => r.body === 'ordinary'));
    const first = decoded[0]!;
    assert.equal((first.attributes['huge'] as string).length, 1000);
    assert.equal(first.attributes['big'], (2n ** 80n).toString());
    assert.deepEqual(first.body, { me: '[Circular]' });
  });
});

describe('Logs SDK: OTLP encoders, read back by the independent decoder', () => {
  const scope = { name: 'enc', version: '2.0.0', schemaUrl: 'https://scope/schema' };
  const other = { name: 'other', version: undefined, schemaUrl: undefined };
  const base: LogRecordData = {
    timestamp: Date.parse('2024-01-02T03:04:05.678Z') + 0.25,
    observedTimestamp: Date.parse('2024-01-02T03:04:06Z'),
    severityNumber: 17,
    severityText: 'ERROR',
    body: { msg: 'hello', n: 3, d: 1.5, ok: false, big: 9007199254740993n, bytes: new Uint8Array([1, 2]), list: ['a', null] },
    attributes: { 'http.route': '/x', count: -3 },
    droppedAttributesCount: 2,
    eventName: 'checkout.done',
    traceId: SPAN.traceId,
    spanId: SPAN.spanId,
    traceFlags: 1,
    scope,
    resource,
  };
  const records: LogRecordData[] = [
    base,
    { ...base, body: 'plain', attributes: {}, droppedAttributesCount: 0, eventName: undefined, traceId: undefined, spanId: undefined, traceFlags: 0, severityText: undefined, severityNumber: 0, scope: other },
    { ...base, body: undefined, scope },
  ];

  for (const [name, decode] of [
    ['protobuf', () => decodeLogsRequest(encodeLogsRequest(records))],
    ['JSON', () => decodeLogsRequestJson(encodeLogsRequestJson(records))],
  ] as const) {
    it(`${name}: every field, grouped by resource and scope`, () => {
      const decoded = decode();
      assert.equal(decoded.length, 3);
      // Grouped: the third record travels in the first scope's ScopeLogs, after the first.
      assert.deepEqual(decoded.map((r) => [r.resourceIndex, r.scopeIndex, r.scope.name]), [[0, 0, 'enc'], [0, 0, 'enc'], [0, 1, 'other']]);
      const [a, c, b] = decoded as [(typeof decoded)[0], (typeof decoded)[0], (typeof decoded)[0]];
      assert.equal(a.timeUnixNano, 1704164645678250000n);
      assert.equal(a.observedTimeUnixNano, 1704164646000000000n);
      assert.equal(a.severityNumber, 17);
      assert.equal(a.severityText, 'ERROR');
      assert.deepEqual(a.body, { msg: 'hello', n: 3, d: 1.5, ok: false, big: 9007199254740993n, bytes: new Uint8Array([1, 2]), list: ['a', null] });
      assert.deepEqual(a.attributes, { 'http.route': '/x', count: -3 });
      assert.equal(a.droppedAttributesCount, 2);
      assert.equal(a.traceId, SPAN.traceId);
      assert.equal(a.spanId, SPAN.spanId);
      assert.equal(a.flags, 1);
      assert.equal(a.eventName, name === 'JSON' ? 'checkout.done' : ''); // see the decoder: proto v1.4 has no event_name
      assert.deepEqual(a.scope, { name: 'enc', version: '2.0.0', attributes: {}, schemaUrl: 'https://scope/schema' });
      assert.deepEqual(a.resource.attributes, { 'service.name': 'logs-unit' });
      assert.equal(b.body, 'plain');
      assert.equal(b.traceId, '');
      assert.equal(b.flags, 0);
      assert.equal(b.severityNumber, 0);
      assert.equal(b.scope.name, 'other');
      assert.equal(c.body, undefined);
    });
  }

  it('protobuf: ids in runs and alternating, and an id that is not 32 / 16 hex digits, each read back as written', () => {
    const otherTrace = '0af7651916cd43dd8448eb211c80319d';
    const otherSpan = '00f067aa0ba902b8';
    const ids: Array<[string, string]> = [
      [SPAN.traceId, SPAN.spanId],
      [SPAN.traceId, SPAN.spanId],
      [otherTrace, otherSpan],
      [SPAN.traceId, otherSpan],
      [SPAN.traceId, SPAN.spanId],
      ['abcd', 'ef'],
      ['abcd', 'ef'],
      [otherTrace, otherSpan],
    ];
    const decoded = decodeLogsRequest(encodeLogsRequest(ids.map(([traceId, spanId]) => ({ ...base, traceId, spanId }))));
    assert.deepEqual(
      decoded.map((r) => [r.traceId, r.spanId]),
      ids,
    );
  });

  it('protobuf: event_name is written as field 12 (a string), for receivers on proto v1.5+', () => {
    const bytes = Buffer.from(encodeLogsRequest([base]));
    // tag 0x62 (field 12, length-delimited), length 13, 'checkout.done'
    assert.ok(bytes.includes(Buffer.concat([Buffer.from([0x62, 13]), Buffer.from('checkout.done')])));
  });
});

describe('Logs SDK: the batch log record processor', () => {
  const CONFIG: BatchConfig = { scheduleDelayMs: 30, exportTimeoutMs: 1000, maxQueueSize: 5, maxExportBatchSize: 2 };
  let warnings: string[];
  beforeEach(() => {
    warnings = [];
    diag.setLogger({ error() {}, info() {}, debug() {}, verbose() {}, warn: (m) => warnings.push(m) }, DiagLogLevel.WARN);
  });
  afterEach(() => diag.disable());

  class Exporter implements LogRecordExporter {
    readonly target = 'http://collector:4318/v1/logs';
    batches: unknown[][] = [];
    result: ExportResult = { ok: true };
    export(records: readonly LogRecordData[]): Promise<ExportResult> {
      this.batches.push(records.map((r) => r.body));
      return Promise.resolve(this.result);
    }
    forceFlush = () => Promise.resolve();
    shutdown = () => Promise.resolve();
  }
  const record = (i: number): LogRecordData => ({ body: i }) as unknown as LogRecordData;

  it('bounds the queue: records beyond it are dropped, counted and said once with the variable', async () => {
    const exporter = new Exporter();
    const p = new BatchLogRecordProcessor(exporter, { ...CONFIG, maxExportBatchSize: 5, scheduleDelayMs: 60_000 });
    for (let i = 0; i < 8; i++) p.onEmit(record(i));
    assert.equal(p.dropped, 3);
    assert.equal(p.queued, 5);
    assert.equal(exporter.batches.length, 0, 'nothing is exported inside emit');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /log record queue is full \(OTEL_BLRP_MAX_QUEUE_SIZE=5\): dropping log records/);
    await p.forceFlush();
    assert.deepEqual(exporter.batches, [[0, 1, 2, 3, 4]]);
    assert.match(warnings[1]!, /2 more log records dropped/);
  });

  it('exports full batches on the next turn and the rest after the schedule delay', async () => {
    const exporter = new Exporter();
    const p = new BatchLogRecordProcessor(exporter, CONFIG);
    for (let i = 0; i < 3; i++) p.onEmit(record(i));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(exporter.batches, [[0, 1]]);
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(exporter.batches, [[0, 1], [2]]);
  });

  it('counts the records of a failed export and names what an exit would lose', async () => {
    const exporter = new Exporter();
    exporter.result = { ok: false, error: new Error('boom') };
    const p = new BatchLogRecordProcessor(exporter, { ...CONFIG, scheduleDelayMs: 60_000 });
    p.onEmit(record(1));
    assert.equal(p.unexported(), '1 log record for http://collector:4318/v1/logs');
    await p.forceFlush();
    assert.equal(p.dropped, 1);
    assert.match(warnings[0]!, /export failed \(boom\): dropping log records/);
    assert.equal(p.unexported(), undefined);
  });
});

describe('Logs SDK: the lazy provider the agent registers', () => {
  it('builds the SDK at the first getLogger only, once', () => {
    let built = 0;
    const { provider: real, records } = provider();
    const lazy = new LazyLoggerProvider(
      () => {
        built++;
        return real;
      },
      () => assert.fail('no failure expected'),
    );
    assert.equal(built, 0);
    return lazy.forceFlush().then(() => {
      assert.equal(built, 0, 'a flush before any logger builds nothing');
      lazy.getLogger('a').emit({ body: 1 });
      lazy.getLogger('b').emit({ body: 2 });
      assert.equal(built, 1);
      assert.deepEqual(records.map((r) => r.body), [1, 2]);
    });
  });

  it('a failing SDK is said once and leaves no-op loggers: emit never throws', () => {
    const failures: unknown[] = [];
    const lazy = new LazyLoggerProvider(
      () => {
        throw new Error('cannot load');
      },
      (error) => failures.push(error),
    );
    assert.doesNotThrow(() => lazy.getLogger('a').emit({ body: 'x' }));
    assert.doesNotThrow(() => lazy.getLogger('b').emit({ body: 'y' }));
    assert.equal(failures.length, 1);
    assert.equal(lazy.unexported(), undefined);
  });
});
