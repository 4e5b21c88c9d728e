import type { Attributes } from '@opentelemetry/api';
import type { InstrumentationScope, ResourceData } from '../sdk/span-data';

/**
 * What one collection of the metrics SDK hands to a metric exporter: the contract between the
 * SDK (src/metrics/) and the exporters (OTLP, Prometheus, console). It mirrors the OTLP metrics
 * data model (opentelemetry/proto/metrics/v1/metrics.proto). Times are epoch milliseconds as
 * float64, like spans (src/sdk/clock.ts); only encoders turn them into nanoseconds. Ids are
 * lower-case hex, like spans.
 */

/** The instrument kinds of the API, as the specification names them. */
export type InstrumentKind =
  | 'counter'
  | 'upDownCounter'
  | 'histogram'
  | 'gauge'
  | 'observableCounter'
  | 'observableUpDownCounter'
  | 'observableGauge';

export type AggregationTemporality = 'cumulative' | 'delta';

/** OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE. */
export type TemporalityPreference = 'cumulative' | 'delta' | 'lowmemory';

/** OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION. */
export type HistogramAggregation = 'explicit_bucket_histogram' | 'base2_exponential_bucket_histogram';

/** OTEL_METRICS_EXEMPLAR_FILTER. */
export type ExemplarFilter = 'trace_based' | 'always_on' | 'always_off';

/** `int` for instruments created with `valueType: ValueType.INT`, else `double`. */
export type NumberKind = 'int' | 'double';

export interface Exemplar {
  /** The measurement's attributes that are not in the point's attributes (none, without views). */
  readonly filteredAttributes: Attributes;
  readonly time: number;
  readonly value: number;
  /** Hex ids of the span that was active and sampled when the measurement was made, if any. */
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
}

interface PointBase {
  readonly attributes: Attributes;
  /** Start of the interval: for cumulative points, the series' first measurement (or the SDK's start); for delta, the previous collection. */
  readonly startTime: number;
  /** The collection time. */
  readonly time: number;
  readonly exemplars: readonly Exemplar[];
}

export interface NumberPoint extends PointBase {
  readonly value: number;
}

export interface HistogramPoint extends PointBase {
  readonly count: number;
  /** undefined when negative values were recorded (a sum is only meaningful for non-negative histograms). */
  readonly sum: number | undefined;
  /** undefined when count is 0. */
  readonly min: number | undefined;
  readonly max: number | undefined;
  /** Upper bounds (inclusive), ascending; bucketCounts has one more entry than bounds. */
  readonly bounds: readonly number[];
  readonly bucketCounts: readonly number[];
}

export interface ExponentialBuckets {
  /** Index of the first bucket: bucket i covers (base^(offset+i), base^(offset+i+1)]. */
  readonly offset: number;
  readonly bucketCounts: readonly number[];
}

export interface ExponentialHistogramPoint extends PointBase {
  readonly count: number;
  readonly sum: number | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
  /** base = 2^(2^-scale). */
  readonly scale: number;
  readonly zeroCount: number;
  readonly zeroThreshold: number;
  readonly positive: ExponentialBuckets;
  readonly negative: ExponentialBuckets;
}

interface MetricBase {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  /** The instrument that produced it (exporters that map kinds, such as Prometheus, read it). */
  readonly instrumentKind: InstrumentKind;
  readonly numberKind: NumberKind;
}

export interface SumMetric extends MetricBase {
  readonly type: 'sum';
  readonly monotonic: boolean;
  readonly temporality: AggregationTemporality;
  readonly points: readonly NumberPoint[];
}

export interface GaugeMetric extends MetricBase {
  readonly type: 'gauge';
  readonly points: readonly NumberPoint[];
}

export interface HistogramMetric extends MetricBase {
  readonly type: 'histogram';
  readonly temporality: AggregationTemporality;
  readonly points: readonly HistogramPoint[];
}

export interface ExponentialHistogramMetric extends MetricBase {
  readonly type: 'exponentialHistogram';
  readonly temporality: AggregationTemporality;
  readonly points: readonly ExponentialHistogramPoint[];
}

export type MetricData = SumMetric | GaugeMetric | HistogramMetric | ExponentialHistogramMetric;

export interface ScopeMetrics {
  readonly scope: InstrumentationScope;
  readonly metrics: readonly MetricData[];
}

/** One collection: everything one reader gets, for one resource. */
export interface ResourceMetrics {
  readonly resource: ResourceData;
  readonly scopeMetrics: readonly ScopeMetrics[];
}

/**
 * A metric exporter. `export` never rejects and never throws: failures come back as
 * `{ ok: false }` (src/export/exporter.ts ExportResult, `dropped` counting data points) after the
 * exporter's own retries within its timeout.
 */
export interface MetricExporter {
  /** Where the data goes, as printed in diagnostics (an endpoint without credentials). */
  readonly target?: string;
  export(metrics: ResourceMetrics): Promise<import('../export/exporter').ExportResult>;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** The specification's temporality choice per instrument kind for a preference (OTLP exporter section). */
export function temporalityFor(preference: TemporalityPreference, kind: InstrumentKind): AggregationTemporality {
  if (preference === 'cumulative') return 'cumulative';
  // delta: Counter, Async Counter, Histogram → delta; UpDownCounter, Async UpDownCounter → cumulative.
  // lowmemory: Counter, Histogram → delta; Async Counter, UpDownCounter, Async UpDownCounter → cumulative.
  switch (kind) {
    case 'counter':
    case 'histogram':
      return 'delta';
    case 'observableCounter':
      return preference === 'delta' ? 'delta' : 'cumulative';
    default:
      return 'cumulative';
  }
}
