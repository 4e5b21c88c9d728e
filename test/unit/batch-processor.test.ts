import assert from 'node:assert/strict';
import { diag, DiagLogLevel, TraceFlags } from '@opentelemetry/api';
import type { BatchConfig } from '../../src/config/types';
import { BatchSpanProcessor } from '../../src/export/batch-processor';
import type { ExportResult, SpanExporter } from '../../src/export/exporter';
import { SpanBytesQueue } from '../../src/export/otlp/span-bytes';
import { spanData } from '../kit/recording';
import { decodingBytesExporter } from '../kit/span-bytes';
import type { SpanData } from '../../src/sdk/span-data';

function fakeSpan(i: number, sampled = true): SpanData {
  return { name: `s${i}`, traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE } as unknown as SpanData;
}

/** An exporter whose answers the test controls; it records how many exports ran at once. */
class ScriptedExporter implements SpanExporter {
  readonly target = 'http://collector:4318/v1/traces';
  batches: string[][] = [];
  running = 0;
  maxRunning = 0;
  result: ExportResult = { ok: true };
  delayMs = 0;
  async export(spans: readonly SpanData[]): Promise<ExportResult> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.batches.push(spans.map((s) => s.name));
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    this.running--;
    return this.result;
  }
  forceFlush = () => Promise.resolve();
  shutdown = () => Promise.resolve();
}

const CONFIG: BatchConfig = { scheduleDelayMs: 50, exportTimeoutMs: 1000, maxQueueSize: 10, maxExportBatchSize: 4 };

