import type { Attributes } from '@opentelemetry/api';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import type { LazyHistogram } from '../../src/instrument';
import { gcTypeOf, type GcType } from './gc-type';
import { ATTR_GC_TYPE } from './names';

/** One attribute object per type, made once: a collection records with the same object every time. */
const ATTRIBUTES: Record<GcType, Attributes> = {
  major: { [ATTR_GC_TYPE]: 'major' },
  minor: { [ATTR_GC_TYPE]: 'minor' },
  incremental: { [ATTR_GC_TYPE]: 'incremental' },
  weakcb: { [ATTR_GC_TYPE]: 'weakcb' },
};

/** Collections kept while the histogram does not exist yet (start-up makes dozens, not thousands). */
const PENDING_LIMIT = 4096;

/**
 * Every garbage collection's duration, from a PerformanceObserver on `gc` entries. Node hands the
 * observer its entries in batches (several collections between two turns of the loop); each
 * entry of each batch is one measurement. Collections seen before the histogram is made (the
 * instruments are made after start-up) are kept and recorded when it is given.
 */
export class GcDurations {
  private histogram: LazyHistogram | undefined;
  private pending: Array<{ seconds: number; type: GcType }> = [];
  private readonly observer: PerformanceObserver;

  constructor(private readonly fail: (error: unknown) => void) {
    this.observer = new PerformanceObserver((list) => this.onEntries(list.getEntries()));
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Records into `histogram` from now on, and the collections seen so far now. */
  recordInto(histogram: LazyHistogram): void {
    this.histogram = histogram;
    const pending = this.pending;
    this.pending = [];
    for (const { seconds, type } of pending) histogram.record(seconds, ATTRIBUTES[type]);
  }

  stop(): void {
    this.observer.disconnect();
    this.pending = [];
  }

  private onEntries(entries: PerformanceEntry[]): void {
    try {
      for (const entry of entries) {
        const type = gcTypeOf(((entry as { detail?: { kind?: unknown } | null }).detail)?.kind);
        if (type === undefined) continue;
        const seconds = entry.duration / 1000;
        if (this.histogram !== undefined) this.histogram.record(seconds, ATTRIBUTES[type]);
        else if (this.pending.length < PENDING_LIMIT) this.pending.push({ seconds, type });
      }
    } catch (error) {
      this.fail(error);
    }
  }
}
