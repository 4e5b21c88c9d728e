import type { Attributes } from '@opentelemetry/api';
import type { Exemplar, ExponentialBuckets, ExponentialHistogramPoint } from './data';

/**
 * The specification's base-2 exponential bucket histogram aggregation (metrics SDK, "Base2
 * Exponential Bucket Histogram Aggregation"; mapping rules from the metrics data model). Bucket
 * `index` at `scale` covers (2^(index·2^-scale), 2^((index+1)·2^-scale)]. It starts at the finest
 * scale allowed and halves its resolution (downscales) whenever a value would need more than
 * `maxSize` buckets in its range; the positive and negative ranges share one scale.
 */

/** Below it every double fits in two buckets; above it indexes outgrow int32 arithmetic. */
const MIN_SCALE = -10;
const MAX_SCALE = 20;
/** The unbiased exponent of the smallest normal double. */
const MIN_NORMAL_EXPONENT = -1022;

// The bits of a double read through one shared buffer: no allocation per mapped value.
const float = new Float64Array(1);
const words = new Uint32Array(float.buffer);
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LOW_WORD = 1 - HIGH_WORD;

/**
 * The bucket index of a positive finite value at a scale. Exact powers of two sit on a bucket's
 * upper (inclusive) boundary, so they take the bucket below the one their exponent names; values
 * below the smallest normal double all share the lowest bucket.
 */
export function mapToIndex(value: number, scale: number): number {
  float[0] = value;
  const high = words[HIGH_WORD];
  const biasedExponent = (high >>> 20) & 0x7ff;
  const powerOfTwo = (high & 0xfffff) === 0 && words[LOW_WORD] === 0;
  if (scale <= 0) {
    // frexp-like: a subnormal's exponent field is 0, read here as -1023, the lowest bucket.
    const exponent = biasedExponent - 1023;
    return (exponent - (powerOfTwo ? 1 : 0)) >> -scale;
  }
  if (biasedExponent === 0) return (MIN_NORMAL_EXPONENT << scale) - 1;
  const exponent = biasedExponent - 1023;
  if (powerOfTwo) return (exponent << scale) - 1;
  // The bucket within the power of two, from the significand alone (a double in [1, 2)).
  const mantissaHigh = high & 0xfffff;
  words[HIGH_WORD] = mantissaHigh | 0x3ff00000;
  const significand = float[0];
  if (scale <= MAX_TABLE_SCALE) {
    const { boundaries, slices } = tableFor(scale);
    let bucket = slices[mantissaHigh >>> (19 - scale)];
    if (significand > boundaries[bucket + 1]) bucket++;
    return (exponent << scale) + bucket;
  }
  // Finer scales: the logarithm of the significand (a small number keeps its rounding error far
  // below one bucket, so only values within ~1e-10 of a boundary can land one bucket off, which
  // the data model allows); the clamp keeps those just below the next power of two in place.
  const bucket = Math.floor(Math.log(significand) * (Math.LOG2E * (1 << scale)));
  const last = (1 << scale) - 1;
  return (exponent << scale) + (bucket > last ? last : bucket);
}

/** Up to this scale (1024 buckets per power of two) a table lookup replaces the slower logarithm. */
const MAX_TABLE_SCALE = 10;

interface BoundaryTable {
  /** boundaries[i] = 2^(i/2^scale), i in [0, 2^scale]: where the buckets within [1, 2] end. */
  readonly boundaries: Float64Array;
  /**
   * The bucket of the lower edge of each of 2^(scale+1) equal slices of [1, 2), found from the
   * significand's top bits. A slice is narrower than any bucket, so the value's bucket is that one
   * or the next: one comparison with a boundary decides.
   */
  readonly slices: Int32Array;
}

const tables: Array<BoundaryTable | undefined> = [];

function tableFor(scale: number): BoundaryTable {
  let table = tables[scale];
  if (table === undefined) {
    const size = 1 << scale;
    const boundaries = new Float64Array(size + 1);
    // i / size is exact, so each boundary is the same double at every scale that has it.
    for (let i = 0; i <= size; i++) boundaries[i] = 2 ** (i / size);
    const slices = new Int32Array(2 * size);
    let bucket = 0;
    for (let slice = 0; slice < 2 * size; slice++) {
      const edge = 1 + slice / (2 * size);
      while (boundaries[bucket + 1] < edge) bucket++;
      slices[slice] = bucket;
    }
    table = tables[scale] = { boundaries, slices };
  }
  return table;
}

