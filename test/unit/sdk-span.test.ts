import assert from 'node:assert/strict';
import { diag, DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Span as ApiSpan } from '@opentelemetry/api';
import type { SpanLimits } from '../../src/config/types';
import { suppressTracing } from '../../src/context/suppress';
import { InMemorySpanExporter } from '../../src/export/memory-exporter';
import { BatchSpanProcessor } from '../../src/export/batch-processor';
import { SpanBytesQueue } from '../../src/export/otlp/span-bytes';
import { SimpleSpanProcessor } from '../../src/export/simple-processor';
import { MultiSpanProcessor, type SpanProcessor } from '../../src/sdk/processor';
import { TracerProvider } from '../../src/sdk/provider';
import { createResource } from '../../src/sdk/resource';
import { AlwaysOnSampler } from '../../src/sdk/sampler';
import { idBytesOf, newSpanId } from '../../src/sdk/ids';
import { Span } from '../../src/sdk/span';
import { TRACE_FLAG_RANDOM } from '../../src/propagation/tracecontext';
import { useContextManager } from '../kit/recording';
import { decodingBytesExporter } from '../kit/span-bytes';
import type { DecodedSpan } from '../kit/otlp-decoder';

const LIMITS: SpanLimits = {
  attributeValueLengthLimit: Infinity,
  attributeCountLimit: 128,
  eventCountLimit: 128,
  linkCountLimit: 128,
  eventAttributeCountLimit: 128,
  linkAttributeCountLimit: 128,
};

function setup(limits: Partial<SpanLimits> = {}) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: createResource({ serviceName: 'unit', attributes: { 'deployment.environment.name': 'test' } }),
    sampler: new AlwaysOnSampler(),
    limits: { ...LIMITS, ...limits },
    processor: new SimpleSpanProcessor(exporter),
  });
  return { exporter, provider, tracer: provider.getTracer('unit-test', '1.2.3') };
}

