import { context, diag, ROOT_CONTEXT, TraceFlags } from '@opentelemetry/api';
import { suppressTracing } from '../context/suppress';
import type { SpanProcessor } from '../sdk/processor';
import type { SpanData } from '../sdk/span-data';
import type { SpanExporter } from './exporter';

/**
 * Exports each sampled span as it ends, one export at a time (chained), for development and
 * tests where seeing a span at once matters more than throughput.
 */
export class SimpleSpanProcessor implements SpanProcessor {
  private chain: Promise<void> = Promise.resolve();
  private isShutdown = false;

  constructor(private readonly exporter: SpanExporter) {}

  onEnd(span: SpanData): void {
    if ((span.traceFlags & TraceFlags.SAMPLED) !== 0) this.onKept(span);
  }

  onKept(span: SpanData): void {
    if (this.isShutdown) return;
    this.chain = this.chain.then(() =>
      context.with(suppressTracing(ROOT_CONTEXT), async () => {
        const result = await this.exporter.export([span]);
        if (!result.ok) diag.debug(`span export failed: ${result.error?.message ?? 'unknown error'}`);
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