/**
 * The counts of one range (positive or negative) as a circular buffer over bucket indexes
 * [start, end]: extending it on either side never moves the counts, and its storage grows (by
 * doubling, up to maxSize) only as the range widens. Slots outside [start, end] hold 0.
 */
class BucketRange {
  private counts = new Float64Array(0);
  /** The bucket index stored in slot 0. */
  private base = 0;
  start = 0;
  end = -1;

  get empty(): boolean {
    return this.end < this.start;
  }

  /** How many buckets the range would span with `index` in it. */
  spanWith(index: number): number {
    if (this.empty) return 1;
    return Math.max(this.end, index) - Math.min(this.start, index) + 1;
  }

  /** Adds to one bucket; the caller has made sure the span stays within maxSize. */
  add(index: number, count: number, maxSize: number): void {
    if (this.empty) {
      if (this.counts.length === 0) this.counts = new Float64Array(Math.min(maxSize, 8));
      this.base = this.start = this.end = index;
    } else if (index < this.start || index > this.end) {
      const span = this.spanWith(index);
      if (span > this.counts.length) this.grow(span, maxSize);
      if (index < this.start) this.start = index;
      else this.end = index;
    }
    this.counts[this.slot(index)] += count;
  }

  countAt(index: number): number {
    return this.counts[this.slot(index)];
  }

  /** Merges each run of 2^by neighbouring buckets into one: the range at scale - by. */
  downscale(by: number): void {
    if (by <= 0 || this.empty) return;
    this.rotateStartToSlotZero();
    const counts = this.counts;
    const newStart = this.start >> by;
    const length = this.end - this.start + 1;
    // Each slot's target is at or before it and targets never decrease, so one forward pass works.
    for (let slot = 0; slot < length; slot++) {
      const target = ((this.start + slot) >> by) - newStart;
      if (target === slot) continue;
      counts[target] += counts[slot];
      counts[slot] = 0;
    }
    this.base = this.start = newStart;
    this.end = this.end >> by;
  }

  clear(): void {
    if (!this.empty) this.counts.fill(0);
    this.base = 0;
    this.start = 0;
    this.end = -1;
  }

  copyFrom(other: BucketRange): void {
    this.counts = other.counts.slice();
    this.base = other.base;
    this.start = other.start;
    this.end = other.end;
  }

  toBuckets(): ExponentialBuckets {
    if (this.empty) return { offset: 0, bucketCounts: [] };
    const bucketCounts = new Array<number>(this.end - this.start + 1);
    for (let index = this.start; index <= this.end; index++) bucketCounts[index - this.start] = this.countAt(index);
    return { offset: this.start, bucketCounts };
  }

  private slot(index: number): number {
    const slot = index - this.base;
    const length = this.counts.length;
    return slot < 0 ? slot + length : slot >= length ? slot - length : slot;
  }

  private grow(span: number, maxSize: number): void {
    let size = this.counts.length * 2;
    while (size < span) size *= 2;
    const counts = new Float64Array(Math.min(size, maxSize));
    for (let index = this.start; index <= this.end; index++) counts[index - this.start] = this.countAt(index);
    this.counts = counts;
    this.base = this.start;
  }

  /** Rotates the buffer in place (three reversals) so that slot 0 holds `start`. */
  private rotateStartToSlotZero(): void {
    const shift = this.slot(this.start);
    if (shift !== 0) {
      const counts = this.counts;
      reverse(counts, 0, shift - 1);
      reverse(counts, shift, counts.length - 1);
      reverse(counts, 0, counts.length - 1);
    }
    this.base = this.start;
  }
}

function reverse(array: Float64Array, from: number, to: number): void {
  for (let i = from, j = to; i < j; i++, j--) {
    const swap = array[i];
    array[i] = array[j];
    array[j] = swap;
  }
}

/** How many times a range [low, high] of indexes must be halved to span at most maxSize buckets. */
function scaleReduction(low: number, high: number, maxSize: number): number {
  let change = 0;
  while (high - low >= maxSize) {
    low >>= 1;
    high >>= 1;
    change++;
  }
  return change;
}

export class Base2ExponentialHistogram {
  readonly maxSize: number;
  readonly maxScale: number;
  private currentScale: number;
  private readonly positive = new BucketRange();
  private readonly negative = new BucketRange();
  private total = 0;
  private sum = 0;
  private zeroCount = 0;
  private min = Infinity;
  private max = -Infinity;
  private sawNegative = false;

