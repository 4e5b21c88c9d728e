import type { AnyValue, AnyValueMap } from '@opentelemetry/api-logs';
import { wrapMethod, type AnyFunction, type InstrumentationState, type PatchTarget } from '../../src/instrument';
import type { LoggerInstrumentationConfig } from '../shared/logs/config';
import { addExceptionAttributes, isErrorField } from '../shared/logs/exception';
import { ownKeys, readField } from '../shared/logs/fields';
import type { LogSender } from '../shared/logs/sender';
import { activeTraceFields, SPAN_ID, TRACE_FLAGS, TRACE_ID, type TraceFields } from '../shared/logs/trace-fields';
import { winstonSeverity } from './levels';
import { fieldRecord } from '../../src/field-record';

type Rewriter = (level: unknown, msg: unknown, meta: unknown, logger?: unknown) => unknown;

interface LegacyLogger {
  rewriters?: unknown;
  levels?: Record<string, unknown>;
}

/**
 * winston 1 and 2: `Logger.prototype.log` runs the logger's rewriters (`(level, msg, meta) →
 * meta`, the same signature in every 1.x and 2.x) once the level has a transport. For the length
 * of one `log` call the logger's `rewriters` is a copy with the agent's rewriter last: it returns
 * a copy of the meta with the trace fields the app's meta lacks (the app's object is never
 * changed) and emits the record. An Error or array meta is passed on as it is (winston's
 * transports print those specially): no ids in that line, though the record is still sent.
 */
export function winstonLegacyTarget(state: InstrumentationState, config: LoggerInstrumentationConfig, sender: LogSender): PatchTarget {
  return {
    module: 'winston',
    file: 'lib/winston/logger.js',
    versions: '>=1.0.0 <3',
    patch(exports) {
      const proto = (exports as { Logger?: { prototype?: { log?: AnyFunction } } }).Logger?.prototype;
      if (proto === undefined) return exports;
      wrapMethod(proto, 'log', (original) =>
        function log(this: LegacyLogger, ...args: unknown[]): unknown {
          const rewriters = this.rewriters;
          if (!state.active || !Array.isArray(rewriters)) return original.apply(this, args);
          const logger = this;
          const ours: Rewriter = (level, msg, meta) => {
            if (!state.active) return meta;
            try {
              const fields = activeTraceFields();
              const out = fields === undefined ? meta : withTraceFields(meta, fields);
              if (config.send) sendLegacy(sender, logger, level, msg, out, fields);
              return out;
            } catch (error) {
              state.fail(error);
              return meta;
            }
          };
          this.rewriters = [...(rewriters as Rewriter[]), ours];
          try {
            return original.apply(this, args);
          } finally {
            this.rewriters = rewriters;
          }
        },
      );
      return exports;
    },
  };
}

function isPlainMeta(meta: unknown): meta is Record<string, unknown> {
  return meta !== null && typeof meta === 'object' && !Array.isArray(meta) && !(meta instanceof Error);
}

function withTraceFields(meta: unknown, fields: TraceFields): unknown {
  if (!isPlainMeta(meta)) return meta;
  const out: Record<string, unknown> = {};
  if (meta[TRACE_ID] === undefined) out[TRACE_ID] = fields.trace_id;
  if (meta[SPAN_ID] === undefined) out[SPAN_ID] = fields.span_id;
  if (meta[TRACE_FLAGS] === undefined) out[TRACE_FLAGS] = fields.trace_flags;
  return Object.assign(out, meta);
}

function sendLegacy(sender: LogSender, logger: LegacyLogger, level: unknown, msg: unknown, meta: unknown, fields: TraceFields | undefined): void {
  if (typeof level !== 'string') return;
  const severityNumber = winstonSeverity(level, logger.levels);
  if (!sender.enabled(severityNumber)) return;
  const attributes = fieldRecord() as AnyValueMap;
  if (meta instanceof Error) addExceptionAttributes(attributes, meta);
  else if (isPlainMeta(meta)) {
    for (const key of ownKeys(meta)) {
      const value = readField(meta, key);
      if (value === undefined || (fields !== undefined && (fields as unknown as Record<string, unknown>)[key] === value)) continue;
      if (isErrorField(key) && addExceptionAttributes(attributes, value)) continue;
      attributes[key] = value as AnyValue;
    }
  }
  sender.emit({ timeMs: Date.now(), severityNumber, severityText: level, body: msg as AnyValue, attributes });
}
