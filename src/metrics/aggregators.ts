import type { Attributes } from '@opentelemetry/api';
import type { Exemplar, HistogramPoint, NumberPoint } from './data';

/**
 * The aggregations of the specification's defaults, one cell per series: a sum, a last value,
 * an explicit bucket histogram (the base-2 exponential one is Base2ExponentialHistogram). A cell
 * is updated in place on every measurement, so recording allocates nothing.
 */

/** The specification's default explicit bucket boundaries. */
export const DEFAULT_BOUNDARIES: readonly number[] = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

export class SumCell {
  value = 0;

  record(value: number): void {
    this.value += value;
  }

  toPoint(attributes: Attributes, startTime: number, time: number, exemplars: readonly Exemplar[]): NumberPoint {
    return { attributes, startTime, time, value: this.value, exemplars };
  }
}

export class LastValueCell {
  value = 0;

  record(value: number): void {
    this.value = value;
  }

  toPoint(attributes: Attributes, startTime: number, time: number, exemplars: readonly Exemplar[]): NumberPoint {
    return { attributes, startTime, time, value: this.value, exemplars };
  }
}

/**
 * Boundaries as the specification wants them: finite, strictly ascending (anything else in the
 * advice is dropped); the defaults when the advice has none.
 */
export function histogramBoundaries(advice: unknown): readonly number[] {
  if (!Array.isArray(advice)) return DEFAULT_BOUNDARIES;
  const bounds: number[] = [];
  for (const b of advice as unknown[]) {
    if (typeof b === 'number' && Number.isFinite(b) && (bounds.length === 0 || b > bounds[bounds.length - 1]!)) bounds.push(b);
  }
  return bounds;
}

/** Above this many boundaries, the bucket is found by binary search. */
const LINEAR_SEARCH_MAX = 16;

/** Index of the bucket of `value`: bucket i holds (bounds[i-1], bounds[i]], the last one (bounds[n-1], +inf). */
export function bucketIndex(bounds: readonly number[], value: number): number {
  const n = bounds.length;
  if (n <= LINEAR_SEARCH_MAX) {
    let i = 0;
    while (i < n && value > bounds[i]!) i++;
    return i;
  }
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value > bounds[mid]!) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class ExplicitHistogramCell {
  readonly counts: number[];
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  /** A sum is only exported for histograms that never saw a negative value. */
  sawNegative = false;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  record(value: number): void {
    this.counts[bucketIndex(this.bounds, value)]!++;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value < 0) this.sawNegative = true;
  }

  /** A snapshot: the cell goes on counting after it (cumulative), so its arrays are copied. */
  toPoint(attributes: Attributes, startTime: number, time: number, exemplars: readonly Exemplar[]): HistogramPoint {
    const empty = this.count === 0;
    return {
      attributes,
      startTime,
      time,
      exemplars,
      count: this.count,
      sum: this.sawNegative ? undefined : this.sum,
      min: empty ? undefined : this.min,
      max: empty ? undefined : this.max,
      bounds: this.bounds,
      bucketCounts: this.counts.slice(),
    };
  }
}
