import { DEFAULT_BOUNDARIES, ExplicitHistogramCell, LastValueCell, SumCell } from './aggregators';
import type { AggregationTemporality, ExemplarFilter, HistogramAggregation, MetricData, NumberPoint, HistogramPoint, ExponentialHistogramPoint } from './data';
import { AlignedHistogramBucketReservoir, SimpleFixedSizeReservoir, type ExemplarReservoir } from './exemplars';
import { Base2ExponentialHistogram } from './exponential-histogram';
import type { InstrumentDescriptor } from './instruments';
import type { Cell, MetricPoint } from './storage';

/**
 * Which aggregation an instrument gets (the specification's defaults, no views): sums for
 * counters, last value for gauges, a histogram for histograms (explicit buckets or base-2
 * exponential, as configured), with the matching exemplar reservoir.
 */

/** The exponential histogram's reservoir: min(20, max size) per the specification. */
const EXPONENTIAL_RESERVOIR_SIZE = 20;

export function newCellFor(d: InstrumentDescriptor, histogram: HistogramAggregation): () => Cell {
  switch (d.kind) {
    case 'histogram': {
      if (histogram === 'base2_exponential_bucket_histogram') return () => new Base2ExponentialHistogram();
      const bounds = d.boundaries ?? DEFAULT_BOUNDARIES;
      return () => new ExplicitHistogramCell(bounds);
    }
    case 'gauge':
    case 'observableGauge':
      return () => new LastValueCell();
    default:
      return () => new SumCell();
  }
}

export function newReservoirFor(d: InstrumentDescriptor, histogram: HistogramAggregation, filter: ExemplarFilter): (() => ExemplarReservoir) | undefined {
  if (filter === 'always_off') return undefined;
  if (d.kind === 'histogram') {
    if (histogram === 'base2_exponential_bucket_histogram') return () => new SimpleFixedSizeReservoir(EXPONENTIAL_RESERVOIR_SIZE);
    const bounds = d.boundaries ?? DEFAULT_BOUNDARIES;
    // With no boundary there is one bucket: the specification's fixed-size reservoir then.
    if (bounds.length > 0) return () => new AlignedHistogramBucketReservoir(bounds);
  }
  return () => new SimpleFixedSizeReservoir(1);
}

/** The metric a reader gets for an instrument's points. */
export function metricData(
  d: InstrumentDescriptor,
  histogram: HistogramAggregation,
  temporality: AggregationTemporality,
  points: MetricPoint[],
): MetricData {
  const base = { name: d.name, description: d.description, unit: d.unit, instrumentKind: d.kind, numberKind: d.numberKind };
  switch (d.kind) {
    case 'histogram':
      return histogram === 'base2_exponential_bucket_histogram'
        ? { ...base, type: 'exponentialHistogram', temporality, points: points as ExponentialHistogramPoint[] }
        : { ...base, type: 'histogram', temporality, points: points as HistogramPoint[] };
    case 'gauge':
    case 'observableGauge':
      return { ...base, type: 'gauge', points: points as NumberPoint[] };
    case 'counter':
    case 'observableCounter':
      return { ...base, type: 'sum', monotonic: true, temporality, points: points as NumberPoint[] };
    default:
      return { ...base, type: 'sum', monotonic: false, temporality, points: points as NumberPoint[] };
  }
}
