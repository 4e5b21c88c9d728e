/**
 * A bucket of `perSecond` tokens where each token spent comes back exactly one second later
 * (the times of the last spends kept in a ring): at most `perSecond` takes in any one-second
 * window, with bursts up to the whole bucket. A plain refill-rate bucket of the same size would
 * allow up to twice as many in a window that starts full.
 *
 * `reserve` tokens are kept for the callers that may use them (`take(now, true)`): the others stop
 * while only the reserve is left, so error traces are kept first when the limit binds.
 */
export class TokenBucket {
  private readonly spentAt: Float64Array;
  /** Index of the oldest spend in the ring, and how many spends it holds. */
  private head = 0;
  private count = 0;

  constructor(
    readonly perSecond: number,
    readonly reserve: number,
  ) {
    this.spentAt = new Float64Array(perSecond);
  }

  /** Takes a token at `nowMs` if one is free (beyond the reserve unless `mayUseReserve`). */
  take(nowMs: number, mayUseReserve: boolean): boolean {
    const ring = this.spentAt;
    while (this.count > 0 && ring[this.head] <= nowMs - 1_000) {
      this.head = (this.head + 1) % ring.length;
      this.count--;
    }
    const free = ring.length - this.count;
    if (free <= (mayUseReserve ? 0 : this.reserve)) return false;
    ring[(this.head + this.count) % ring.length] = nowMs;
    this.count++;
    return true;
  }
}
