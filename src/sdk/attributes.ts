import type { AttributeValue, Attributes } from '@opentelemetry/api';

/**
 * Attribute validation and truncation per the specification: values are primitives or
 * homogeneous arrays of primitives (null/undefined allowed as array elements); anything else
 * is dropped. Strings longer than the length limit are truncated, also inside arrays.
 */

function isPrimitive(value: unknown): value is string | number | boolean {
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean';
}

export function isValidAttributeValue(value: unknown): value is AttributeValue {
  if (isPrimitive(value)) return true;
  if (!Array.isArray(value)) return false;
  let elementType: string | undefined;
  for (const element of value) {
    if (element === null || element === undefined) continue;
    if (!isPrimitive(element)) return false;
    const t = typeof element;
    if (elementType === undefined) elementType = t;
    else if (t !== elementType) return false;
  }
  return true;
}

export function truncateValue(value: AttributeValue, lengthLimit: number): AttributeValue {
  if (typeof value === 'string') return value.length > lengthLimit ? value.slice(0, lengthLimit) : value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = (value as unknown[]).map((element) => {
      if (typeof element === 'string' && element.length > lengthLimit) {
        changed = true;
        return element.slice(0, lengthLimit);
      }
      return element;
    });
    return (changed ? out : value) as AttributeValue;
  }
  return value;
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
  for (const key of Object.keys(input)) {
    const value = input[key];
    if (key.length === 0 || !isValidAttributeValue(value)) continue;
    if (count >= countLimit) {
      dropped++;
      continue;
    }
    attributes[key] = lengthLimit === Infinity ? value : truncateValue(value, lengthLimit);
    count++;
  }
  return { attributes, dropped };
}
