import { context, ROOT_CONTEXT, TraceFlags } from '@opentelemetry/api';
import type { BatchConfig } from '../config/types';
import { suppressTracing } from '../context/suppress';
import type { SpanProcessor } from '../sdk/processor';
import type { SpanData } from '../sdk/span-data';
import { DropReporter } from './drop-reporter';
import type { BatchExporter, ExportResult, Exporter } from './exporter';

/** What the lines of a batch processor call its items and its variables. */
export interface BatchItems {
  /** Singular noun: 'span', 'log record'. */
  readonly item: string;
  /** The variables' prefix: OTEL_BSP, OTEL_BLRP. */
  readonly variables: string;
}

const SPANS: BatchItems = { item: 'span', variables: 'OTEL_BSP' };

/**
 * Where a batch processor keeps its items until their export: as they came (`ArrayQueue`), or in
 * a form made when they are queued (otlp/span-bytes.ts keeps spans as their OTLP bytes).
 */
export interface ItemQueue<T, B> {
  readonly length: number;
  /** Queues one item (the processor has checked there is room); throws if it cannot be kept. */
  push(item: T): void;
  /** Removes the oldest items, at most `max`, as one batch (`max` is the export batch size). */
  take(max: number): B;
  /** How many items `batch` holds. */
  count(batch: B): number;
  /** True when `push` copies what it needs of the item (encodes it) and keeps no reference to it. */
  readonly copiesItems?: boolean;
}

/** The items themselves, in an array. */
export class ArrayQueue<T> implements ItemQueue<T, readonly T[]> {
  private items: T[] = [];

  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    this.items.push(item);
  }

  take(max: number): readonly T[] {
    return this.items.splice(0, max);
  }

  count(batch: readonly T[]): number {
    return batch.length;
  }
}

/**
 * Queues items (bounded) and exports them in batches, off the app's path: when a batch fills,
 * when the schedule delay elapses, and on flush. One export runs at a time, as the specification
 * requires. Items that do not fit the queue, or whose export failed, are counted and reported
 * through the diagnostic logger, never silently lost. The batch processor of spans and of log
 * records (the specification defines both alike).
 */
export class BatchProcessor<T, B = readonly T[]> {
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private exporting: Promise<void> | undefined;
  private isShutdown = false;
  /** Items lost to a full queue or a failed export. */
  private readonly drops: DropReporter;
  /** Items in the export running now. */
  private inFlight = 0;

  constructor(
    private readonly exporter: Exporter<B>,
    private readonly config: BatchConfig,
    private readonly items: BatchItems,
    private readonly queue: ItemQueue<T, B>,
  ) {
    this.drops = new DropReporter(`${items.item}s`);
  }

  get dropped(): number {
    return this.drops.total;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Queues `item` (never exports inside the call). */
  add(item: T): void {
    if (this.isShutdown) return;
    if (this.queue.length >= this.config.maxQueueSize) {
      this.drops.drop(1, `${this.items.item} queue is full (${this.items.variables}_MAX_QUEUE_SIZE=${this.config.maxQueueSize})`);
      return;
    }
    try {
      this.queue.push(item);
    } catch (error) {
      this.drops.drop(1, `a ${this.items.item} could not be queued (${(error as Error)?.message ?? String(error)})`);
      return;
    }
    if (this.queue.length >= this.config.maxExportBatchSize) this.exportSoon();
    else this.startTimer();
  }

  async forceFlush(): Promise<void> {
    this.clearTimers();
    // One export at a time, as the specification requires, also during a flush: wait for the
    // export running (a scheduled one, or another flush's), and mark the flush's own exports as
    // running, so that spans ending meanwhile start nothing beside them (they are flushed too).
    for (;;) {
      if (this.exporting !== undefined) {
        await this.exporting;
        continue;
      }
      if (this.queue.length === 0) break;
      const running: Promise<void> = this.exportOneBatch().finally(() => {
        if (this.exporting === running) this.exporting = undefined;
      });
      this.exporting = running;
      await running;
    }
    // Flushes happen at exit: whatever was lost must be said now, not at the next interval.
    this.drops.report(true);
  }

  async shutdown(): Promise<void> {
    if (this.isShutdown) return;
    await this.forceFlush();
    this.isShutdown = true;
    await this.exporter.shutdown();
  }

  private startTimer(): void {
    if (this.timer !== undefined || this.immediate !== undefined || this.exporting !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.runExports();
    }, this.config.scheduleDelayMs);
    this.timer.unref();
  }

