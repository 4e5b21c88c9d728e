import assert from 'node:assert/strict';
import { diag, TraceFlags } from '@opentelemetry/api';
import { BatchSpanProcessor } from '../../src/export/batch-processor';
import type { ExportResult, SpanExporter } from '../../src/export/exporter';
import type { SpanData } from '../../src/sdk/span-data';

/**
 * One export at a time (the specification's rule for the batch processor), also while spans
 * keep ending during a flush and when two flushes overlap (a signal's and beforeExit's): a slow
 * exporter never sees two exports at once, and every span is exported exactly once.
 */

function span(i: number): SpanData {
  return { name: `s${i}`, traceFlags: TraceFlags.SAMPLED } as unknown as SpanData;
}

class SlowExporter implements SpanExporter {
  running = 0;
  maxRunning = 0;
  exported: string[] = [];
  async export(spans: readonly SpanData[]): Promise<ExportResult> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await new Promise((r) => setTimeout(r, 15));
    this.exported.push(...spans.map((s) => s.name));
    this.running--;
    return { ok: true };
  }
  forceFlush = () => Promise.resolve();
  shutdown = () => Promise.resolve();
}

describe('reliability: one export at a time, flushes included', () => {
  before(() => diag.disable());

  it('a full batch ending during a flush waits for the flush\'s export instead of running beside it', async () => {
    const exporter = new SlowExporter();
    const bsp = new BatchSpanProcessor(exporter, { scheduleDelayMs: 60_000, exportTimeoutMs: 5_000, maxQueueSize: 1_000, maxExportBatchSize: 10 });
    for (let i = 0; i < 5; i++) bsp.onEnd(span(i));
    const flush = bsp.forceFlush(); // exports the 5 queued spans (15 ms)
    for (let i = 5; i < 17; i++) bsp.onEnd(span(i)); // a full batch: an export is due at once
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(exporter.running, 1);
    await flush;
    assert.equal(exporter.maxRunning, 1, 'two exports ran at once');
    assert.deepEqual([...exporter.exported].sort(), Array.from({ length: 17 }, (_, i) => `s${i}`).sort());
  });

  it('spans ending throughout two overlapping flushes: one export at a time, each span exported once', async () => {
    const exporter = new SlowExporter();
    const bsp = new BatchSpanProcessor(exporter, { scheduleDelayMs: 5, exportTimeoutMs: 5_000, maxQueueSize: 1_000, maxExportBatchSize: 10 });
    let n = 0;
    for (; n < 5; n++) bsp.onEnd(span(n));
    const ending = setInterval(() => {
      for (let i = 0; i < 4 && n < 200; i++, n++) bsp.onEnd(span(n));
    }, 4);
    const flushes = Promise.all([bsp.forceFlush(), new Promise((r) => setTimeout(r, 20)).then(() => bsp.forceFlush())]);
    await new Promise((r) => setTimeout(r, 150));
    clearInterval(ending);
    await flushes;
    await bsp.forceFlush();
    assert.equal(exporter.maxRunning, 1, 'two exports ran at once');
    assert.equal(exporter.exported.length, n);
    assert.equal(new Set(exporter.exported).size, n, 'every span exported exactly once');
    assert.equal(bsp.queuedSpans, 0);
  });
});
