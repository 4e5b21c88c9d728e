import type { InstrumentationState } from '../../src/instrument';
import { activeTraceFields, SPAN_ID, TRACE_FLAGS, TRACE_ID, type TraceFields } from '../shared/logs/trace-fields';
import type { PinoSymbols } from './symbols';

type Mixin = (this: unknown, ...args: unknown[]) => unknown;

/**
 * The mixin the agent gives a pino logger whose ids cannot go in as a fragment (settings.ts says
 * when): pino's own extension point, its result merged into each record before serialization. It calls the app's mixin, if any, first, and adds
 * `trace_id`, `span_id` and `trace_flags` only where neither the app's mixin, the log call's
 * object nor (pino >= 8.13, which passes the logger) the logger's bindings have that field.
 * pino merges the call's object over the mixin's result, so the app's fields win there too.
 * Outside any span it returns what the app's mixin returned, or an empty object.
 */
export function correlatingMixin(appMixin: unknown, state: InstrumentationState, symbols: PinoSymbols): Mixin {
  const app = typeof appMixin === 'function' ? (appMixin as Mixin) : undefined;
  const mixin: Mixin = function mixin(this: unknown, mergeObject?: unknown, _level?: unknown, logger?: unknown): unknown {
    const own = app === undefined ? undefined : app.apply(this, arguments as unknown as unknown[]);
    if (!state.active) return app === undefined ? {} : own;
    let fields: TraceFields | undefined;
    try {
      fields = activeTraceFields();
      if (fields === undefined) return app === undefined ? {} : own;
      return withTraceFields(own, fields, mergeObject, bindingsText(logger, symbols));
    } catch (error) {
      state.fail(error);
      return app === undefined ? {} : own;
    }
  };
  return mixin;
}

function withTraceFields(own: unknown, fields: TraceFields, mergeObject: unknown, bindings: string | undefined): unknown {
  const ownFields = own !== null && typeof own === 'object' ? (own as Record<string, unknown>) : undefined;
  const merge = mergeObject !== null && typeof mergeObject === 'object' ? (mergeObject as Record<string, unknown>) : undefined;
  const out: Record<string, unknown> = {};
  if (isFree(TRACE_ID, ownFields, merge, bindings)) out[TRACE_ID] = fields.trace_id;
  if (isFree(SPAN_ID, ownFields, merge, bindings)) out[SPAN_ID] = fields.span_id;
  if (isFree(TRACE_FLAGS, ownFields, merge, bindings)) out[TRACE_FLAGS] = fields.trace_flags;
  // A fresh object: the app's mixin may return a shared one, which must not gain the ids.
  return ownFields === undefined ? out : Object.assign(out, ownFields);
}

function isFree(key: string, own: Record<string, unknown> | undefined, merge: Record<string, unknown> | undefined, bindings: string | undefined): boolean {
  return own?.[key] === undefined && merge?.[key] === undefined && (bindings === undefined || !bindings.includes(`"${key}":`));
}

/** A child logger's bindings as pino keeps them: already-serialized `,"key":value` text. */
function bindingsText(logger: unknown, symbols: PinoSymbols): string | undefined {
  if (logger === null || typeof logger !== 'object' || symbols.chindings === undefined) return undefined;
  const text = (logger as Record<symbol, unknown>)[symbols.chindings];
  return typeof text === 'string' ? text : undefined;
}
