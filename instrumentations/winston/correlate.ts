import { activeTraceFields, SPAN_ID, TRACE_FLAGS, TRACE_ID, type TraceFields } from '../shared/logs/trace-fields';

const KEYS = [TRACE_ID, SPAN_ID, TRACE_FLAGS] as const;

/**
 * What the agent added to each winston `info` it saw. winston hands the app's own object to the
 * formats when the app logs one (`logger.log(info)`, `logger.info({ message })`); an app that
 * logs the same object twice must not find the first request's ids taken for its own fields.
 */
const addedTo = new WeakMap<object, TraceFields>();

/**
 * Adds `trace_id`, `span_id` and `trace_flags` to a winston `info` before the logger's format
 * runs (so the app's format, JSON or otherwise, decides how they print), only where the info has
 * no field of that name of the app's own. Returns what it added, or undefined.
 */
export function correlateInfo(info: Record<string, unknown>): TraceFields | undefined {
  const previous = addedTo.get(info);
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
  addedTo.set(info, fields);
  return fields;
}

/** Whether `key` holds a value the agent added (so sending leaves it out: it is the record's context). */
export function isAddedField(info: object, key: string, value: unknown): boolean {
  const added = addedTo.get(info) as Record<string, unknown> | undefined;
  return added !== undefined && added[key] === value;
}

function forget(info: Record<string, unknown>, previous: TraceFields): void {
  for (const key of KEYS) if (info[key] === previous[key]) delete info[key];
  addedTo.delete(info);
}
