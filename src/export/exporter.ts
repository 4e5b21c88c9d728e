import type { SpanData } from '../sdk/span-data';

export interface ExportResult {
  ok: boolean;
  /** Why it failed; for the diagnostic line. Never contains header values. */
  error?: Error;
  /**
   * When `ok` is false: how many of the spans were lost, if not all of them (a batch the
   * receiver refused as too large is sent in parts, and only some parts may fail).
   */
  dropped?: number;
  /** The exporter has already said why (once per kind of failure): the processor only counts. */
  reported?: boolean;
}

/**
 * An exporter of batches of one signal. `export` never rejects and never throws: failures come
 * back as `{ ok: false }` after the exporter has done its own retries within its timeout.
 */
export interface Exporter<B> {
  /** Where the items go, as printed in diagnostics (an endpoint without credentials). */
  readonly target?: string;
  export(batch: B): Promise<ExportResult>;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** An exporter of items of one signal (spans, log records) handed over as arrays. */
export type BatchExporter<T> = Exporter<readonly T[]>;

export type SpanExporter = BatchExporter<SpanData>;
