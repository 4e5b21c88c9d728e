import { SpanKind } from '@opentelemetry/api';
import type { SpanData } from '../../sdk/span-data';
import { isError } from './spans';
import { systemOf } from './system-label';

/**
 * Database work outside any request (an ORM's schema sync at start-up, a timer's query) makes
 * one small trace per statement. Consecutive ones of the same system are summed up in one line
 * instead of a tree each: `pg: 57 operations outside any request in 1.20 s: INSERT users ×40, …`.
 * A trace with an error is never folded.
 */

/** Fewer consecutive traces than this are printed as trees. */
export const FOLD_MIN_TRACES = 3;
/** How many kinds of operation the summary names. */
const NAMED_KINDS = 4;

/**
 * The system of a trace made only of CLIENT spans of one system with no error, which starts
 * outside any request (no parent at all), or undefined when the trace is to be printed as a tree.
 */
export function foldableSystem(spans: readonly SpanData[]): string | undefined {
  let system: string | undefined;
  let hasRoot = false;
  for (const span of spans) {
    if (span.kind !== SpanKind.CLIENT || isError(span)) return undefined;
    const own = systemOf(span);
    if (own === undefined || (system !== undefined && own !== system)) return undefined;
    system = own;
    if (span.parentSpanId === undefined) hasRoot = true;
  }
  return hasRoot ? system : undefined;
}

/**
 * A run of consecutive foldable traces of one system. Keeps counts, and the spans of the first
 * few traces only (printed as trees if the run stays short), so a long run costs no memory.
 */
export class FoldRun {
  private traces = 0;
  private operations = 0;
  private readonly counts = new Map<string, number>();
  private start = Infinity;
  private end = -Infinity;
  private readonly firstTraces: (readonly SpanData[])[] = [];

  constructor(
    readonly system: string,
    private readonly service: string,
  ) {}

  add(spans: readonly SpanData[]): void {
    this.traces++;
    if (this.firstTraces.length < FOLD_MIN_TRACES) this.firstTraces.push(spans);
    for (const span of spans) {
      this.operations++;
      this.counts.set(span.name, (this.counts.get(span.name) ?? 0) + 1);
      this.start = Math.min(this.start, span.startTime);
      this.end = Math.max(this.end, span.endTime);
    }
  }

  /** The traces to print as trees, when the run is too short to fold; else undefined. */
  unfolded(): readonly (readonly SpanData[])[] | undefined {
    return this.traces < FOLD_MIN_TRACES ? this.firstTraces : undefined;
  }

  summary(): string {
    const kinds = [...this.counts].sort((a, b) => b[1] - a[1]);
    const named = kinds.slice(0, NAMED_KINDS).map(([name, n]) => (n === 1 ? name : `${name} ×${n}`));
    if (kinds.length > NAMED_KINDS) named.push(`+${kinds.length - NAMED_KINDS} more kinds`);
    const seconds = ((this.end - this.start) / 1000).toFixed(2);
    return `outside any request  service=${this.service}  ${this.system}: ${this.operations} operations in ${this.traces} traces over ${seconds} s: ${named.join(', ')}\n`;
  }
}