  /** A full batch is exported on the next turn of the event loop, not inside `span.end()` or `emit()`. */
  private exportSoon(): void {
    if (this.immediate !== undefined || this.exporting !== undefined) return;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.runExports();
    });
    this.immediate.unref();
  }

  private runExports(): void {
    if (this.exporting !== undefined || this.queue.length === 0) return;
    this.exporting = this.exportLoop().finally(() => {
      this.exporting = undefined;
      if (this.queue.length >= this.config.maxExportBatchSize) this.exportSoon();
      else if (this.queue.length > 0) this.startTimer();
    });
  }

  /** Exports one batch, then keeps going while full batches are waiting. */
  private async exportLoop(): Promise<void> {
    do {
      await this.exportOneBatch();
    } while (this.queue.length >= this.config.maxExportBatchSize && !this.isShutdown);
  }

  private async exportOneBatch(): Promise<void> {
    if (this.queue.length === 0) return;
    const batch = this.queue.take(this.config.maxExportBatchSize);
    const n = this.queue.count(batch);
    this.inFlight = n;
    const result = await this.exportWithTimeout(batch);
    this.inFlight = 0;
    if (!result.ok) {
      // A split batch may have lost only some of its items.
      const lost = Math.min(n, Math.max(0, result.dropped ?? n));
      if (lost > 0) this.drops.drop(lost, `export failed (${result.error?.message ?? 'unknown error'})`, result.reported === true);
    } else {
      // Export works again: what an outage cost is said now (still at most once per interval),
      // not only at the next drop or at exit.
      this.drops.report(false);
    }
  }

  private exportWithTimeout(batch: B): Promise<ExportResult> {
    return new Promise<ExportResult>((resolve) => {
      const timeout = setTimeout(
        () =>
          resolve({
            ok: false,
            error: new Error(
              `export to ${this.exporter.target ?? 'the exporter'} got no answer within ${this.config.exportTimeoutMs} ms (${this.items.variables}_EXPORT_TIMEOUT)`,
            ),
          }),
        this.config.exportTimeoutMs,
      );
      timeout.unref();
      // The agent's own export traffic must never be traced, whatever context the item came from.
      context.with(suppressTracing(ROOT_CONTEXT), () => {
        let pending: Promise<ExportResult>;
        try {
          pending = this.exporter.export(batch);
        } catch (error) {
          pending = Promise.resolve({ ok: false, error: error as Error });
        }
        pending.then(
          (result) => {
            clearTimeout(timeout);
            resolve(result);
          },
          (error: Error) => {
            clearTimeout(timeout);
            resolve({ ok: false, error });
          },
        );
      });
    });
  }

  private clearTimers(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  /** What an exit that cannot wait any longer loses: the items queued and in flight, if any. */
  unexported(): string | undefined {
    const n = this.queue.length + this.inFlight;
    if (n === 0) return undefined;
    return `${n} ${this.items.item}${n === 1 ? '' : 's'} for ${this.exporter.target ?? 'the exporter'}`;
  }
}

/**
 * The batch processor of spans: sampled spans only. Without a queue of its own, the spans
 * themselves wait for the export, and the exporter gets them as arrays.
 */
export class BatchSpanProcessor<B = readonly SpanData[]> extends BatchProcessor<SpanData, B> implements SpanProcessor {
  readonly keepsNothingAfterEnd: boolean;

  constructor(exporter: BatchExporter<SpanData>, config: BatchConfig);
  constructor(exporter: Exporter<B>, config: BatchConfig, queue: ItemQueue<SpanData, B>);
  constructor(exporter: Exporter<B>, config: BatchConfig, queue?: ItemQueue<SpanData, B>) {
    // Without a queue, B is the array form (first signature).
    const items = queue ?? (new ArrayQueue<SpanData>() as unknown as ItemQueue<SpanData, B>);
    super(exporter, config, SPANS, items);
    this.keepsNothingAfterEnd = items.copiesItems === true;
  }

  get droppedSpans(): number {
    return this.dropped;
  }

  get queuedSpans(): number {
    return this.queued;
  }

  onEnd(span: SpanData): void {
    if ((span.traceFlags & TraceFlags.SAMPLED) !== 0) this.add(span);
  }

  onKept(span: SpanData): void {
    this.add(span);
  }
}
