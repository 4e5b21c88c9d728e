import type { Attributes, Context } from '@opentelemetry/api';
import type { ExemplarReservoir as Reservoir } from './exemplars';
import type { AggregationTemporality, Exemplar, ExponentialHistogramPoint, HistogramPoint, NumberPoint } from './data';

/**
 * The series of one instrument for one reader: what that reader has not yet collected (delta)
 * or everything since the series began (cumulative), at most `cardinalityLimit` series; past
 * it, measurements go to one overflow series, so that none is lost or counted twice.
 */

export type MetricPoint = NumberPoint | HistogramPoint | ExponentialHistogramPoint;

/** One series' aggregation (SumCell, LastValueCell, ExplicitHistogramCell, Base2ExponentialHistogram). */
export interface Cell {
  record(value: number): void;
  toPoint(attributes: Attributes, startTime: number, time: number, exemplars: readonly Exemplar[]): MetricPoint;
}

export const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true });
/** Computed keys start with a digit (attribute-set.ts), so this one cannot collide. */
const OVERFLOW_KEY = '\u0000overflow';
const NO_EXEMPLARS: readonly Exemplar[] = Object.freeze([]);

export interface StorageOptions {
  temporality: AggregationTemporality;
  cardinalityLimit: number;
  /** Start of the first delta interval: the SDK's start. */
  startTime: number;
  newCell: () => Cell;
  /** undefined when exemplars are off. */
  newReservoir: (() => Reservoir) | undefined;
  /** The exported attributes of a new series (called once per series). */
  attributesOf: (input: Attributes | undefined) => Attributes;
  now: () => number;
}

export class Series {
  reservoir: Reservoir | undefined;

  constructor(
    readonly attributes: Attributes,
    readonly startTime: number,
    readonly cell: Cell,
  ) {}
}

export class SyncStorage {
  private series = new Map<string, Series>();
  /** Series other than the overflow one. */
  private distinct = 0;
  private lastCollection: number;

  constructor(private readonly options: StorageOptions) {
    this.lastCollection = options.startTime;
  }

  /** The series of `key`, created on first use (or the overflow series, past the limit). */
  seriesFor(key: string, input: Attributes | undefined): Series {
    return this.series.get(key) ?? this.create(key, input);
  }

  offer(series: Series, value: number, time: number, input: Attributes | undefined, ctx: Context): void {
    const newReservoir = this.options.newReservoir;
    if (newReservoir === undefined) return;
    series.reservoir ??= newReservoir();
    series.reservoir.offer(value, time, input ?? {}, ctx);
  }

  /** The points of this collection; a delta storage starts afresh after it. */
  collect(time: number): MetricPoint[] {
    const points: MetricPoint[] = [];
    const delta = this.options.temporality === 'delta';
    for (const s of this.series.values()) {
      const exemplars = s.reservoir?.collect(s.attributes) ?? NO_EXEMPLARS;
      points.push(s.cell.toPoint(s.attributes, delta ? this.lastCollection : s.startTime, time, exemplars));
    }
    if (delta) {
      // Series without a new measurement are not exported again; their slots free up.
      this.series = new Map();
      this.distinct = 0;
    }
    this.lastCollection = time;
    return points;
  }

  private create(key: string, input: Attributes | undefined): Series {
    const o = this.options;
    let created: Series;
    if (this.distinct < o.cardinalityLimit) {
      created = new Series(o.attributesOf(input), o.now(), o.newCell());
      this.series.set(key, created);
      this.distinct++;
      return created;
    }
    const overflow = this.series.get(OVERFLOW_KEY);
    if (overflow !== undefined) return overflow;
    created = new Series(OVERFLOW_ATTRIBUTES, o.now(), o.newCell());
    this.series.set(OVERFLOW_KEY, created);
    return created;
  }
}

/** What callbacks observed for one instrument in one collection: the last value per series. */
export class Observations {
  readonly values = new Map<string, { input: Attributes | undefined; value: number }>();

  observe(key: string, input: Attributes | undefined, value: number): void {
    this.values.set(key, { input, value });
  }
}

interface AsyncSeries {
  readonly attributes: Attributes;
  readonly startTime: number;
  /** The last value observed (cumulative), to turn the next one into a delta. */
  last: number;
}

/**
 * The series of one observable instrument for one reader. Callbacks report what they observe
 * now: a cumulative total for counters, which a delta reader gets as the change since its
 * previous collection; a current value for gauges and up-down counters. Only the series
 * observed in this collection are exported.
 */
export class AsyncStorage {
  private readonly series = new Map<string, AsyncSeries>();
  private lastCollection: number;

  constructor(
    private readonly options: Pick<StorageOptions, 'temporality' | 'cardinalityLimit' | 'startTime' | 'attributesOf'>,
    /** Sums add up the series that overflow; a gauge keeps the last one. */
    private readonly isSum: boolean,
  ) {
    this.lastCollection = options.startTime;
  }

  collect(observations: Observations, time: number): NumberPoint[] {
    const delta = this.options.temporality === 'delta';
    // Fold what was observed into this reader's series (the overflow one past the limit).
    const current = new Map<string, { s: AsyncSeries; value: number }>();
    for (const [key, { input, value }] of observations.values) {
      let s = this.series.get(key);
      let k = key;
      if (s === undefined) {
        if (this.series.size - (this.series.has(OVERFLOW_KEY) ? 1 : 0) < this.options.cardinalityLimit) {
          s = { attributes: this.options.attributesOf(input), startTime: this.lastCollection, last: 0 };
          this.series.set(key, s);
        } else {
          k = OVERFLOW_KEY;
          s = this.series.get(OVERFLOW_KEY);
          if (s === undefined) {
            s = { attributes: OVERFLOW_ATTRIBUTES, startTime: this.lastCollection, last: 0 };
            this.series.set(OVERFLOW_KEY, s);
          }
        }
      }
      const seen = current.get(k);
      if (seen === undefined) current.set(k, { s, value });
      else seen.value = this.isSum ? seen.value + value : value;
    }
    const points: NumberPoint[] = [];
    for (const { s, value } of current.values()) {
      const exported = delta && this.isSum ? value - s.last : value;
      s.last = value;
      points.push({ attributes: s.attributes, startTime: delta ? this.lastCollection : s.startTime, time, value: exported, exemplars: NO_EXEMPLARS });
    }
    this.lastCollection = time;
    return points;
  }
}
