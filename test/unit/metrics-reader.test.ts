import assert from 'node:assert/strict';
import { temporalityFor, type SumMetric } from '../../src/metrics/data';
import { MeterProvider } from '../../src/metrics/meter-provider';
import { PeriodicExportingMetricReader } from '../../src/metrics/reader';
import { MemoryMetricExporter, metricNamed, useDiagLines } from '../kit/metrics-recording';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    assert.ok(Date.now() < deadline, 'timed out waiting');
    await sleep(5);
  }
}

function periodic(exporter: MemoryMetricExporter, intervalMs: number, timeoutMs = 1000): { reader: PeriodicExportingMetricReader; provider: MeterProvider } {
  const reader = new PeriodicExportingMetricReader(exporter, { intervalMs, timeoutMs, temporality: (kind) => temporalityFor('delta', kind) });
  const provider = new MeterProvider({
    resource: { attributes: {}, schemaUrl: undefined },
    readers: [reader],
    histogramAggregation: 'explicit_bucket_histogram',
    exemplarFilter: 'always_off',
  });
  return { reader, provider };
}

describe('metrics SDK: periodic exporting reader', () => {
  const diagnostics = useDiagLines();

  it('exports every interval, with the reader temporality, and nothing when nothing was measured', async () => {
    const exporter = new MemoryMetricExporter();
    const { provider } = periodic(exporter, 30);
    const counter = provider.getMeter('p').createCounter('ticks');
    counter.add(1);
    await until(() => exporter.exported.length === 1);
    await sleep(100); // a few intervals with nothing measured
    assert.equal(exporter.exported.length, 1);
    counter.add(2);
    await until(() => exporter.exported.length === 2);
    await provider.shutdown();
    const values = exporter.exported.map((m) => (metricNamed(m, 'ticks') as SumMetric).points[0]!.value);
    assert.deepEqual(values, [1, 2], 'each delta exported once; empty collections not exported');
    assert.equal((metricNamed(exporter.exported[0]!, 'ticks') as SumMetric).temporality, 'delta');
  });

  it('never runs two exports at once', async () => {
    const exporter = new MemoryMetricExporter();
    let running = 0;
    let maxRunning = 0;
    exporter.answer = async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(60);
      running--;
      return { ok: true };
    };
    const { provider, reader } = periodic(exporter, 10);
    const counter = provider.getMeter('p').createCounter('busy');
    for (let i = 0; i < 10; i++) {
      counter.add(1);
      await sleep(15);
    }
    await Promise.all([reader.forceFlush(), reader.forceFlush()]);
    await provider.shutdown();
    assert.equal(maxRunning, 1);
    assert.ok(exporter.exported.length >= 2);
    const total = exporter.exported.reduce((sum, m) => sum + (metricNamed(m, 'busy') as SumMetric).points[0]!.value, 0);
    assert.equal(total, 10, 'every increment exported exactly once');
  });

  it('forceFlush collects and exports now; shutdown flushes, then shuts the exporter down, then exports nothing more', async () => {
    const exporter = new MemoryMetricExporter();
    const { provider } = periodic(exporter, 60_000);
    const counter = provider.getMeter('p').createCounter('flushed');
    counter.add(4);
    await provider.forceFlush();
    assert.equal(exporter.exported.length, 1);
    counter.add(1);
    await provider.shutdown();
    assert.equal(exporter.exported.length, 2);
    assert.equal(exporter.shutdowns, 1);
    counter.add(1);
    await provider.forceFlush();
    await provider.shutdown();
    assert.equal(exporter.exported.length, 2);
    assert.equal(exporter.shutdowns, 1);
  });

  it('abandons an export that outlives the timeout and counts its points; failures are reported once', async () => {
    const exporter = new MemoryMetricExporter();
    exporter.answer = () => new Promise(() => {}); // hangs forever
    const { provider, reader } = periodic(exporter, 60_000, 50);
    const meter = provider.getMeter('p');
    meter.createCounter('a').add(1);
    meter.createCounter('b').add(1, { x: 1 });
    meter.createCounter('b').add(1, { x: 2 });
    const started = Date.now();
    await reader.forceFlush();
    assert.ok(Date.now() - started < 1000, 'the flush does not wait for the hung export');
    assert.equal(reader.droppedPoints, 3);
    exporter.answer = () => Promise.resolve({ ok: false, error: new Error('refused') });
    meter.createCounter('a').add(1);
    await reader.forceFlush();
    assert.equal(reader.droppedPoints, 4);
    const lines = diagnostics.lines.filter((l) => l.includes('metric data points'));
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /export to memory got no answer within 50 ms \(OTEL_METRIC_EXPORT_TIMEOUT\).*dropping metric data points \(3 so far\)/);
    assert.match(lines[1]!, /1 more metric data points dropped since the last report \(4 in total\)/);
  });

  it('a timer that never keeps the process alive', async () => {
    const exporter = new MemoryMetricExporter();
    const before = new Set(process.getActiveResourcesInfo());
    const { provider } = periodic(exporter, 10);
    const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    // An unref'ed interval is not listed as keeping the loop alive.
    assert.equal(timers, [...before].filter((r) => r === 'Timeout').length);
    await provider.shutdown();
  });
});
