import type { MetricsConsoleFormat } from '../config/types';
import type { MetricExporter, ResourceMetrics } from '../metrics/data';
import { metricsJsonLines } from './console/metrics-json';
import { renderMetricsTable } from './console/metrics-table';
import type { ExportResult } from './exporter';

/**
 * Development exporter for metrics: each collection printed to stdout at once, as a table
 * (console/metrics-table.ts) or one JSON line per data point (console/metrics-json.ts). A
 * collection with no data point prints nothing, so an idle app does not fill the terminal with
 * empty tables every interval. Nothing is held: flush and shutdown have nothing to do.
 */
export class ConsoleMetricExporter implements MetricExporter {
  readonly target = 'stdout';
  private stopped = false;

  constructor(
    private readonly format: MetricsConsoleFormat,
    private readonly write: (text: string) => void = (text) => process.stdout.write(text),
  ) {}

  export(metrics: ResourceMetrics): Promise<ExportResult> {
    if (this.stopped) return Promise.resolve({ ok: false, error: new Error('the console metrics exporter is shut down') });
    try {
      const text = this.format === 'json' ? metricsJsonLines(metrics) : renderMetricsTable(metrics);
      if (text !== '') this.write(text);
      return Promise.resolve({ ok: true });
    } catch (error) {
      return Promise.resolve({ ok: false, error: error as Error });
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}
