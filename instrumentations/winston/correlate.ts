import { activeTraceFields, SPAN_ID, TRACE_FLAGS, TRACE_ID, type TraceFields } from '../shared/logs/trace-fields';

const KEYS = [TRACE_ID, SPAN_ID, TRACE_FLAGS] as const;

/**
 * What the agent added to a winston `info`, kept on the info under a symbol of its own (as winston
 * keeps its level and message under symbols): winston hands the app's own object to the formats
 * when the app logs one (`logger.log(info)`, `logger.info({ message })`), and an app that logs
 * the same object twice must not find the first request's ids taken for its own fields. A
 * WeakMap would be invisible, but measured 1-2 µs per record (a fresh key each time); a property
 * write costs tens of nanoseconds. JSON and the app's formats never see it (symbols are not
 * serialized); only an info that gained the ids carries it.
 */
const ADDED = Symbol('otelite.trace-fields');

function addedTo(info: Record<PropertyKey, unknown>): TraceFields | undefined {
  return info[ADDED] as TraceFields | undefined;
}

/**
 * Adds `trace_id`, `span_id` and `trace_flags` to a winston `info` before the logger's format
 * runs (so the app's format, JSON or otherwise, decides how they print), only where the info has
 * no field of that name of the app's own. Returns what it added, or undefined.
 */
export function correlateInfo(info: Record<PropertyKey, unknown>): TraceFields | undefined {
  const previous = addedTo(info);
  const fields = activeTraceFields();
  if (fields === undefined) {
    if (previous !== undefined) forget(info, previous);
    return undefined;
  }
  let added = false;
  for (const key of KEYS) {
    const current = info[key];
    if (current === undefined || (previous !== undefined && current === previous[key])) {
      info[key] = fields[key];
      added = true;
    }
  }
  if (!added) return undefined;
  info[ADDED] = fields;
  return fields;
}

/** Whether `key` holds a value the agent added (so sending leaves it out: it is the record's context). */
export function isAddedField(info: Record<PropertyKey, unknown>, key: string, value: unknown): boolean {
  const added = addedTo(info) as Record<string, unknown> | undefined;
  return added !== undefined && added[key] === value;
}

function forget(info: Record<PropertyKey, unknown>, previous: TraceFields): void {
  for (const key of KEYS) if (info[key] === previous[key]) delete info[key];
  delete info[ADDED];
}
