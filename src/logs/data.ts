import type { InstrumentationScope, ResourceData } from '../sdk/span-data';

/**
 * A log record as the Logs SDK hands it to exporters (after logs.proto's LogRecord). Built once
 * at `emit` from a copy of the app's values (src/logs/values.ts): later changes to the app's
 * objects do not reach it, and nothing in it can throw while it is encoded.
 */
export interface LogRecordData {
  /** Epoch milliseconds (float): the time of the event, as given or the time of `emit`. */
  readonly timestamp: number;
  /** Epoch milliseconds (float): when the SDK saw the record. */
  readonly observedTimestamp: number;
  /** 0 (unspecified) to 24 (FATAL4). */
  readonly severityNumber: number;
  readonly severityText: string | undefined;
  /** An AnyValue: string, number, boolean, bigint (int64), Uint8Array, arrays and maps of those, or undefined. */
  readonly body: unknown;
  readonly attributes: Record<string, unknown>;
  readonly droppedAttributesCount: number;
  readonly eventName: string | undefined;
  /** The span context the record was emitted in (hex), when there was a valid one. */
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  readonly traceFlags: number;
  readonly scope: InstrumentationScope;
  readonly resource: ResourceData;
}

/** Receives each emitted record (the batch or simple processor, or several). */
export interface LogRecordProcessor {
  onEmit(record: LogRecordData): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  /** What would be lost if the process ended now (for the exit line), or undefined if nothing. */
  unexported?(): string | undefined;
}
