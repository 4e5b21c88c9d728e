import { context, diag, ROOT_CONTEXT } from '@opentelemetry/api';
import type { BatchConfig } from '../config/types';
import { suppressTracing } from '../context/suppress';
import { BatchProcessor } from '../export/batch-processor';
import type { BatchExporter } from '../export/exporter';
import type { LogRecordData, LogRecordProcessor } from './data';

export type LogRecordExporter = BatchExporter<LogRecordData>;

/** The batch log record processor (OTEL_BLRP_*): the span batch processor's queue, batches and drop reporting. */
export class BatchLogRecordProcessor extends BatchProcessor<LogRecordData> implements LogRecordProcessor {
  constructor(exporter: LogRecordExporter, config: BatchConfig) {
    super(exporter, config, { item: 'log record', variables: 'OTEL_BLRP' });
  }

  onEmit(record: LogRecordData): void {
    this.add(record);
  }
}

/** Exports each record as it is emitted, one export at a time (the console exporter: seen at once). */
export class SimpleLogRecordProcessor implements LogRecordProcessor {
  private chain: Promise<void> = Promise.resolve();
  private isShutdown = false;

  constructor(private readonly exporter: LogRecordExporter) {}

  onEmit(record: LogRecordData): void {
    if (this.isShutdown) return;
    this.chain = this.chain.then(() =>
      context.with(suppressTracing(ROOT_CONTEXT), async () => {
        const result = await this.exporter.export([record]);
        if (!result.ok) diag.debug(`log record export failed: ${result.error?.message ?? 'unknown error'}`);
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

/** Fans out to several processors (one per configured exporter). */
export class MultiLogRecordProcessor implements LogRecordProcessor {
  constructor(private readonly processors: readonly LogRecordProcessor[]) {}

  onEmit(record: LogRecordData): void {
    for (const p of this.processors) p.onEmit(record);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.shutdown()));
  }

  unexported(): string | undefined {
    const lost = this.processors.map((p) => p.unexported?.()).filter((s) => s !== undefined);
    return lost.length > 0 ? lost.join(', ') : undefined;
  }
}
