import type { MetricsConsoleFormat } from '../config/types';
import type { MetricExporter, ResourceMetrics } from '../metrics/data';
import { metricsJsonLines } from './console/metrics-json';
import { renderMetricsTable } from './console/metrics-table';
import { TextExporter, toStdout, type TextWriter } from './console/text-exporter';

/**
 * Development exporter for metrics: each collection printed to stdout at once, as a table
 * (console/metrics-table.ts) or one JSON line per data point (console/metrics-json.ts). A
 * collection with no data point prints nothing, so an idle app does not fill the terminal with
 * empty tables every interval. Nothing is held: flush and shutdown have nothing to do.
 */
export class ConsoleMetricExporter extends TextExporter<ResourceMetrics> implements MetricExporter {
  constructor(format: MetricsConsoleFormat, write: TextWriter = toStdout) {
    super('metrics', format === 'json' ? metricsJsonLines : renderMetricsTable, write);
  }
}