describe('batch span processor', () => {
  let warnings: string[];
  beforeEach(() => {
    warnings = [];
    diag.setLogger({ error() {}, info() {}, debug() {}, verbose() {}, warn: (m) => warnings.push(m) }, DiagLogLevel.WARN);
  });
  afterEach(() => diag.disable());

  it('exports a full batch without waiting for the delay, and never inside span.end()', async () => {
    const exporter = new ScriptedExporter();
    const bsp = new BatchSpanProcessor(exporter, { ...CONFIG, scheduleDelayMs: 60_000 });
    for (let i = 0; i < 4; i++) bsp.onEnd(fakeSpan(i));
    assert.equal(exporter.batches.length, 0, 'export must not run synchronously in onEnd');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(exporter.batches, [['s0', 's1', 's2', 's3']]);
  });

  it('exports a partial batch after the schedule delay', async () => {
    const exporter = new ScriptedExporter();
    const bsp = new BatchSpanProcessor(exporter, CONFIG);
    bsp.onEnd(fakeSpan(0));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(exporter.batches.length, 0);
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(exporter.batches, [['s0']]);
  });

  it('skips spans that are not sampled', async () => {
    const exporter = new ScriptedExporter();
    const bsp = new BatchSpanProcessor(exporter, CONFIG);
    bsp.onEnd(fakeSpan(0, false));
    await bsp.forceFlush();
    assert.equal(exporter.batches.length, 0);
  });

  it('bounds the queue, counts the dropped spans and reports them', async () => {
    const exporter = new ScriptedExporter();
    exporter.delayMs = 30;
    const bsp = new BatchSpanProcessor(exporter, { ...CONFIG, maxExportBatchSize: 10 });
    for (let i = 0; i < 25; i++) bsp.onEnd(fakeSpan(i));
    assert.equal(bsp.queuedSpans, 10);
    assert.equal(bsp.droppedSpans, 15);
    await bsp.shutdown();
    assert.equal(exporter.batches.flat().length, 10);
    assert.ok(warnings.some((w) => w.includes('OTEL_BSP_MAX_QUEUE_SIZE=10')), warnings.join('\n'));
    assert.ok(warnings.some((w) => w.includes('14 more spans dropped') && w.includes('15 in total')), warnings.join('\n'));
  });

  it('with spans kept as bytes: batches of the batch size in order, the queue bounded, a span that cannot be encoded counted as dropped', async () => {
    const batches: string[][] = [];
    const exporter = decodingBytesExporter((spans) => batches.push(spans.map((s) => s.name)));
    const bsp = new BatchSpanProcessor(exporter, { ...CONFIG, scheduleDelayMs: 60_000 }, new SpanBytesQueue(CONFIG.maxExportBatchSize));
    const span = (i: number): SpanData => spanData({ name: `s${i}` });
    const unreadable = { ...span(99), get attributeKeys(): string[] { throw new Error('unreadable'); } } as SpanData;
    for (let i = 0; i < 3; i++) bsp.onEnd(span(i));
    bsp.onEnd(unreadable);
    for (let i = 3; i < 12; i++) bsp.onEnd(span(i));
    assert.equal(bsp.queuedSpans, 10, 'the queue holds OTEL_BSP_MAX_QUEUE_SIZE spans');
    assert.equal(bsp.droppedSpans, 3, 'the unreadable span, and two over the limit');
    await bsp.shutdown();
    assert.deepEqual(batches, [['s0', 's1', 's2', 's3'], ['s4', 's5', 's6', 's7'], ['s8', 's9']]);
    assert.ok(warnings.some((w) => w.includes('a span could not be queued (unreadable)')), warnings.join('\n'));
  });

  it('runs one export at a time and flushes everything on forceFlush', async () => {
    const exporter = new ScriptedExporter();
    exporter.delayMs = 5;
    const bsp = new BatchSpanProcessor(exporter, CONFIG);
    for (let i = 0; i < 10; i++) bsp.onEnd(fakeSpan(i));
    await bsp.forceFlush();
    assert.equal(exporter.maxRunning, 1);
    assert.deepEqual(exporter.batches.flat(), Array.from({ length: 10 }, (_, i) => `s${i}`));
    assert.ok(exporter.batches.every((b) => b.length <= 4));
  });

  it('counts the spans of a failed export as dropped', async () => {
    const exporter = new ScriptedExporter();
    exporter.result = { ok: false, error: new Error('collector said 400') };
    const bsp = new BatchSpanProcessor(exporter, CONFIG);
    for (let i = 0; i < 3; i++) bsp.onEnd(fakeSpan(i));
    await bsp.forceFlush();
    assert.equal(bsp.droppedSpans, 3);
    assert.ok(warnings.some((w) => w.includes('collector said 400')));
  });

  it('only counts the spans of a failed export the exporter has already reported: one line per failure, not two', async () => {
    const exporter = new ScriptedExporter();
    exporter.result = { ok: false, reported: true, error: new Error('collector said 400') };
    const bsp = new BatchSpanProcessor(exporter, CONFIG);
    for (let i = 0; i < 3; i++) bsp.onEnd(fakeSpan(i));
    await bsp.forceFlush();
    assert.equal(bsp.droppedSpans, 3);
    assert.equal(warnings.length, 0, warnings.join('\n'));
    // Later losses are still said, as a count.
    for (let i = 0; i < 2; i++) bsp.onEnd(fakeSpan(i));
    await bsp.forceFlush();
    assert.equal(bsp.droppedSpans, 5);
    assert.ok(warnings.some((w) => w.includes('2 more spans dropped') && w.includes('5 in total')), warnings.join('\n'));
  });

  it('names what an exit that cannot wait would lose: the queued and in-flight spans, and where they were going', async () => {
    const exporter = new ScriptedExporter();
    let release: (r: ExportResult) => void = () => {};
    exporter.export = () => new Promise<ExportResult>((resolve) => (release = resolve));
    const bsp = new BatchSpanProcessor(exporter, CONFIG);
    assert.equal(bsp.unexported(), undefined);
    for (let i = 0; i < 6; i++) bsp.onEnd(fakeSpan(i));
    const flushed = bsp.forceFlush();
    // One batch of 4 in flight, 2 queued.
    assert.equal(bsp.unexported(), '6 spans for http://collector:4318/v1/traces');
    release({ ok: true });
    await new Promise((r) => setImmediate(r));
    release({ ok: true });
    await flushed;
    assert.equal(bsp.unexported(), undefined);
  });

  it('gives up on an export that outlives the export timeout', async () => {
    const exporter = new ScriptedExporter();
    exporter.export = () => new Promise<ExportResult>(() => {});
    const bsp = new BatchSpanProcessor(exporter, { ...CONFIG, exportTimeoutMs: 30 });
    bsp.onEnd(fakeSpan(0));
    const started = Date.now();
    await bsp.forceFlush();
    assert.ok(Date.now() - started < 500);
    assert.equal(bsp.droppedSpans, 1);
  });

  it('accepts nothing after shutdown', async () => {
    const exporter = new ScriptedExporter();
    const bsp = new BatchSpanProcessor(exporter, CONFIG);
    await bsp.shutdown();
    bsp.onEnd(fakeSpan(0));
    assert.equal(bsp.queuedSpans, 0);
  });
});
