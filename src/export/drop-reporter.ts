import { diag } from '@opentelemetry/api';

/** Minimum time between two "dropped" diagnostic lines. */
const DROP_REPORT_INTERVAL_MS = 10_000;

/**
 * Counts telemetry lost to a full queue or a failed export, and says so without flooding: the
 * first loss at once (unless the exporter already said it: it says each kind of failure once,
 * with the count), later ones summed into one line at most every interval, and at a flush.
 * Shared by the span batch processor and the periodic metric reader.
 */
export class DropReporter {
  /** Lost since start. */
  private droppedTotal = 0;
  private droppedUnreported = 0;
  private lastReport = 0;

  /** @param what the plural noun of the lines, e.g. 'spans' */
  constructor(private readonly what: string) {}

  get total(): number {
    return this.droppedTotal;
  }

  drop(count: number, reason: string, alreadySaid = false): void {
    this.droppedTotal += count;
    this.droppedUnreported += count;
    if (this.lastReport === 0) {
      if (!alreadySaid) {
        diag.warn(
          `${reason}: dropping ${this.what} (${count} so far); the count is reported at most every ${DROP_REPORT_INTERVAL_MS / 1000} s`,
        );
      }
      this.lastReport = Date.now();
      this.droppedUnreported = 0;
      return;
    }
    this.report(false);
  }

  /** Says what was lost since the last line, if the interval has passed (or `force`, at a flush). */
  report(force: boolean): void {
    if (this.droppedUnreported === 0) return;
    const nowMs = Date.now();
    if (!force && nowMs - this.lastReport < DROP_REPORT_INTERVAL_MS) return;
    diag.warn(`${this.droppedUnreported} more ${this.what} dropped since the last report (${this.droppedTotal} in total)`);
    this.droppedUnreported = 0;
    this.lastReport = nowMs;
  }
}
