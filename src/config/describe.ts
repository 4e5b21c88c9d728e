import { maskUrl } from '../secrets';
import type { Config } from './types';

/**
 * Where spans go, in a few words: `otlp http/protobuf http://localhost:4318/v1/traces`,
 * `console`, `none`. The endpoint's credentials are masked.
 */
export function describeExport(config: Config): string {
  if (config.tracesExporters.length === 0) return 'none';
  const endpoint = config.tracesExporters.includes('otlp') ? ` ${config.otlp.protocol} ${maskUrl(config.otlp.endpoint)}` : '';
  return config.tracesExporters.join(',') + endpoint;
}

/** The URL the Prometheus exporter serves (an IPv6 host in brackets). */
export function prometheusUrl({ host, port }: Config['metrics']['prometheus']): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`;
}

/**
 * Where metrics go, each exporter with its address: `otlp http/protobuf
 * http://localhost:4318/v1/metrics,prometheus http://localhost:9464/metrics`, `console`, `none`.
 */
export function describeMetricsExport(config: Config): string {
  const { metrics } = config;
  if (metrics.exporters.length === 0) return 'none';
  return metrics.exporters
    .map((name) => {
      if (name === 'otlp') return `otlp ${metrics.otlp.protocol} ${maskUrl(metrics.otlp.endpoint)}`;
      if (name === 'prometheus') return `prometheus ${prometheusUrl(metrics.prometheus)}`;
      return name;
    })
    .join(',');
}

/** Where log records go: `otlp http/protobuf http://localhost:4318/v1/logs`, `console`, `none`. */
export function describeLogsExport(config: Config): string {
  const { logs } = config;
  if (logs.exporters.length === 0) return 'none';
  return logs.exporters.map((name) => (name === 'otlp' ? `otlp ${logs.otlp.protocol} ${maskUrl(logs.otlp.endpoint)}` : name)).join(',');
}
