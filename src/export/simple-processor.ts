import { context, diag, ROOT_CONTEXT, TraceFlags } from '@opentelemetry/api';
import { suppressTracing } from '../context/suppress';
import type { SpanProcessor } from '../sdk/processor';
import type { SpanData } from '../sdk/span-data';
import type { BatchExporter } from './exporter';

/**
 * Exports each item as it comes, for development and tests where seeing an item at once matters
 * more than throughput. Spans and log records alike. The item is handed to the exporter in the
 * call that ends it (as the official SDK's simple processor does), not in a later microtask: an
 * app that calls `process.exit()` right after its last spans still gets them printed by the
 * console exporter, which prints what it holds at 'exit'.
 */
export class SimpleProcessor<T> {
  /** Exports not settled yet, for forceFlush. */
  private readonly exporting = new Set<Promise<void>>();
  private isShutdown = false;

  constructor(
    private readonly exporter: BatchExporter<T>,
    /** "span", "log record": for the debug line of a failed export. */
    private readonly item: string,
  ) {}

  protected add(item: T): void {
    if (this.isShutdown) return;
    const exported = context
      .with(suppressTracing(ROOT_CONTEXT), () => this.exporter.export([item]))
      .then((result) => {
        if (!result.ok) diag.debug(`${this.item} export failed: ${result.error?.message ?? 'unknown error'}`);
      })
      .finally(() => this.exporting.delete(exported));
    this.exporting.add(exported);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.exporting);
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
