import { createNoopMeter, type Meter, type MeterOptions, type MeterProvider } from '@opentelemetry/api';

/** What the agent needs of the real provider beyond the API: flushing at exit. */
export interface FlushableMeterProvider extends MeterProvider {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * The MeterProvider the agent registers at start-up: it loads the metrics SDK (and its
 * exporters) only when something first asks for a meter, so an app that makes no measurement
 * pays nothing for metrics at start-up. A reader that must run from the start (the Prometheus
 * endpoint) is built at once by the agent through `load()`.
 */
export class LazyMeterProvider implements MeterProvider {
  private real: FlushableMeterProvider | undefined;
  private failed = false;

  constructor(
    private readonly create: () => FlushableMeterProvider,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** The real provider, built now if it was not yet; undefined if building it failed. */
  load(): FlushableMeterProvider | undefined {
    if (this.real === undefined && !this.failed) {
      try {
        this.real = this.create();
      } catch (error) {
        // Metrics are off from now on; the app and the other signals go on.
        this.failed = true;
        this.onFailure(error);
      }
    }
    return this.real;
  }

  getMeter(name: string, version?: string, options?: MeterOptions): Meter {
    const real = this.load();
    if (real !== undefined) return real.getMeter(name, version, options);
    return createNoopMeter();
  }

  /** Nothing to flush when no meter was ever asked for. */
  forceFlush(): Promise<void> {
    return this.real?.forceFlush() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.real?.shutdown() ?? Promise.resolve();
  }
}
