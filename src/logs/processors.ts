import type { BatchConfig } from '../config/types';
import { ArrayQueue, BatchProcessor } from '../export/batch-processor';
import type { BatchExporter } from '../export/exporter';
import { SimpleProcessor } from '../export/simple-processor';
import type { LogRecordData, LogRecordProcessor } from './data';

export type LogRecordExporter = BatchExporter<LogRecordData>;

/** The batch log record processor (OTEL_BLRP_*): the span batch processor's queue, batches and drop reporting. */
export class BatchLogRecordProcessor extends BatchProcessor<LogRecordData> implements LogRecordProcessor {
  constructor(exporter: LogRecordExporter, config: BatchConfig) {
    super(exporter, config, { item: 'log record', variables: 'OTEL_BLRP' }, new ArrayQueue<LogRecordData>());
  }

  onEmit(record: LogRecordData): void {
    this.add(record);
  }
}

/** Exports each record as it is emitted, one export at a time (the console exporter: seen at once). */
export class SimpleLogRecordProcessor extends SimpleProcessor<LogRecordData> implements LogRecordProcessor {
  constructor(exporter: LogRecordExporter) {
    super(exporter, 'log record');
  }

  onEmit(record: LogRecordData): void {
    this.add(record);
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
