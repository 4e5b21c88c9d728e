import { metrics, type Attributes, type Context, type Histogram, type Meter, type MetricOptions } from '@opentelemetry/api';

/**
 * An instrumentation's meter (scope `otelite/{name}`), asked of the global MeterProvider on first
 * use: the metrics SDK loads with the first measurement, not when the agent starts. An
 * instrumentation has one only when the agent exports metrics (`InstrumentationContext.meter`),
 * so with OTEL_METRICS_EXPORTER=none no measurement is prepared at all.
 */
export class InstrumentationMeter {
  private meter: Meter | undefined;

  constructor(
    private readonly scope: string,
    private readonly version: string,
  ) {}

  get(): Meter {
    return (this.meter ??= metrics.getMeter(this.scope, this.version));
  }

  /** A histogram made at its first measurement. */
  histogram(name: string, options: MetricOptions): LazyHistogram {
    return new LazyHistogram(this, name, options);
  }
}

export class LazyHistogram {
  private histogram: Histogram | undefined;

  constructor(
    private readonly meter: InstrumentationMeter,
    private readonly name: string,
    private readonly options: MetricOptions,
  ) {}

  /** `context` decides the exemplar: the operation's own span, rather than whatever is active when it ends. */
  record(value: number, attributes: Attributes, context?: Context): void {
    (this.histogram ??= this.meter.get().createHistogram(this.name, this.options)).record(value, attributes, context);
  }
}
