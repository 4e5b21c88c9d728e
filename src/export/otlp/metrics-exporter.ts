import type { OtlpConfig } from '../../config/types';
import type { MetricData, MetricExporter, ResourceMetrics, ScopeMetrics } from '../../metrics/data';
import { encodeMetricsRequestJson } from './encode-metrics-json';
import { encodeMetricsRequestPooled } from './encode-metrics-protobuf';
import { OtlpExporter, type OtlpExporterOptions, type OtlpSignal } from './exporter';

/** Data points of a collection: what a metrics export counts, sends and loses. */
function countPoints(rm: ResourceMetrics): number {
  let n = 0;
  for (const sm of rm.scopeMetrics) for (const m of sm.metrics) n += m.points.length;
  return n;
}

/** The metric with only its points from `start` to `end`. */
function slicePoints(m: MetricData, start: number, end?: number): MetricData {
  return { ...m, points: m.points.slice(start, end) } as MetricData;
}

/**
 * A collection in two parts of about half the data points each, in order: a metric whose points
 * straddle the middle is in both parts with its own points (each part a valid request: the
 * receiver merges points by their attributes and times, not by request).
 */
function halveCollection(rm: ResourceMetrics): [ResourceMetrics, ResourceMetrics] {
  let left = Math.ceil(countPoints(rm) / 2);
  const first: ScopeMetrics[] = [];
  const second: ScopeMetrics[] = [];
  for (const sm of rm.scopeMetrics) {
    const a: MetricData[] = [];
    const b: MetricData[] = [];
    for (const m of sm.metrics) {
      const k = m.points.length;
      if (left >= k && (k > 0 || left > 0)) {
        a.push(m);
        left -= k;
      } else if (left <= 0) {
        b.push(m);
      } else {
        a.push(slicePoints(m, 0, left));
        b.push(slicePoints(m, left));
        left = 0;
      }
    }
    if (a.length > 0) first.push({ scope: sm.scope, metrics: a });
    if (b.length > 0) second.push({ scope: sm.scope, metrics: b });
  }
  return [
    { resource: rm.resource, scopeMetrics: first },
    { resource: rm.resource, scopeMetrics: second },
  ];
}

const METRICS: OtlpSignal<ResourceMetrics> = {
  name: 'metrics',
  item: 'data point',
  count: countPoints,
  halve: halveCollection,
  encodeProtobuf: encodeMetricsRequestPooled,
  encodeJson: encodeMetricsRequestJson,
  smallerItems: 'Set OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT to keep attribute values short.',
  smallerBatches: "Raise the receiver's request size limit to avoid this.",
};

/**
 * The OTLP exporter of metrics (http/protobuf, http/json, grpc): `config.endpoint` already ends
 * in `/v1/metrics` for OTLP/HTTP; for gRPC it is scheme://host:port and the MetricsService is
 * called. Retries, splitting, drop counting and diagnostics are the traces exporter's (OtlpExporter).
 */
export class OtlpMetricExporter extends OtlpExporter<ResourceMetrics> implements MetricExporter {
  constructor(config: OtlpConfig, options: OtlpExporterOptions = {}) {
    super(METRICS, config, options);
  }
}
