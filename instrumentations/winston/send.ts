import type { AnyValue, AnyValueMap } from '@opentelemetry/api-logs';
import { addExceptionAttributes, isErrorField } from '../shared/logs/exception';
import { ownKeys, readField } from '../shared/logs/fields';
import type { LogSender } from '../shared/logs/sender';
import { isAddedField } from './correlate';
import { winstonSeverity } from './levels';
import { fieldRecord } from '../../src/field-record';

/** The level name winston keeps unformatted (a colorizing format rewrites `info.level`). */
const LEVEL = Symbol.for('level');

/** The transport class of @opentelemetry/winston-transport: the app already sends this logger's records. */
const OTEL_TRANSPORT = 'OpenTelemetryTransportV3';

interface WinstonLogger {
  levels?: Record<string, unknown>;
  transports?: unknown;
  isLevelEnabled?: (level: string) => boolean;
}

/**
 * Emits a winston 3 `info` as the logger's formats left it (the message interpolated, fields
 * added or removed by the app's format) as an OpenTelemetry log record: body = `message`, the
 * other fields as attributes, an Error logged as the info itself or under `err`/`error` as
 * exception attributes.
 */
export function sendWinstonInfo(sender: LogSender, logger: WinstonLogger, info: Record<PropertyKey, unknown>): void {
  const level = info[LEVEL] ?? info.level;
  if (typeof level !== 'string') return;
  const severityNumber = winstonSeverity(level, logger.levels);
  // First the one call that is all a process with no logs SDK pays; then what reads the transports.
  if (!sender.enabled(severityNumber) || sendsItself(logger)) return;
  // logger.log() does not check levels (each transport does): a record none of them writes is not sent either.
  if (typeof logger.isLevelEnabled === 'function' && !logger.isLevelEnabled(level)) return;
  const attributes = fieldRecord() as AnyValueMap;
  if (info instanceof Error) addExceptionAttributes(attributes, info);
  for (const key of ownKeys(info)) {
    if (key === 'level' || key === 'message') continue;
    const value = readField(info, key);
    if (value === undefined || isAddedField(info, key, value)) continue;
    if (info instanceof Error && key === 'stack') continue;
    if (isErrorField(key) && addExceptionAttributes(attributes, value)) continue;
    attributes[key] = value as AnyValue;
  }
  sender.emit({ timeMs: Date.now(), severityNumber, severityText: level, body: readField(info, 'message') as AnyValue, attributes });
}

function sendsItself(logger: WinstonLogger): boolean {
  const transports = logger.transports;
  if (!Array.isArray(transports)) return false;
  for (const transport of transports as Array<{ constructor?: { name?: unknown } } | undefined>) {
    if (transport?.constructor?.name === OTEL_TRANSPORT) return true;
  }
  return false;
}
