import type { AttributeValue, Attributes } from '@opentelemetry/api';

/**
 * Attribute validation and truncation per the specification: values are primitives or
 * homogeneous arrays of primitives (null/undefined allowed as array elements); anything else
 * is dropped. Strings longer than the length limit are truncated, also inside arrays.
 *
 * Nothing here throws into the app, whatever it passes: a hostile value (a Proxy whose traps
 * throw, a throwing getter) counts as invalid. Arrays are copied when stored, so an app that
 * mutates its array after setting it can neither change nor invalidate what is exported (an
 * object pushed later would otherwise reach the encoder).
 */

/**
 * `value` cut to `lengthLimit` UTF-16 code units; a surrogate pair cut in two loses its first half
 * too, so that the result is still well-formed (encoders would turn a lone half into U+FFFD).
 */
export function truncateString(value: string, lengthLimit: number): string {
  if (value.length <= lengthLimit) return value;
  const cut = value.slice(0, lengthLimit);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/** A copy of a homogeneous array of primitives, strings truncated; undefined if it is not one. */
function copyArray(value: unknown, lengthLimit: number): AttributeValue | undefined {
  try {
    if (!Array.isArray(value)) return undefined;
    const n = value.length;
    const out: unknown[] = new Array<unknown>(n);
    let elementType: string | undefined;
    for (let i = 0; i < n; i++) {
      const element: unknown = value[i];
      if (element === null || element === undefined) {
        out[i] = null;
        continue;
      }
      const t = typeof element;
      if (t !== 'string' && t !== 'number' && t !== 'boolean') return undefined;
      if (elementType === undefined) elementType = t;
      else if (t !== elementType) return undefined;
      out[i] = t === 'string' ? truncateString(element as string, lengthLimit) : element;
    }
    return out as AttributeValue;
  } catch {
    return undefined;
  }
}

/**
 * The value to store for an attribute: primitives as they are (strings truncated to
 * `lengthLimit`), arrays copied; undefined when the value is not a valid attribute value.
 */
export function sanitizeValue(value: unknown, lengthLimit: number): AttributeValue | undefined {
  // Comparisons with `typeof` rather than a switch on it: V8 compiles each to a type check, and
  // a switch to a call that makes the type's name first (bench:instructions).
  if (typeof value === 'string') return value.length > lengthLimit ? truncateString(value, lengthLimit) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'object') return value === null ? undefined : copyArray(value, lengthLimit);
  return undefined;
}

/** `String(value)` that never throws (a name or message whose `toString` throws becomes `fallback`). */
export function safeString(value: unknown, fallback = ''): string {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return fallback;
  }
}

export interface SanitizedAttributes {
  attributes: Attributes;
  dropped: number;
}

/** For events and links: copies the valid attributes up to the count limit. */
export function sanitizeAttributes(
  input: Attributes | undefined,
  countLimit: number,
  lengthLimit: number,
): SanitizedAttributes {
  const attributes: Attributes = {};
  let count = 0;
  let dropped = 0;
  if (input === undefined || input === null) return { attributes, dropped };
  let keys: string[];
  try {
    keys = Object.keys(input);
  } catch {
    return { attributes, dropped };
  }
  for (const key of keys) {
    let value: AttributeValue | undefined;
    try {
      value = sanitizeValue(input[key], lengthLimit);
    } catch {
      continue; // a throwing getter
    }
    if (key.length === 0 || value === undefined) continue;
    if (count >= countLimit) {
      dropped++;
      continue;
    }
    attributes[key] = value;
    count++;
  }
  return { attributes, dropped };
}
