import type { AggregationTemporality, InstrumentKind, ResourceMetrics } from '../../metrics/data';
import type { MetricReader } from '../../metrics/reader';
import { formatPrometheus } from './format';
import { serveMetrics, type MetricsServer } from './server';

/**
 * The Prometheus pull exporter: a server on `host:port` (OTEL_EXPORTER_PROMETHEUS_HOST/_PORT)
 * whose `GET /metrics` collects from the SDK and answers in the text format. Prometheus keeps the
 * state between scrapes only as cumulative series, so every instrument is cumulative here.
 */
export class PrometheusMetricReader implements MetricReader {
  private collect: (() => Promise<ResourceMetrics>) | undefined;
  private readonly server: MetricsServer;

  constructor(options: { host: string; port: number }) {
    this.server = serveMetrics(options.host, options.port, () => this.render());
  }

  temporality(_kind: InstrumentKind): AggregationTemporality {
    return 'cumulative';
  }

  attach(collect: () => Promise<ResourceMetrics>): void {
    this.collect = collect;
  }

  /** Nothing is pushed: data leaves only when Prometheus scrapes. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.server.close();
  }

  private async render(): Promise<string> {
    return this.collect === undefined ? '' : formatPrometheus(await this.collect());
  }
}
