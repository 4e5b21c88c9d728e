import { isSpanContextValid, trace, TraceFlags } from '@opentelemetry/api';
import type { Attributes, Context, SpanContext } from '@opentelemetry/api';
import { Span } from '../sdk/span';
import type { Exemplar, ExemplarFilter } from './data';

/**
 * Exemplars per the metrics SDK specification ("Exemplar", "ExemplarFilter", "ExemplarReservoir"):
 * the filter decides whether a measurement may become an exemplar at all; a reservoir keeps a few
 * of those until the next collection. Offering allocates nothing: each reservoir owns a fixed set
 * of cells that are overwritten; only `collect` builds Exemplar objects.
 */

/** The filter's decision for one measurement: `trace_based` keeps those made inside a sampled span. */
export function exemplarAllowed(filter: ExemplarFilter, ctx: Context): boolean {
  if (filter === 'always_on') return true;
  if (filter === 'always_off') return false;
  const span = trace.getSpan(ctx);
  if (span === undefined) return false;
  if (span instanceof Span) return (span.traceFlags & TraceFlags.SAMPLED) !== 0;
  // The flag first: a measurement outside a sampled span skips the ids' check.
  const spanContext = span.spanContext();
  return (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0 && checked(spanContext) !== undefined;
}

/** The ids an exemplar records. */
type ExemplarIds = Pick<SpanContext, 'traceId' | 'spanId'>;

/**
 * The ids of the span in ctx if they are valid. The SDK's own spans have valid ids by
 * construction (the tracer trusts them the same way for a child's parent), so only other spans
 * (an app's `wrapSpanContext`, another SDK's) are checked.
 */
function validIds(ctx: Context): ExemplarIds | undefined {
  const span = trace.getSpan(ctx);
  if (span === undefined) return undefined;
  if (span instanceof Span) return span;
  return checked(span.spanContext());
}

let lastValid: SpanContext | undefined;

/**
 * The span context if its ids are valid. The API's check runs two regular expressions (135 ns
 * in a loop); a span returns one SpanContext object for its life, so the measurements made
 * inside one span reuse the last answer.
 */
function checked(spanContext: SpanContext): SpanContext | undefined {
  if (spanContext === lastValid) return spanContext;
  if (!isSpanContextValid(spanContext)) return undefined;
  lastValid = spanContext;
  return spanContext;
}

export interface ExemplarReservoir {
  /** Offers a measurement the filter allowed; `time` in epoch ms. */
  offer(value: number, time: number, attributes: Attributes, ctx: Context): void;
  /**
   * The exemplars kept since the previous collect, then empties the reservoir. For delta points
   * that is the specification's rule (an exemplar lies within its point's interval); for
   * cumulative points the interval starts earlier, so they are within it too (the specification
   * leaves resetting to the SDK). Call it once per collection of the series.
   */
  collect(pointAttributes: Attributes): Exemplar[];
}

const NO_ATTRIBUTES: Attributes = Object.freeze({});

/** One stored measurement; its fields are overwritten in place. */
class Cell {
  full = false;
  value = 0;
  time = 0;
  attributes: Attributes = NO_ATTRIBUTES;
  traceId: string | undefined = undefined;
  spanId: string | undefined = undefined;

  store(value: number, time: number, attributes: Attributes, ctx: Context): void {
    this.full = true;
    this.value = value;
    this.time = time;
    this.attributes = attributes;
    const ids = validIds(ctx);
    if (ids !== undefined) {
      this.traceId = ids.traceId;
      this.spanId = ids.spanId;
    } else {
      this.traceId = this.spanId = undefined;
    }
  }

  /** The exemplar, or undefined if nothing was stored; empties the cell either way. */
  take(pointAttributes: Attributes): Exemplar | undefined {
    if (!this.full) return undefined;
    const exemplar: Exemplar = {
      filteredAttributes: attributesNotIn(this.attributes, pointAttributes),
      time: this.time,
      value: this.value,
      traceId: this.traceId,
      spanId: this.spanId,
    };
    this.full = false;
    // Releases the measurement's attribute object for the garbage collector.
    this.attributes = NO_ATTRIBUTES;
    this.traceId = this.spanId = undefined;
    return exemplar;
  }
}

/** The measurement's attributes whose keys the point does not carry (dropped by views or overflow). */
function attributesNotIn(measured: Attributes, point: Attributes): Attributes {
  if (measured === point) return NO_ATTRIBUTES;
  let filtered: Attributes | undefined;
  for (const key in measured) {
    if (Object.prototype.hasOwnProperty.call(point, key)) continue;
    filtered ??= {};
    filtered[key] = measured[key];
  }
  return filtered ?? NO_ATTRIBUTES;
}

function collectCells(cells: readonly Cell[], pointAttributes: Attributes): Exemplar[] {
  const exemplars: Exemplar[] = [];
  for (const cell of cells) {
    const exemplar = cell.take(pointAttributes);
    if (exemplar !== undefined) exemplars.push(exemplar);
  }
  return exemplars;
}

/**
 * For explicit bucket histograms: one exemplar per bucket, the last measurement that fell in it
 * (the specification's permitted alternative to sampling within the bucket). `bounds` are the
 * histogram's inclusive upper bounds, ascending; there is one bucket more than bounds.
 */
export class AlignedHistogramBucketReservoir implements ExemplarReservoir {
  private readonly cells: Cell[];

  constructor(private readonly bounds: readonly number[]) {
    this.cells = Array.from({ length: bounds.length + 1 }, () => new Cell());
  }

  offer(value: number, time: number, attributes: Attributes, ctx: Context): void {
    this.cells[this.bucketOf(value)].store(value, time, attributes, ctx);
  }

  collect(pointAttributes: Attributes): Exemplar[] {
    return collectCells(this.cells, pointAttributes);
  }

  /** The first bucket whose upper bound is >= value (binary search). */
  private bucketOf(value: number): number {
    let low = 0;
    let high = this.bounds.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.bounds[middle] < value) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/**
 * For every other aggregation: `size` exemplars chosen uniformly among the measurements offered
 * since the last collection (reservoir sampling: the n-th one replaces a random cell with
 * probability size/n). The specification's default size is 1 (or the number of CPUs; a Node
 * thread records alone, so 1); for the exponential histogram it is min(20, maxSize).
 */
export class SimpleFixedSizeReservoir implements ExemplarReservoir {
  private readonly cells: Cell[];
  /** Measurements offered since the last collect: the specification resets it every cycle. */
  private seen = 0;

  constructor(size = 1) {
    this.cells = Array.from({ length: Math.max(1, Math.floor(size)) }, () => new Cell());
  }

  offer(value: number, time: number, attributes: Attributes, ctx: Context): void {
    const size = this.cells.length;
    const slot = this.seen < size ? this.seen : Math.floor(Math.random() * (this.seen + 1));
    this.seen++;
    if (slot < size) this.cells[slot].store(value, time, attributes, ctx);
  }

  collect(pointAttributes: Attributes): Exemplar[] {
    this.seen = 0;
    return collectCells(this.cells, pointAttributes);
  }
}
