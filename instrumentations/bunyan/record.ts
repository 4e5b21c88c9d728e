import type { AnyValue, AnyValueMap } from '@opentelemetry/api-logs';
import { addExceptionAttributes, isErrorField } from '../shared/logs/exception';
import { ownKeys, readField } from '../shared/logs/fields';
import type { LogSender } from '../shared/logs/sender';
import { activeTraceFields, addMissingTraceFields, type TraceFields } from '../shared/logs/trace-fields';
import { bunyanSeverity } from './levels';
import { fieldRecord } from '../../src/field-record';

/** A bunyan record: the fresh object bunyan builds for each call (the logger's fields, the call's fields, msg, time, v). */
type BunyanRecord = Record<string, unknown>;

/** The record's core fields: the body, severity and time of the log record, or the resource's (hostname, pid). */
const CORE_FIELDS = new Set(['name', 'hostname', 'pid', 'level', 'msg', 'time', 'v']);

/** The stream class of @opentelemetry/instrumentation-bunyan: the app already sends this logger's records. */
const OTEL_STREAM = 'OpenTelemetryBunyanStream';

/**
 * Adds the trace fields to a record bunyan is about to write, where it has none of that name.
 * The record is bunyan's own copy, made for this call: the app's objects are never touched.
 * Returns the fields the record gained, for sending to leave out.
 */
export function correlate(rec: BunyanRecord): TraceFields | undefined {
  const fields = activeTraceFields();
  return fields !== undefined && addMissingTraceFields(rec, fields) ? fields : undefined;
}

export function sendBunyanRecord(sender: LogSender, logger: { streams?: unknown }, rec: BunyanRecord, added: TraceFields | undefined, levelName: (level: number) => string | undefined): void {
  const level = rec.level;
  if (typeof level !== 'number') return;
  const severityNumber = bunyanSeverity(level);
  if (!sender.enabled(severityNumber) || sendsItself(logger)) return;
  const attributes = fieldRecord() as AnyValueMap;
  for (const key of ownKeys(rec)) {
    if (CORE_FIELDS.has(key)) continue;
    const value = readField(rec, key);
    if (value === undefined || (added !== undefined && (added as unknown as Record<string, unknown>)[key] === value)) continue;
    if (isErrorField(key) && addExceptionAttributes(attributes, value)) continue;
    attributes[key] = value as AnyValue;
  }
  const time = rec.time;
  sender.emit({
    timeMs: time instanceof Date ? time.getTime() : Date.now(),
    severityNumber,
    severityText: levelName(level),
    body: rec.msg as AnyValue,
    attributes,
  });
}

function sendsItself(logger: { streams?: unknown }): boolean {
  const streams = logger.streams;
  if (!Array.isArray(streams)) return false;
  for (const entry of streams as Array<{ stream?: { constructor?: { name?: unknown } } } | undefined>) {
    if (entry?.stream?.constructor?.name === OTEL_STREAM) return true;
  }
  return false;
}
