import { diag, type Sampler, type TracerOptions, type TracerProvider as ApiTracerProvider } from '@opentelemetry/api';
import type { SpanLimits } from '../config/types';
import type { SpanProcessor } from './processor';
import type { Span } from './span';
import type { ResourceData } from './span-data';
import { Tracer, type TracerOwner } from './tracer';

export interface TracerProviderOptions {
  resource: ResourceData;
  sampler: Sampler;
  limits: SpanLimits;
  processor: SpanProcessor;
}

export class TracerProvider implements ApiTracerProvider, TracerOwner {
  readonly resource: ResourceData;
  readonly sampler: Sampler;
  readonly limits: SpanLimits;
  readonly keepsNothingAfterEnd: boolean;
  private readonly processor: SpanProcessor;
  private readonly tracers = new Map<string, Tracer>();
  private isShutdown = false;

  constructor(options: TracerProviderOptions) {
    this.resource = options.resource;
    this.sampler = options.sampler;
    this.limits = options.limits;
    this.processor = options.processor;
    this.keepsNothingAfterEnd = options.processor.keepsNothingAfterEnd === true;
  }

  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    const key = `${name}@${version ?? ''}:${options?.schemaUrl ?? ''}`;
    let tracer = this.tracers.get(key);
    if (tracer === undefined) {
      tracer = new Tracer(this, { name: String(name), version, schemaUrl: options?.schemaUrl });
      this.tracers.set(key, tracer);
    }
    return tracer;
  }

  onEnd(span: Span): void {
    if (this.isShutdown) return;
    try {
      this.processor.onEnd(span);
    } catch (error) {
      diag.error('span processor failed on a span; span dropped', error);
    }
  }

  forceFlush(): Promise<void> {
    return this.processor.forceFlush();
  }

  /** What would be lost if the process ended now, for the exit line. */
  unexported(): string | undefined {
    return this.processor.unexported?.();
  }

  async shutdown(): Promise<void> {
    if (this.isShutdown) return;
    await this.processor.forceFlush();
    this.isShutdown = true;
    await this.processor.shutdown();
  }
}
