import { context, diag, ROOT_CONTEXT, TraceFlags } from '@opentelemetry/api';
import { suppressTracing } from '../context/suppress';
import type { SpanProcessor } from '../sdk/processor';
import type { SpanData } from '../sdk/span-data';
import type { BatchExporter } from './exporter';

/**
 * Exports each item as it comes, one export at a time (chained), for development and tests where
 * seeing an item at once matters more than throughput. Spans and log records alike.
 */
export class SimpleProcessor<T> {
  private chain: Promise<void> = Promise.resolve();
  private isShutdown = false;

  constructor(
    private readonly exporter: BatchExporter<T>,
    /** "span", "log record": for the debug line of a failed export. */
    private readonly item: string,
  ) {}

  protected add(item: T): void {
    if (this.isShutdown) return;
    this.chain = this.chain.then(() =>
      context.with(suppressTracing(ROOT_CONTEXT), async () => {
        const result = await this.exporter.export([item]);
        if (!result.ok) diag.debug(`${this.item} export failed: ${result.error?.message ?? 'unknown error'}`);
      }),
    );
  }

  async forceFlush(): Promise<void> {
    await this.chain;
    await this.exporter.forceFlush();
  }

  async shutdown(): Promise<void> {
    if (this.isShutdown) return;
    await this.forceFlush();
    this.isShutdown = true;
    await this.exporter.shutdown();
  }
}

/** Each sampled span exported as it ends. */
export class SimpleSpanProcessor extends SimpleProcessor<SpanData> implements SpanProcessor {
  constructor(exporter: BatchExporter<SpanData>) {
    super(exporter, 'span');
  }

  onEnd(span: SpanData): void {
    if ((span.traceFlags & TraceFlags.SAMPLED) !== 0) this.onKept(span);
  }

  onKept(span: SpanData): void {
    this.add(span);
  }
}
