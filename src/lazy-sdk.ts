/** What the agent needs of a signal's SDK beyond its API: flushing and shutting down at exit. */
export interface FlushableSdk {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * A signal's SDK built when it is first needed (the metrics SDK at the first `getMeter`, the
 * Logs SDK at the first `getLogger`), so an app that never uses the signal pays nothing for it
 * at start-up. Building it once failed: the signal is off from then on, the app and the other
 * signals go on.
 */
export class LazySdk<T extends FlushableSdk> {
  protected real: T | undefined;
  private failed = false;

  constructor(
    private readonly create: () => T,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** The real SDK, built now if it was not yet; undefined if building it failed. */
  load(): T | undefined {
    if (this.real === undefined && !this.failed) {
      try {
        this.real = this.create();
      } catch (error) {
        this.failed = true;
        this.onFailure(error);
      }
    }
    return this.real;
  }

  /** Nothing to flush when the SDK was never built. */
  forceFlush(): Promise<void> {
    return this.real?.forceFlush() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.real?.shutdown() ?? Promise.resolve();
  }
}
