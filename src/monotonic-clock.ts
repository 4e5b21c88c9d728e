import { performance } from 'node:perf_hooks';

/**
 * The monotonic clock in milliseconds, `performance.now()`, through `node:perf_hooks`' object:
 * Node 20 defines the global `performance` as an accessor on `globalThis`, so every read of the
 * global calls a getter before `now` is reached (bench:instructions: about 200 instructions per
 * read, three to five reads per traced request). One rule for the SDK's span times and for the
 * instrumentations' measurements.
 */
export function monotonicNow(): number {
  return performance.now();
}

/** The epoch milliseconds at which `monotonicNow()` read zero. */
export const monotonicOrigin: number = performance.timeOrigin;
