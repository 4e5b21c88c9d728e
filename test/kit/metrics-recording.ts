import assert from 'node:assert/strict';
import { diag, DiagLogLevel, type Attributes } from '@opentelemetry/api';
import type { ExportResult } from '../../src/export/exporter';
import type {
  AggregationTemporality,
  InstrumentKind,
  MetricData,
  MetricExporter,
  ResourceMetrics,
  TemporalityPreference,
} from '../../src/metrics/data';
import { temporalityFor } from '../../src/metrics/data';
import { MeterProvider, type MeterProviderOptions } from '../../src/metrics/meter-provider';
import type { MetricReader } from '../../src/metrics/reader';

/** Test kit: a metric reader that collects only when the test asks. */
export class ManualReader implements MetricReader {
  private collector: (() => Promise<ResourceMetrics>) | undefined;

  constructor(private readonly preference: TemporalityPreference = 'cumulative') {}

  temporality(kind: InstrumentKind): AggregationTemporality {
    return temporalityFor(this.preference, kind);
  }

  attach(collect: () => Promise<ResourceMetrics>): void {
    this.collector = collect;
  }

  collect(): Promise<ResourceMetrics> {
    assert.ok(this.collector, 'reader attached to a MeterProvider');
    return this.collector();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Test kit: a metric exporter that keeps what it gets; `answer` decides each export's result. */
export class MemoryMetricExporter implements MetricExporter {
  readonly target = 'memory';
  readonly exported: ResourceMetrics[] = [];
  shutdowns = 0;
  answer: (metrics: ResourceMetrics) => Promise<ExportResult> = () => Promise.resolve({ ok: true });

  export(metrics: ResourceMetrics): Promise<ExportResult> {
    this.exported.push(metrics);
    return this.answer(metrics);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.shutdowns++;
    return Promise.resolve();
  }
}

/** A MeterProvider with one ManualReader per preference (default: one cumulative reader). */
export function manualProvider(
  preferences: TemporalityPreference[] = ['cumulative'],
  options: Partial<MeterProviderOptions> = {},
): { provider: MeterProvider; readers: ManualReader[] } {
  const readers = preferences.map((p) => new ManualReader(p));
  const provider = new MeterProvider({
    resource: { attributes: { 'service.name': 'unit' }, schemaUrl: undefined },
    readers,
    histogramAggregation: 'explicit_bucket_histogram',
    exemplarFilter: 'always_off',
    ...options,
  });
  return { provider, readers };
}

/** The one metric called `name` in a collection (fails the test when there is not exactly one). */
export function metricNamed(metrics: ResourceMetrics, name: string): MetricData {
  const found = metrics.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.name === name);
  assert.equal(found.length, 1, `one metric ${name}; got ${metrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.name)).join(', ')}`);
  return found[0]!;
}

/** The metric's points by their attributes' JSON (keys sorted), for order-free assertions. */
export function pointsByAttributes<P extends { attributes: Attributes }>(points: readonly P[]): Map<string, P> {
  const out = new Map<string, P>();
  for (const p of points) out.set(JSON.stringify(Object.fromEntries(Object.entries(p.attributes).sort(([a], [b]) => (a < b ? -1 : 1)))), p);
  return out;
}

/** In the calling `describe`: the diagnostic lines (warn and above) of each test, in `lines`. */
export function useDiagLines(): { lines: string[] } {
  const captured = { lines: [] as string[] };
  beforeEach(() => {
    captured.lines = [];
    const keep = (m: string): void => void captured.lines.push(m);
    diag.setLogger({ error: keep, warn: keep, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
  });
  afterEach(() => diag.disable());
  return captured;
}
