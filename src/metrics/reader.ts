import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { suppressTracing } from '../context/suppress';
import { diagOnce } from '../diag';
import { DropReporter } from '../export/drop-reporter';
import type { ExportResult } from '../export/exporter';
import type { AggregationTemporality, InstrumentKind, MetricExporter, ResourceMetrics } from './data';

/** A metric reader: the MeterProvider attaches its collection to it; the reader decides when to call it. */
export interface MetricReader {
  temporality(kind: InstrumentKind): AggregationTemporality;
  attach(collect: () => Promise<ResourceMetrics>): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface PeriodicReaderOptions {
  intervalMs: number;
  timeoutMs: number;
  temporality: (kind: InstrumentKind) => AggregationTemporality;
}

/** The data points of a collection: what an export that fails loses. */
export function countPoints(metrics: ResourceMetrics): number {
  let n = 0;
  for (const scope of metrics.scopeMetrics) for (const metric of scope.metrics) n += metric.points.length;
  return n;
}

/**
 * Collects and exports every interval (OTEL_METRIC_EXPORT_INTERVAL), on an unref'ed timer that
 * never keeps the process alive. One export at a time: a tick that finds the previous export
 * still running is skipped. A collection and export that outlive the timeout
 * (OTEL_METRIC_EXPORT_TIMEOUT) are abandoned and their points counted as dropped, like failures.
 */
export class PeriodicExportingMetricReader implements MetricReader {
  private collect: (() => Promise<ResourceMetrics>) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private exporting: Promise<void> | undefined;
  private isShutdown = false;
  private readonly drops = new DropReporter('metric data points');

  constructor(
    private readonly exporter: MetricExporter,
    private readonly options: PeriodicReaderOptions,
  ) {}

  get droppedPoints(): number {
    return this.drops.total;
  }

  temporality(kind: InstrumentKind): AggregationTemporality {
    return this.options.temporality(kind);
  }

  attach(collect: () => Promise<ResourceMetrics>): void {
    this.collect = collect;
    if (this.timer !== undefined || this.isShutdown) return;
    this.timer = setInterval(() => {
      if (this.exporting === undefined) void this.exportOnce();
    }, Math.max(1, this.options.intervalMs));
    this.timer.unref();
  }

  /** Collects and exports now, after the export running (if any). */
  async forceFlush(): Promise<void> {
    if (this.isShutdown) return;
    while (this.exporting !== undefined) await this.exporting;
    await this.exportOnce();
    // Flushes happen at exit: whatever was lost must be said now, not at the next interval.
    this.drops.report(true);
  }

  async shutdown(): Promise<void> {
    if (this.isShutdown) return;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.forceFlush();
    this.isShutdown = true;
    await this.exporter.shutdown();
  }

  private exportOnce(): Promise<void> {
    const running = this.collectAndExport().finally(() => {
      if (this.exporting === running) this.exporting = undefined;
    });
    this.exporting = running;
    return running;
  }

  private async collectAndExport(): Promise<void> {
    const collect = this.collect;
    if (collect === undefined) return;
    const deadline = Date.now() + this.options.timeoutMs;
    let metrics: ResourceMetrics;
    try {
      const collected = await this.withinTimeout(collect(), this.options.timeoutMs);
      if (collected === undefined) {
        diagOnce('metrics collect timeout', 'warn', `metrics collection took longer than ${this.options.timeoutMs} ms (OTEL_METRIC_EXPORT_TIMEOUT; an observable callback that does not settle?): skipped`);
        return;
      }
      metrics = collected;
    } catch (error) {
      diagOnce('metrics collect failed', 'error', `metrics collection failed: ${(error as Error)?.message}`);
      return;
    }
    const points = countPoints(metrics);
    if (points === 0) return;
    const result = await this.export(metrics, Math.max(0, deadline - Date.now()));
    if (!result.ok) {
      const lost = Math.min(points, Math.max(0, result.dropped ?? points));
      if (lost > 0) this.drops.drop(lost, `metrics export failed (${result.error?.message ?? 'unknown error'})`, result.reported === true);
    } else {
      this.drops.report(false);
    }
  }

  private async export(metrics: ResourceMetrics, timeoutMs: number): Promise<ExportResult> {
    // The agent's own export traffic must never be traced.
    const pending = context.with(suppressTracing(ROOT_CONTEXT), () => {
      try {
        return this.exporter.export(metrics).catch((error: Error): ExportResult => ({ ok: false, error }));
      } catch (error) {
        return Promise.resolve<ExportResult>({ ok: false, error: error as Error });
      }
    });
    const result = await this.withinTimeout(pending, timeoutMs);
    if (result !== undefined) return result;
    const target = this.exporter.target ?? 'the exporter';
    return { ok: false, error: new Error(`export to ${target} got no answer within ${this.options.timeoutMs} ms (OTEL_METRIC_EXPORT_TIMEOUT)`) };
  }

  /** `promise`'s value, or undefined if it has not settled within `ms` (it is then abandoned). */
  private withinTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      const timer = setTimeout(() => resolve(undefined), ms);
      timer.unref();
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}
