import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { sanitizeValue } from '../sdk/attributes';

/**
 * The identity of a measurement's attribute set: a string key that is the same for the same
 * attributes in any key order, after the span attribute rules (valid values only, strings cut to
 * the length limit, at most the count limit of attributes, taken in key order so that the cut is
 * order-independent too).
 *
 * Computing a key sorts and walks the keys; an app that passes the same attribute object again
 * (a module-level constant, the common case) gets its key from a WeakMap instead. The cache
 * remembers the values it saw, so an app that mutates its object between calls gets a new key,
 * never a wrong series; objects holding arrays are never cached (an array can change inside).
 */

export interface AttributeLimits {
  attributeCountLimit: number;
  attributeValueLengthLimit: number;
}

interface Cached {
  readonly key: string;
  readonly keys: readonly string[];
  readonly values: readonly unknown[];
}

/** The key of the empty attribute set (no attributes, or none valid). */
export const EMPTY_KEY = '';

export class AttributeIdentity {
  private readonly cache = new WeakMap<Attributes, Cached>();

  constructor(private readonly limits: AttributeLimits) {}

  /** The series key of `input`; never throws, whatever the app passes. */
  keyOf(input: Attributes | undefined): string {
    if (input === undefined || input === null || typeof input !== 'object') return EMPTY_KEY;
    const cached = this.cache.get(input);
    if (cached !== undefined && unchanged(input, cached)) return cached.key;
    try {
      return this.compute(input);
    } catch {
      return EMPTY_KEY; // a Proxy whose traps throw
    }
  }

  /** The attributes a series exports for `input` (called once per new series). */
  attributesOf(input: Attributes | undefined): Attributes {
    const out: Attributes = {};
    if (input === undefined || input === null || typeof input !== 'object') return out;
    try {
      for (const [key, value] of this.validEntries(input)) out[key] = value;
    } catch {
      // a hostile object: the empty set, like keyOf
    }
    return out;
  }

  private compute(input: Attributes): string {
    const entries = this.validEntries(input);
    let key = EMPTY_KEY;
    let cacheable = true;
    for (const [name, value] of entries) {
      // JSON quoting keeps a key or string value containing the separators from colliding.
      key += JSON.stringify(name) + ':' + JSON.stringify(value) + ',';
      if (typeof value === 'object') cacheable = false;
    }
    if (cacheable) {
      const keys: string[] = [];
      const values: unknown[] = [];
      for (const name in input) {
        keys.push(name);
        values.push(input[name]);
      }
      this.cache.set(input, { key, keys, values });
    }
    return key;
  }

  /** The valid attributes of `input`, sorted by key, at most the count limit of them. */
  private validEntries(input: Attributes): Array<[string, AttributeValue]> {
    const names = Object.keys(input);
    if (names.length > 1) names.sort();
    const out: Array<[string, AttributeValue]> = [];
    for (const name of names) {
      if (out.length >= this.limits.attributeCountLimit) break;
      if (name.length === 0) continue;
      let value: AttributeValue | undefined;
      try {
        value = sanitizeValue(input[name], this.limits.attributeValueLengthLimit);
      } catch {
        continue; // a throwing getter
      }
      if (value !== undefined) out.push([name, value]);
    }
    return out;
  }
}

/** Whether `input` still has exactly the enumerable keys and values it had when cached. */
function unchanged(input: Attributes, cached: Cached): boolean {
  const { keys, values } = cached;
  let count = 0;
  try {
    for (const name in input) {
      if (name !== keys[count] || input[name] !== values[count]) return false;
      count++;
    }
  } catch {
    return false;
  }
  return count === keys.length;
}
