import { context, type Context } from '@opentelemetry/api';
import { logs, type AnyValue, type AnyValueMap, type Logger } from '@opentelemetry/api-logs';
import { VERSION } from '../../../src/version';

/** One logger record, as an instrumentation read it from the logger's own call. */
export interface LoggerRecord {
  /** The record's own time, epoch milliseconds. */
  timeMs: number;
  severityNumber: number;
  severityText: string | undefined;
  body: AnyValue;
  attributes: AnyValueMap;
}

/**
 * Emits a logger's records through the Logs API (`logs.getLogger('otelite/<logger>', VERSION)`),
 * so any registered LoggerProvider receives them: the agent's own, or the app's. The record
 * carries the active context, hence the active span's ids.
 */
export class LogSender {
  private logger: Logger | undefined;

  constructor(private readonly scope: string) {}

  /**
   * Whether a record of this severity would go anywhere: asked before any conversion work, so a
   * process with no logs SDK (the API's no-op logger) pays only this call per record.
   */
  enabled(severityNumber: number): boolean {
    this.logger ??= logs.getLogger(this.scope, VERSION);
    // No context given: the SDK reads the active one if it filters by it; most records are
    // asked about in a process that sends them all, or none.
    return this.logger.enabled({ severityNumber });
  }

  emit(record: LoggerRecord, ctx: Context = context.active()): void {
    this.logger ??= logs.getLogger(this.scope, VERSION);
    this.logger.emit({
      timestamp: record.timeMs,
      observedTimestamp: Date.now(),
      severityNumber: record.severityNumber,
      severityText: record.severityText,
      body: record.body,
      attributes: record.attributes,
      context: ctx,
    });
  }
}