describe('sdk: spans', () => {
  useContextManager();

  it('creates a root span with fresh ids, the random flag and sampled flag, and its resource and scope', async () => {
    const { exporter, provider, tracer } = setup();
    const span = tracer.startSpan('root', { kind: SpanKind.SERVER, attributes: { a: 1 } });
    const sc = span.spanContext();
    assert.match(sc.traceId, /^[0-9a-f]{32}$/);
    assert.match(sc.spanId, /^[0-9a-f]{16}$/);
    assert.equal(sc.traceFlags, TraceFlags.SAMPLED | TRACE_FLAG_RANDOM);
    span.end();
    await provider.forceFlush();
    assert.equal(exporter.spans.length, 1);
    const data = exporter.spans[0];
    assert.equal(data.kind, SpanKind.SERVER);
    assert.equal(data.parentSpanId, undefined);
    assert.deepEqual(data.attributeKeys, ['a']);
    assert.equal(data.scope.name, 'unit-test');
    assert.equal(data.scope.version, '1.2.3');
    assert.equal(data.resource.attributes['service.name'], 'unit');
    assert.equal(data.resource.attributes['deployment.environment.name'], 'test');
    assert.equal(data.resource.attributes['telemetry.sdk.language'], 'nodejs');
    assert.ok(data.endTime >= data.startTime);
  });

  it('nests active spans through the context manager, across awaits', async () => {
    const { exporter, provider, tracer } = setup();
    await tracer.startActiveSpan('parent', async (parent) => {
      await new Promise((r) => setTimeout(r, 2));
      tracer.startActiveSpan('child', (child) => {
        assert.equal(trace.getActiveSpan(), child);
        child.end();
      });
      parent.end();
    });
    await provider.forceFlush();
    const [child, parent] = exporter.spans;
    assert.equal(child.name, 'child');
    assert.equal(child.traceId, parent.traceId);
    assert.equal(child.parentSpanId, parent.spanId);
    assert.equal(child.parentIsRemote, false);
  });

  it('supports every startActiveSpan overload and returns the callback value', () => {
    const { tracer } = setup();
    const ctx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    assert.equal(tracer.startActiveSpan('a', (s) => (s.end(), 1)), 1);
    assert.equal(tracer.startActiveSpan('b', { kind: SpanKind.CLIENT }, (s) => (s.end(), 2)), 2);
    const traceId = tracer.startActiveSpan('c', {}, ctx, (s) => (s.end(), s.spanContext().traceId));
    assert.equal(traceId, '0af7651916cd43dd8448eb211c80319c');
  });

  it('continues a remote parent and keeps its trace flags and trace state', async () => {
    const { exporter, provider, tracer } = setup();
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    tracer.startSpan('server', {}, remote).end();
    await provider.forceFlush();
    const [span] = exporter.spans;
    assert.equal(span.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(span.parentSpanId, 'b7ad6b7169203331');
    assert.equal(span.parentIsRemote, true);
    assert.equal(span.traceFlags, TraceFlags.SAMPLED, 'the random flag is not invented for a trace id we did not make');
  });

  it('honours the root option and suppressed contexts', () => {
    const { tracer } = setup();
    const parent = tracer.startSpan('p');
    const ctx = trace.setSpan(ROOT_CONTEXT, parent);
    const root = tracer.startSpan('r', { root: true }, ctx) as Span;
    assert.notEqual(root.traceId, parent.spanContext().traceId);
    const suppressed = tracer.startSpan('s', {}, suppressTracing(ctx));
    assert.equal(suppressed.isRecording(), false);
    assert.equal(suppressed instanceof Span, false);
  });

  it('applies attribute count and length limits and counts what it dropped', async () => {
    const { exporter, provider, tracer } = setup({ attributeCountLimit: 2, attributeValueLengthLimit: 4 });
    const span = tracer.startSpan('limited');
    span.setAttribute('a', 'abcdefgh');
    span.setAttribute('b', ['abcdefgh', 'xy']);
    span.setAttribute('c', 1);
    span.setAttribute('a', 'zz'); // overwriting an existing key is not a new attribute
    span.end();
    await provider.forceFlush();
    const data = exporter.spans[0];
    assert.deepEqual(data.attributeKeys, ['a', 'b']);
    assert.deepEqual(data.attributeValues, ['zz', ['abcd', 'xy']]);
    assert.equal(data.droppedAttributesCount, 1);
  });

  it('keeps one value per key, the last, in first-set order: keys of one length, of lengths 32 apart, and set again in any order', async () => {
    const { exporter, provider, tracer } = setup();
    // Lengths 1-70, several keys of each, so that keys share a length (and a length modulo 32).
    const pool: string[] = [];
    for (let length = 1; length <= 70; length++) for (const c of 'abc') pool.push(c.repeat(length));
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 20; round++) {
      const expected = new Map<string, number>();
      const span = tracer.startSpan(`round ${round}`);
      for (let i = 0; i < 60; i++) {
        const key = pool[random(round < 10 ? pool.length : 12)]!; // later rounds: a few short keys, set again and again
        span.setAttribute(key, i);
        expected.set(key, i);
      }
      span.end();
      await provider.forceFlush();
      const data = exporter.spans[round]!;
      assert.deepEqual(data.attributeKeys, [...expected.keys()], `round ${round}`);
      assert.deepEqual(data.attributeValues, [...expected.values()], `round ${round}`);
    }
  });

  it('drops invalid attribute values instead of storing them', async () => {
    const { exporter, provider, tracer } = setup();
    const span = tracer.startSpan('invalid');
    span.setAttributes({
      ok: 'yes',
      obj: { nested: 1 } as never,
      undef: undefined,
      mixed: [1, 'two'] as never,
      withNull: ['a', null as never, 'b'],
      '': 'empty key',
    });
    span.end();
    await provider.forceFlush();
    assert.deepEqual(exporter.spans[0].attributeKeys, ['ok', 'withNull']);
  });

  it('records events, links, exceptions and limits them', async () => {
    const { exporter, provider, tracer } = setup({ eventCountLimit: 2, linkCountLimit: 1, eventAttributeCountLimit: 3 });
    const other = tracer.startSpan('other');
    const span = tracer.startSpan('events', { links: [{ context: other.spanContext(), attributes: { why: 'batch' } }] });
    span.addLink({ context: other.spanContext() });
    span.addEvent('first', { x: 1, y: 2, z: 3, w: 4 });
    span.recordException(new TypeError('boom'));
    span.addEvent('third');
    span.end();
    await provider.forceFlush();
    const data = exporter.spans[0];
    assert.equal(data.links.length, 1);
    assert.equal(data.links[0].spanId, other.spanContext().spanId);
    assert.deepEqual(data.links[0].attributes, { why: 'batch' });
    assert.equal(data.droppedLinksCount, 1);
    assert.equal(data.events.length, 2);
    assert.equal(data.events[0].droppedAttributesCount, 1);
    assert.equal(data.events[1].name, 'exception');
    assert.equal(data.events[1].attributes['exception.type'], 'TypeError');
    assert.equal(data.events[1].attributes['exception.message'], 'boom');
    assert.match(String(data.events[1].attributes['exception.stacktrace']), /TypeError: boom/);
    assert.equal(data.droppedEventsCount, 1);
  });

  it('accepts times as epoch ms, Date, HrTime and performance.now() values', async () => {
    const { exporter, provider, tracer } = setup();
    const base = Math.floor(Date.now() / 1000) * 1000 + 10_000;
    const span = tracer.startSpan('times', { startTime: new Date(base) });
    span.addEvent('ms', base + 500);
    span.addEvent('hr', [base / 1000 + 1, 250_000_000]);
    span.addEvent('perf', 1234.5);
    span.end([base / 1000 + 2, 0]);
    await provider.forceFlush();
    const data = exporter.spans[0];
    assert.equal(data.startTime, base);
    assert.equal(data.events[0].time, base + 500);
    assert.equal(data.events[1].time, base + 1250);
    assert.equal(data.events[2].time, performance.timeOrigin + 1234.5);
    assert.equal(data.endTime, base + 2000);
  });

  it('follows the status rules: OK is final, UNSET ignored, message only with ERROR', () => {
    const { tracer } = setup();
    const a = tracer.startSpan('a') as Span;
    a.setStatus({ code: SpanStatusCode.ERROR, message: 'bad' });
    assert.deepEqual(a.status, { code: SpanStatusCode.ERROR, message: 'bad' });
    a.setStatus({ code: SpanStatusCode.UNSET });
    assert.equal(a.status.code, SpanStatusCode.ERROR);
    a.setStatus({ code: SpanStatusCode.OK, message: 'ignored' });
    assert.deepEqual(a.status, { code: SpanStatusCode.OK });
    a.setStatus({ code: SpanStatusCode.ERROR, message: 'late' });
    assert.deepEqual(a.status, { code: SpanStatusCode.OK });
  });

  it('ends once: a second end is a no-op with a debug line, and an ended span ignores changes', async () => {
    const lines: string[] = [];
    diag.setLogger({ error() {}, warn() {}, info() {}, verbose() {}, debug: (m) => lines.push(m) }, DiagLogLevel.DEBUG);
    try {
      const { exporter, provider, tracer } = setup();
      const span = tracer.startSpan('once');
      span.end();
      span.end();
      span.setAttribute('late', true);
      span.updateName('renamed');
      assert.equal(span.isRecording(), false);
      await provider.forceFlush();
      assert.equal(exporter.spans.length, 1);
      assert.equal(exporter.spans[0].name, 'once');
      assert.equal(exporter.spans[0].attributeKeys.length, 0);
      assert.equal(lines.filter((l) => l.includes('already ended')).length, 1);
    } finally {
      diag.disable();
    }
  });

  it('lets go of its attributes and events once ended, only when every processor keeps nothing of it', async () => {
    const exported: string[][] = [];
    const bytesExporter = decodingBytesExporter((spans) => exported.push(spans.flatMap((s) => Object.keys(s.attributes))));
    const config = { scheduleDelayMs: 60_000, exportTimeoutMs: 1000, maxQueueSize: 8, maxExportBatchSize: 8 };
    const bytes = (): SpanProcessor => new BatchSpanProcessor(bytesExporter, config, new SpanBytesQueue(config.maxExportBatchSize));
    const memory = new InMemorySpanExporter();
    const cases: Array<[string, SpanProcessor, boolean]> = [
      ['protobuf batch (encodes at end)', bytes(), true],
      ['span objects queued (http/json)', new BatchSpanProcessor(memory, config), false],
      ['simple (console)', new SimpleSpanProcessor(memory), false],
      ['both kinds at once', new MultiSpanProcessor([bytes(), new SimpleSpanProcessor(memory)]), false],
    ];
    for (const [label, processor, letsGo] of cases) {
      const provider = new TracerProvider({ resource: createResource({ serviceName: 'unit', attributes: {} }), sampler: new AlwaysOnSampler(), limits: LIMITS, processor });
      const span = provider.getTracer('unit').startSpan('GET', { attributes: { 'url.path': '/users/42' } });
      span.addEvent('retry');
      const ids = span.spanContext();
      span.end();
      const data = span as Span;
      assert.equal(data.attributeKeys.length, letsGo ? 0 : 1, label);
      assert.equal(data.events.length, letsGo ? 0 : 1, label);
      span.setAttribute('late', 1);
      span.addEvent('late');
      assert.equal(data.attributeKeys.length, letsGo ? 0 : 1, `${label}: nothing is added after the end`);
      assert.deepEqual(span.spanContext(), ids, `${label}: the ids stay`);
      await provider.shutdown();
    }
    assert.deepEqual(exported, [['url.path'], ['url.path']], 'the encoded spans carry their attributes');
    assert.ok(memory.spans.every((s) => s.attributeKeys.length === 1 && s.events.length === 1), 'spans kept as objects keep theirs');
  });

  it('encodes the ids it drew from their bytes, and the ids that came as hex from the hex', async () => {
    const decoded: DecodedSpan[] = [];
    const config = { scheduleDelayMs: 60_000, exportTimeoutMs: 1000, maxQueueSize: 64, maxExportBatchSize: 64 };
    const processor = new BatchSpanProcessor(decodingBytesExporter((spans) => decoded.push(...spans)), config, new SpanBytesQueue(64));
    const provider = new TracerProvider({ resource: createResource({ serviceName: 'unit', attributes: {} }), sampler: new AlwaysOnSampler(), limits: LIMITS, processor });
    const tracer = provider.getTracer('unit');
    const remote = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'A'.repeat(32), spanId: 'B'.repeat(16), traceFlags: 1, isRemote: true });
    const root = tracer.startSpan('root', {}, ROOT_CONTEXT);
    const child = tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root));
    const ofRemote = tracer.startSpan('of remote', {}, remote);
    const grandchild = tracer.startSpan('grandchild', {}, trace.setSpan(ROOT_CONTEXT, ofRemote));
    child.end();
    root.end(); // encoded: it lets go of its id bytes
    const late = tracer.startSpan('late child', {}, trace.setSpan(ROOT_CONTEXT, root));
    // Enough ids drawn since for the root's buffer to be filled again: its child parses the hex.
    const old = tracer.startSpan('old', {}, ROOT_CONTEXT);
    for (let i = 0; i < 20_000; i++) newSpanId();
    const ofOld = tracer.startSpan('child of old', {}, trace.setSpan(ROOT_CONTEXT, old));
    for (const span of [grandchild, ofRemote, late, ofOld, old]) span.end();
    await provider.shutdown();
    const byName = new Map(decoded.map((d) => [d.name, d]));
    const expect = (name: string, traceId: string, spanId: string, parentSpanId: string | undefined): void => {
      const d = byName.get(name);
      assert.ok(d !== undefined, `${name} exported`);
      assert.deepEqual([d.traceId, d.spanId, d.parentSpanId], [traceId, spanId, parentSpanId], name);
    };
    const ids = (span: ApiSpan) => span.spanContext();
    expect('root', ids(root).traceId, ids(root).spanId, undefined);
    expect('child', ids(root).traceId, ids(child).spanId, ids(root).spanId);
    expect('of remote', 'a'.repeat(32), ids(ofRemote).spanId, 'b'.repeat(16));
    expect('grandchild', 'a'.repeat(32), ids(grandchild).spanId, ids(ofRemote).spanId);
    expect('late child', ids(root).traceId, ids(late).spanId, ids(root).spanId);
    expect('old', ids(old).traceId, ids(old).spanId, undefined);
    expect('child of old', ids(old).traceId, ids(ofOld).spanId, ids(old).spanId);
    assert.equal(idBytesOf((old as Span).spanIdGen), undefined, "the old span's buffer was filled again");
  });

  it('updateName renames a live span', async () => {
    const { exporter, provider, tracer } = setup();
    const span = tracer.startSpan('GET');
    span.updateName('GET /users/:id');
    span.end();
    await provider.forceFlush();
    assert.equal(exporter.spans[0].name, 'GET /users/:id');
  });
});
