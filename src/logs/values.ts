import { fieldRecord } from '../field-record';
import { truncateString } from '../sdk/attributes';

/**
 * The app's values (a log body, attribute values) turned into OTLP AnyValues: a copy made at
 * `emit`, so nothing the app does later changes the record, and nothing in the copy can throw
 * while it is encoded. Whatever the app passes, the conversion never throws:
 *
 *   string, boolean, number (NaN and ±Infinity are doubles)  as they are; strings cut to the length limit
 *   bigint                 an int when it fits in int64, else its decimal string
 *   symbol                 its description string, `Symbol(name)`
 *   function, undefined    left out of maps; an empty value (null) in arrays and as the body
 *   Uint8Array / Buffer    bytes (copied; cut to the length limit)
 *   Date                   its ISO string (`Invalid Date` for an invalid one)
 *   Error                  a map: `type`, `message`, `stacktrace`, and its own enumerable fields
 *   Map / Set              a map (keys as strings) / an array
 *   other objects          a map of their own enumerable string keys
 *   a cycle                the string `[Circular]`; deeper than 16 levels: `[Too deep]`
 *   a getter that throws   the string `[Unreadable]` for that field; an object whose keys
 *                          cannot be listed (a Proxy that throws): `[Unreadable]`
 */

const MAX_DEPTH = 16;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** An AnyValue copy of `value`; undefined for nothing (undefined, a function). */
export function toAnyValue(value: unknown, lengthLimit = Infinity): unknown {
  return convert(value, lengthLimit, [], 0);
}

function convert(value: unknown, limit: number, ancestors: object[], depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return value.length > limit ? truncateString(value, limit) : value;
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return value >= INT64_MIN && value <= INT64_MAX ? value : value.toString();
    case 'symbol':
      return value.toString();
    case 'object':
      if (value === null) return null;
      return convertObject(value, limit, ancestors, depth);
    default:
      return undefined; // undefined, functions
  }
}

function convertObject(value: object, limit: number, ancestors: object[], depth: number): unknown {
  if (ancestors.includes(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Too deep]';
  try {
    if (value instanceof Uint8Array) {
      // A plain Uint8Array copy (a Buffer's own slice would share its memory).
      const copy = new Uint8Array(Math.min(value.length, limit));
      copy.set(value.subarray(0, copy.length));
      return copy;
    }
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    ancestors.push(value);
    try {
      if (Array.isArray(value)) return value.map((v) => convert(v, limit, ancestors, depth + 1) ?? null);
      if (value instanceof Set) return [...value].map((v) => convert(v, limit, ancestors, depth + 1) ?? null);
      const out = fieldRecord();
      if (value instanceof Map) {
        for (const [k, v] of value) put(out, String(k), () => v, limit, ancestors, depth);
        return out;
      }
      if (value instanceof Error) {
        put(out, 'type', () => value.name, limit, ancestors, depth);
        put(out, 'message', () => value.message, limit, ancestors, depth);
        put(out, 'stacktrace', () => value.stack, limit, ancestors, depth);
      }
      for (const key of Object.keys(value)) put(out, key, () => (value as Record<string, unknown>)[key], limit, ancestors, depth);
      return out;
    } finally {
      ancestors.pop();
    }
  } catch {
    // A Proxy whose traps throw, or an object whose iteration throws.
    return '[Unreadable]';
  }
}

/** Sets `out[key]` to the converted field; a getter that throws gives `[Unreadable]`. */
function put(out: Record<string, unknown>, key: string, read: () => unknown, limit: number, ancestors: object[], depth: number): void {
  let field: unknown;
  try {
    field = read();
  } catch {
    out[key] = '[Unreadable]';
    return;
  }
  const converted = convert(field, limit, ancestors, depth + 1);
  if (converted !== undefined) out[key] = converted;
}
