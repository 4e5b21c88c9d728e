import type { AnyValue, AnyValueMap } from '@opentelemetry/api-logs';
import { ownKeys, readField } from '../shared/logs/fields';
import { addExceptionAttributes, isErrorField } from '../shared/logs/exception';
import type { LogSender } from '../shared/logs/sender';
import { pinoSeverity } from './levels';
import type { PinoLoggerSettings } from './settings';
import type { PinoSymbols } from './symbols';
import { fieldRecord } from '../../src/field-record';

type PinoLogger = Record<symbol, unknown> & { levels?: { labels?: Record<number, string> } };

/** Bindings given to `child()`, with the logger they were given to: a chain up to the root. */
interface Bindings {
  parent: object;
  fields: Record<string, unknown>;
}
/**
 * Kept on the child logger under a symbol of the agent's (a property write; a WeakMap entry per
 * child measured 1-2 µs, and apps make a child per request).
 */
const BINDINGS = Symbol('otelite.pino.bindings');

function bindingsOf(logger: object): Bindings | undefined {
  return Object.prototype.hasOwnProperty.call(logger, BINDINGS) ? ((logger as Record<symbol, unknown>)[BINDINGS] as Bindings) : undefined;
}

/** Options pino reads from a child's bindings in older versions; not fields of the record. */
const CHILD_OPTION_KEYS = new Set(['serializers', 'customLevels', 'level', 'formatters', 'redact', 'msgPrefix']);

/** Remembers the bindings of a new child logger (the record's fields, but pino keeps them only serialized). */
export function rememberBindings(child: unknown, parent: object, bindings: unknown): void {
  if (child === null || typeof child !== 'object' || bindings === null || typeof bindings !== 'object') return;
  (child as Record<symbol, unknown>)[BINDINGS] = { parent, fields: bindings as Record<string, unknown> } satisfies Bindings;
}

/**
 * Emits one pino record (the arguments of pino's internal write: the call's object, the formatted
 * message and the level value) as an OpenTelemetry log record. Reads the record as pino does: the
 * call's fields and the child bindings as values, the message key when there is no message, the
 * error key as exception attributes. A field the logger has a serializer for is taken from the
 * line pino wrote (`line`, parsed only then): the app's serializers run once, in pino, as
 * without the agent (they may count their calls or have other effects).
 */
export function sendPinoRecord(
  sender: LogSender,
  symbols: PinoSymbols,
  settings: PinoLoggerSettings,
  logger: PinoLogger,
  obj: unknown,
  msg: unknown,
  level: number,
  line: string | undefined,
): void {
  if (!settings.send) return;
  const severityNumber = pinoSeverity(level);
  if (!sender.enabled(severityNumber)) return;

  const messageKey = keyOf(logger, symbols.messageKey, 'msg');
  const errorKey = keyOf(logger, symbols.errorKey, 'err');
  const serializers = symbols.serializers === undefined ? undefined : (logger[symbols.serializers] as Record<string, unknown> | undefined);
  const attributes = fieldRecord() as AnyValueMap;
  const written: Written = { serializers, line, parsed: undefined };
  addBindings(attributes, logger, written, settings);

  let body: unknown = msg;
  if (obj instanceof Error) {
    addExceptionAttributes(attributes, obj);
    body ??= obj.message;
  } else if (obj !== null && typeof obj === 'object') {
    const fields = obj as Record<string, unknown>;
    for (const key of ownKeys(fields)) {
      const value = readField(fields, key);
      if (value === undefined) continue;
      if (key === messageKey) {
        body ??= value;
        continue;
      }
      if ((key === errorKey || isErrorField(key)) && addExceptionAttributes(attributes, value)) {
        if (body === undefined && value instanceof Error) body = value.message;
        continue;
      }
      if (!settings.redactAll && !settings.redacted.has(key)) setField(attributes, written, key, value);
    }
  }
  sender.emit({
    timeMs: Date.now(),
    severityNumber,
    severityText: logger.levels?.labels?.[level],
    body: body as AnyValue,
    attributes,
  });
}

function addBindings(attributes: AnyValueMap, logger: object, written: Written, settings: PinoLoggerSettings): void {
  let bindings = bindingsOf(logger);
  if (bindings === undefined || settings.redactAll) return;
  // Root first, so that a child's binding overrides its parent's, as in pino's output.
  const chain: Record<string, unknown>[] = [];
  while (bindings !== undefined) {
    chain.push(bindings.fields);
    bindings = bindingsOf(bindings.parent);
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    for (const key of ownKeys(chain[i])) {
      const value = readField(chain[i], key);
      if (value === undefined || CHILD_OPTION_KEYS.has(key) || settings.redacted.has(key)) continue;
      setField(attributes, written, key, value);
    }
  }
}

/** What a record's fields are read against: the logger's serializers and the line pino wrote (parsed when first needed). */
interface Written {
  serializers: Record<string, unknown> | undefined;
  line: string | undefined;
  parsed: Record<string, unknown> | null | undefined;
}

/**
 * A field's value as pino wrote it. Without a serializer for its key, the value itself; with
 * one, the field of pino's own line (JSON, parsed once per record and only when such a field
 * comes): calling the serializer again would run the app's code twice per line. A field the line
 * does not have (a `formatters.log` renamed it, or the line is not JSON) is left out.
 */
function setField(attributes: AnyValueMap, written: Written, key: string, value: unknown): void {
  if (typeof written.serializers?.[key] !== 'function') {
    attributes[key] = value as AnyValue;
    return;
  }
  written.parsed ??= parseLine(written.line);
  const field = written.parsed === null ? undefined : written.parsed[key];
  if (field !== undefined) attributes[key] = field as AnyValue;
}

function parseLine(line: string | undefined): Record<string, unknown> | null {
  if (line === undefined) return null;
  try {
    const parsed: unknown = JSON.parse(line);
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function keyOf(logger: PinoLogger, symbol: symbol | undefined, fallback: string): string {
  const key = symbol === undefined ? undefined : logger[symbol];
  return typeof key === 'string' ? key : fallback;
}

