import { context as api, diag, trace, type Context, type SpanContext } from '@opentelemetry/api';
import type { Logger, LogRecord } from '@opentelemetry/api-logs';
import type { LogRecordLimits } from '../config/types';
import { now, toEpochMillis } from '../sdk/clock';
import type { InstrumentationScope, ResourceData } from '../sdk/span-data';
import type { LogRecordData, LogRecordProcessor } from './data';
import { fieldRecord } from '../field-record';
import { toAnyValue } from './values';

/** What every logger of one provider shares. */
export interface LoggerShared {
  readonly resource: ResourceData;
  readonly limits: LogRecordLimits;
  readonly processor: LogRecordProcessor;
}

/** The attributes of a record under the limits: values converted, keys past the count limit dropped and counted. */
function limitedAttributes(attributes: unknown, limits: LogRecordLimits, out: Record<string, unknown>): number {
  if (attributes === null || typeof attributes !== 'object') return 0;
  let keys: string[];
  try {
    keys = Object.keys(attributes);
  } catch {
    return 0; // a Proxy that cannot list its keys: no attributes
  }
  let count = Object.keys(out).length;
  let dropped = 0;
  for (const key of keys) {
    let value: unknown;
    try {
      value = (attributes as Record<string, unknown>)[key];
    } catch {
      value = '[Unreadable]';
    }
    if (value === undefined || value === null) continue;
    if (key in out) {
      out[key] = toAnyValue(value, limits.attributeValueLengthLimit);
      continue;
    }
    if (count >= limits.attributeCountLimit) {
      dropped++;
      continue;
    }
    const converted = toAnyValue(value, limits.attributeValueLengthLimit);
    if (converted === undefined) continue;
    out[key] = converted;
    count++;
  }
  return dropped;
}

/** `exception.*` attributes of the API's `exception` field (semantic conventions' exception attributes). */
function exceptionAttributes(exception: unknown): Record<string, unknown> {
  const out = fieldRecord();
  if (exception === undefined || exception === null) return out;
  try {
    if (typeof exception === 'object') {
      const e = exception as { name?: unknown; message?: unknown; stack?: unknown };
      if (typeof e.name === 'string') out['exception.type'] = e.name;
      if (typeof e.message === 'string') out['exception.message'] = e.message;
      if (typeof e.stack === 'string') out['exception.stacktrace'] = e.stack;
    } else {
      out['exception.message'] = String(exception);
    }
  } catch {
    // a getter that throws: what was read is kept
  }
  return out;
}

/**
 * A Logger of the Logs API: `emit` builds a LogRecordData and hands it to the processor. It never
 * throws into the app: a record that cannot be built is dropped with one diagnostic line.
 */
export class SdkLogger implements Logger {
  private lastTraceId: string | undefined;
  private lastSpanId: string | undefined;
  private lastValid = false;

  constructor(
    private readonly scope: InstrumentationScope,
    private readonly shared: LoggerShared,
  ) {}

  emit(record: LogRecord): void {
    let data: LogRecordData;
    try {
      data = this.build(record);
    } catch (error) {
      diag.debug('a log record could not be built; dropped', error);
      return;
    }
    try {
      this.shared.processor.onEmit(data);
    } catch (error) {
      diag.debug('a log record could not be processed; dropped', error);
    }
  }

  enabled(): boolean {
    return true;
  }

  /**
   * `trace.isSpanContextValid`, remembered for the last ids seen: a request's lines share their
   * span's, and the check runs two regular expressions.
   */
  private validIds(spanContext: SpanContext): boolean {
    const { traceId, spanId } = spanContext;
    if (traceId !== this.lastTraceId || spanId !== this.lastSpanId) {
      this.lastValid = trace.isSpanContextValid(spanContext);
      this.lastTraceId = traceId;
      this.lastSpanId = spanId;
    }
    return this.lastValid;
  }

  private build(record: LogRecord): LogRecordData {
    const observed = now();
    const { limits } = this.shared;
    const attributes = record.exception === undefined ? fieldRecord() : exceptionAttributes(record.exception);
    // The record's own attributes win over those made from `exception` (limitedAttributes overwrites).
    const dropped = limitedAttributes(record.attributes, limits, attributes);
    const spanContext = trace.getSpanContext((record.context as Context | undefined) ?? api.active());
    const valid = spanContext !== undefined && this.validIds(spanContext);
    const severity = record.severityNumber;
    return {
      timestamp: record.timestamp === undefined ? observed : toEpochMillis(record.timestamp),
      observedTimestamp: record.observedTimestamp === undefined ? observed : toEpochMillis(record.observedTimestamp),
      severityNumber: typeof severity === 'number' && severity >= 0 && severity <= 24 ? Math.trunc(severity) : 0,
      severityText: typeof record.severityText === 'string' ? record.severityText : undefined,
      body: toAnyValue(record.body),
      attributes,
      droppedAttributesCount: dropped,
      eventName: typeof record.eventName === 'string' && record.eventName !== '' ? record.eventName : undefined,
      traceId: valid ? spanContext.traceId : undefined,
      spanId: valid ? spanContext.spanId : undefined,
      traceFlags: valid ? spanContext.traceFlags : 0,
      scope: this.scope,
      resource: this.shared.resource,
    };
  }
}