  /**
   * @param maxSize buckets per range (positive, negative), not counting the zero bucket; at least 2
   * @param maxScale the finest scale used, in [-10, 20]
   * @param recordMinMax the specification's RecordMinMax: false leaves min and max out of points
   */
  constructor(
    maxSize = 160,
    maxScale = 20,
    private readonly recordMinMax = true,
  ) {
    this.maxSize = Math.max(2, Math.floor(maxSize));
    this.maxScale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, Math.floor(maxScale)));
    this.currentScale = this.maxScale;
  }

  /** Measurements recorded since the last reset (zeros included). */
  get count(): number {
    return this.total;
  }

  /** Records one measurement; NaN and +-Infinity are ignored (they have no bucket). */
  record(value: number): void {
    if (!Number.isFinite(value)) return;
    this.total++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value === 0) {
      this.zeroCount++;
      return;
    }
    let range = this.positive;
    if (value < 0) {
      this.sawNegative = true;
      range = this.negative;
      value = -value;
    }
    let index = mapToIndex(value, this.currentScale);
    if (range.spanWith(index) > this.maxSize) {
      const change = scaleReduction(Math.min(range.start, index), Math.max(range.end, index), this.maxSize);
      this.downscale(change);
      // Shifted like the buckets were, so it lands inside the range just made to fit.
      index >>= change;
    }
    range.add(index, 1, this.maxSize);
  }

  /**
   * Adds another histogram's measurements (delta into cumulative): both go to the finer scale at
   * which every bucket of both fits within maxSize. `other` is not changed.
   */
  merge(other: Base2ExponentialHistogram): void {
    if (other.total === 0) return;
    let scale = Math.min(this.currentScale, other.currentScale);
    scale -= this.mergedReduction(this.positive, other.positive, other.currentScale, scale);
    scale -= this.mergedReduction(this.negative, other.negative, other.currentScale, scale);
    this.downscale(this.currentScale - scale);
    const shift = other.currentScale - scale;
    for (const [mine, theirs] of [
      [this.positive, other.positive],
      [this.negative, other.negative],
    ] as const) {
      for (let index = theirs.start; index <= theirs.end; index++) {
        const count = theirs.countAt(index);
        if (count !== 0) mine.add(index >> shift, count, this.maxSize);
      }
    }
    this.total += other.total;
    this.sum += other.sum;
    this.zeroCount += other.zeroCount;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    this.sawNegative ||= other.sawNegative;
  }

  /** The further scale reduction below `scale` that the union of two ranges needs. */
  private mergedReduction(mine: BucketRange, theirs: BucketRange, theirScale: number, scale: number): number {
    if (mine.empty && theirs.empty) return 0;
    const mineShift = this.currentScale - scale;
    const theirShift = theirScale - scale;
    let low = Infinity;
    let high = -Infinity;
    if (!mine.empty) {
      low = mine.start >> mineShift;
      high = mine.end >> mineShift;
    }
    if (!theirs.empty) {
      low = Math.min(low, theirs.start >> theirShift);
      high = Math.max(high, theirs.end >> theirShift);
    }
    return scaleReduction(low, high, this.maxSize);
  }

  private downscale(change: number): void {
    if (change <= 0) return;
    this.positive.downscale(change);
    this.negative.downscale(change);
    this.currentScale -= change;
  }

  /** Empties it for the next delta interval, back at maxScale; the bucket storage is kept. */
  reset(): void {
    this.positive.clear();
    this.negative.clear();
    this.currentScale = this.maxScale;
    this.total = 0;
    this.sum = 0;
    this.zeroCount = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.sawNegative = false;
  }

  clone(): Base2ExponentialHistogram {
    const copy = new Base2ExponentialHistogram(this.maxSize, this.maxScale, this.recordMinMax);
    copy.currentScale = this.currentScale;
    copy.positive.copyFrom(this.positive);
    copy.negative.copyFrom(this.negative);
    copy.total = this.total;
    copy.sum = this.sum;
    copy.zeroCount = this.zeroCount;
    copy.min = this.min;
    copy.max = this.max;
    copy.sawNegative = this.sawNegative;
    return copy;
  }

  toPoint(attributes: Attributes, startTime: number, time: number, exemplars: readonly Exemplar[]): ExponentialHistogramPoint {
    const hasMinMax = this.recordMinMax && this.total > 0;
    return {
      attributes,
      startTime,
      time,
      exemplars,
      count: this.total,
      sum: this.sawNegative ? undefined : this.sum,
      min: hasMinMax ? this.min : undefined,
      max: hasMinMax ? this.max : undefined,
      scale: this.currentScale,
      zeroCount: this.zeroCount,
      zeroThreshold: 0,
      positive: this.positive.toBuckets(),
      negative: this.negative.toBuckets(),
    };
  }
}
