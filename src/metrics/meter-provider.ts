import { createNoopMeter, type Meter as ApiMeter, type MeterOptions, type MeterProvider as ApiMeterProvider } from '@opentelemetry/api';
import { now } from '../sdk/clock';
import type { ResourceData } from '../sdk/span-data';
import { AttributeIdentity, type AttributeLimits } from './attribute-set';
import type { ExemplarFilter, HistogramAggregation, ResourceMetrics, ScopeMetrics } from './data';
import { Meter, type MeterContext } from './meter';
import type { MetricReader } from './reader';

export interface MeterProviderOptions {
  resource: ResourceData;
  readers: MetricReader[];
  histogramAggregation: HistogramAggregation;
  exemplarFilter: ExemplarFilter;
  /** Series per metric per reader; past it, one overflow series. Default 2000. */
  cardinalityLimit?: number;
  /** Like spans' (default: 128 attributes, no length limit). */
  attributeLimits?: AttributeLimits;
}

const DEFAULT_CARDINALITY_LIMIT = 2000;
const DEFAULT_ATTRIBUTE_LIMITS: AttributeLimits = { attributeCountLimit: 128, attributeValueLengthLimit: Infinity };

/**
 * The SDK's MeterProvider: one Meter per instrumentation scope, every instrument aggregated
 * once per reader (each reader has its own temporality and its own series), collected when a
 * reader asks.
 */
export class MeterProvider implements ApiMeterProvider {
  private readonly meters = new Map<string, Meter>();
  private readonly context: MeterContext;
  private readonly resource: ResourceData;
  private readonly readers: readonly MetricReader[];
  private isShutdown = false;

  constructor(options: MeterProviderOptions) {
    this.resource = options.resource;
    this.readers = [...options.readers];
    this.context = {
      identity: new AttributeIdentity(options.attributeLimits ?? DEFAULT_ATTRIBUTE_LIMITS),
      exemplarFilter: options.exemplarFilter,
      temporalities: this.readers.map((reader) => (kind) => reader.temporality(kind)),
      histogramAggregation: options.histogramAggregation,
      cardinalityLimit: Math.max(1, options.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT),
      startTime: now(),
    };
    this.readers.forEach((reader, i) => reader.attach(() => this.collect(i)));
  }

  getMeter(name: string, version?: string, options?: MeterOptions): ApiMeter {
    if (this.isShutdown) return createNoopMeter();
    const scopeName = typeof name === 'string' ? name : String(name);
    const key = `${scopeName}@${version ?? ''}:${options?.schemaUrl ?? ''}`;
    let meter = this.meters.get(key);
    if (meter === undefined) {
      meter = new Meter({ name: scopeName, version, schemaUrl: options?.schemaUrl }, this.context);
      this.meters.set(key, meter);
    }
    return meter;
  }

  forceFlush(): Promise<void> {
    return Promise.all(this.readers.map((r) => r.forceFlush())).then(() => undefined);
  }

  async shutdown(): Promise<void> {
    if (this.isShutdown) return;
    this.isShutdown = true;
    await Promise.all(this.readers.map((r) => r.shutdown()));
  }

  /** One collection for reader number `reader`: callbacks first, then every meter's series. */
  private async collect(reader: number): Promise<ResourceMetrics> {
    const meters = [...this.meters.values()];
    const observed = await Promise.all(meters.map((m) => m.observe()));
    const time = now();
    const scopeMetrics: ScopeMetrics[] = [];
    meters.forEach((meter, i) => {
      const scope = meter.collect(reader, time, observed[i]!);
      if (scope.metrics.length > 0) scopeMetrics.push(scope);
    });
    return { resource: this.resource, scopeMetrics };
  }
}
