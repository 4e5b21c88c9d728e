import type { TimeInput } from '@opentelemetry/api';
import { monotonicNow, monotonicOrigin } from '../monotonic-clock';

/**
 * Span times are epoch milliseconds as float64: a monotonic `performance.now()` offset from the
 * process's time origin, so durations never go backwards with wall-clock adjustments. A float64
 * of today's epoch milliseconds still resolves a quarter of a microsecond.
 */
export function now(): number {
  return monotonicOrigin + monotonicNow();
}

/** Converts the API's TimeInput (epoch ms, HrTime, Date; or a performance.now() value) to epoch ms. */
export function toEpochMillis(time: TimeInput | undefined): number {
  if (time === undefined) return now();
  if (typeof time === 'number') {
    // The API lets callers pass performance.now() values; they are far below any epoch time.
    return time < monotonicOrigin ? monotonicOrigin + time : time;
  }
  if (Array.isArray(time)) return time[0] * 1e3 + time[1] / 1e6;
  if (time instanceof Date) return time.getTime();
  return now();
}
