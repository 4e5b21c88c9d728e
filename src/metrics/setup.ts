import type { Config } from '../config/types';
import type { ResourceData } from '../sdk/span-data';
import { temporalityFor, type MetricExporter } from './data';
import { MeterProvider } from './meter-provider';
import { PeriodicExportingMetricReader, type MetricReader } from './reader';

/**
 * The metrics SDK as the configuration asks for it: one reader per exporter in
 * OTEL_METRICS_EXPORTER (otlp and console through a periodic reader, prometheus pulled on each
 * scrape). Each exporter's code is loaded only when it is configured.
 */
export function createMeterProvider(config: Config, resource: ResourceData): MeterProvider {
  const m = config.metrics;
  const periodic = (exporter: MetricExporter, temporality: (kind: Parameters<typeof temporalityFor>[1]) => 'cumulative' | 'delta') =>
    new PeriodicExportingMetricReader(exporter, { intervalMs: m.intervalMs, timeoutMs: m.timeoutMs, temporality });
  const readers: MetricReader[] = [];
  for (const name of m.exporters) {
    if (name === 'otlp') {
      const { OtlpMetricExporter } = require('../export/otlp/metrics-exporter') as typeof import('../export/otlp/metrics-exporter');
      readers.push(periodic(new OtlpMetricExporter(m.otlp), (kind) => temporalityFor(m.temporalityPreference, kind)));
    } else if (name === 'console') {
      const { ConsoleMetricExporter } = require('../export/console-metric-exporter') as typeof import('../export/console-metric-exporter');
      // A reading of the running totals is what a developer looks at.
      readers.push(periodic(new ConsoleMetricExporter(m.consoleFormat), () => 'cumulative'));
    } else {
      const { PrometheusMetricReader } = require('../export/prometheus/index') as typeof import('../export/prometheus/index');
      readers.push(new PrometheusMetricReader(m.prometheus));
    }
  }
  return new MeterProvider({
    resource,
    readers,
    histogramAggregation: m.histogramAggregation,
    exemplarFilter: m.exemplarFilter,
    attributeLimits: { attributeCountLimit: config.limits.attributeCountLimit, attributeValueLengthLimit: config.limits.attributeValueLengthLimit },
  });
}
