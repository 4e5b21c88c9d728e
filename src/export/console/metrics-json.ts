import type { Exemplar, MetricData, ResourceMetrics } from '../../metrics/data';

/**
 * The `json` form of the console metrics exporter: one line per data point, self-contained (the
 * metric, its scope and service are repeated on each line) so that a tool reading the lines one
 * by one, or grep, needs nothing else. Values are exact; times are ISO 8601.
 */

const iso = (ms: number): string => new Date(ms).toISOString();

function exemplarJson(e: Exemplar): Record<string, unknown> {
  return { value: e.value, time: iso(e.time), traceId: e.traceId, spanId: e.spanId, filteredAttributes: e.filteredAttributes };
}

/** The fields that depend on the point's kind. */
function pointFields(metric: MetricData, index: number): Record<string, unknown> {
  switch (metric.type) {
    case 'sum': {
      const p = metric.points[index]!;
      return { temporality: metric.temporality, monotonic: metric.monotonic, value: p.value };
    }
    case 'gauge':
      return { value: metric.points[index]!.value };
    case 'histogram': {
      const p = metric.points[index]!;
      return { temporality: metric.temporality, count: p.count, sum: p.sum, min: p.min, max: p.max, bounds: p.bounds, bucketCounts: p.bucketCounts };
    }
    case 'exponentialHistogram': {
      const p = metric.points[index]!;
      return {
        temporality: metric.temporality,
        count: p.count,
        sum: p.sum,
        min: p.min,
        max: p.max,
        scale: p.scale,
        zeroCount: p.zeroCount,
        zeroThreshold: p.zeroThreshold,
        positive: p.positive,
        negative: p.negative,
      };
    }
  }
}

/** Every data point of one collection as JSON lines ('' when there is none). */
export function metricsJsonLines(metrics: ResourceMetrics): string {
  const service = metrics.resource.attributes['service.name'];
  let out = '';
  for (const { scope, metrics: list } of metrics.scopeMetrics) {
    for (const metric of list) {
      metric.points.forEach((point, i) => {
        out +=
          JSON.stringify({
            metric: metric.name,
            type: metric.type,
            instrument: metric.instrumentKind,
            unit: metric.unit,
            description: metric.description,
            attributes: point.attributes,
            startTime: iso(point.startTime),
            time: iso(point.time),
            ...pointFields(metric, i),
            exemplars: point.exemplars.map(exemplarJson),
            service,
            scope: scope.name,
            scopeVersion: scope.version,
          }) + '\n';
      });
    }
  }
  return out;
}
