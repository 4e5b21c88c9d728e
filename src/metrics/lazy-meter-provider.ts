import { createNoopMeter, type Meter, type MeterOptions, type MeterProvider } from '@opentelemetry/api';
import { LazySdk, type FlushableSdk } from '../lazy-sdk';

/** What the agent needs of the real provider beyond the API: flushing at exit. */
export interface FlushableMeterProvider extends MeterProvider, FlushableSdk {}

/**
 * The MeterProvider the agent registers at start-up: the metrics SDK (and its exporters) loads
 * when something first asks for a meter. A reader that must run from the start (the Prometheus
 * endpoint) is built at once by the agent through `load()`.
 */
export class LazyMeterProvider extends LazySdk<FlushableMeterProvider> implements MeterProvider {
  getMeter(name: string, version?: string, options?: MeterOptions): Meter {
    return this.load()?.getMeter(name, version, options) ?? createNoopMeter();
  }
}
