import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { sanitizeValue } from '../sdk/attributes';

/**
 * The identity of a measurement's attribute set: a string key that is the same for the same
 * attributes in any key order, after the span attribute rules (valid values only, strings cut to
 * the length limit, at most the count limit of attributes, taken in key order so that the cut is
 * order-independent too).
 *
 * Computing a key sorts and walks the keys; an app that passes the same attribute object again
 * (a module-level constant, the common case) gets its key from a cache instead: the last object
 * seen, then a WeakMap. An object enters the WeakMap only when it comes back (it is among the
 * last RECENT objects computed): putting every fresh object in a WeakMap would cost more than
 * computing its key. The cache remembers the values it saw, so an app that mutates its object
 * between calls gets a new key, never a wrong series; objects holding arrays are never cached
 * (an array can change inside). A frozen object (the instrumentations freeze the sets they
 * reuse) cannot change at all, so its values are not compared again.
 */

export interface AttributeLimits {
  attributeCountLimit: number;
  attributeValueLengthLimit: number;
}

interface Cached {
  readonly key: string;
  readonly keys: readonly string[];
  readonly values: readonly unknown[];
  /**
   * Frozen, with data properties only, when cached: then for good, and its keys and values are
   * still those of `keys` and `values` (a getter could answer differently at each read).
   */
  readonly frozen: boolean;
}

/** The key of the empty attribute set (no attributes, or none valid). */
export const EMPTY_KEY = '';

/** A level of names, then of their values; END holds the key of the set ending there. */
type Trie = Map<unknown, Trie | string>;
const END = Symbol('end');
/** Attribute sets the trie remembers: those of several metrics at their cardinality limit. */
const KNOWN_MAX = 16_384;

/** How many recently computed objects are remembered to notice that one comes back. */
const RECENT = 64;

export class AttributeIdentity {
  private readonly cache = new WeakMap<Attributes, Cached>();
  private lastInput: Attributes | undefined;
  private lastCached: Cached | undefined;
  /** The objects whose key was computed last (a ring): strong references, but a bounded few. */
  private readonly recent: Array<Attributes | undefined> = new Array<Attributes | undefined>(RECENT).fill(undefined);
  private recentNext = 0;
  private trie: Trie = new Map();
  private knownSets = 0;

  constructor(private readonly limits: AttributeLimits) {}

  /** The series key of `input`; never throws, whatever the app passes. */
  keyOf(input: Attributes | undefined): string {
    if (input === undefined || input === null || typeof input !== 'object') return EMPTY_KEY;
    let cached = input === this.lastInput ? this.lastCached : this.cache.get(input);
    if (cached !== undefined && (cached.frozen || unchanged(input, cached))) {
      this.lastInput = input;
      this.lastCached = cached;
      return cached.key;
    }
    try {
      const names = Object.keys(input);
      if (!isSorted(names)) names.sort();
      const key = this.known(input, names);
      if (this.cameBack(input)) {
        cached = snapshot(input, key);
        if (cached !== undefined) this.cache.set(input, cached);
      }
      return key;
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

  /**
   * The key: each valid attribute in key order as its name and value, length-prefixed, so that
   * no name or value can forge another set's key (cheaper than JSON-quoting everything).
   */
  private compute(input: Attributes, names: readonly string[]): string {
    const countLimit = this.limits.attributeCountLimit;
    const lengthLimit = this.limits.attributeValueLengthLimit;
    let key = EMPTY_KEY;
    let count = 0;
    for (let i = 0; i < names.length && count < countLimit; i++) {
      const name = names[i]!;
      if (name.length === 0) continue;
      let value: unknown;
      try {
        value = input[name];
      } catch {
        continue; // a throwing getter
      }
      const prefix = name.length + ':' + name;
      switch (typeof value) {
        case 'string': {
          const cut = value.length > lengthLimit ? (sanitizeValue(value, lengthLimit) as string) : value;
          key += prefix + 's' + cut.length + ':' + cut;
          break;
        }
        case 'number':
          key += prefix + 'n' + value + ';';
          break;
        case 'boolean':
          key += prefix + (value ? 'T' : 'F');
          break;
        default: {
          const valid = sanitizeValue(value, lengthLimit);
          if (valid === undefined) continue;
          const json = JSON.stringify(valid);
          key += prefix + 'a' + json.length + ':' + json;
        }
      }
      count++;
    }
    return key;
  }

  /**
   * The key of a fresh object whose names and values were met before, from a trie of names and
   * values (Map lookups of strings whose hash is already known), else computed and remembered:
   * a key built by concatenation has no hash yet, and hashing it for every storage's Map costs
   * more than computing it. Only sets of primitive values go in; the trie is emptied when it
   * holds KNOWN_MAX sets, so ever new values cannot grow it without bound.
   */
  private known(input: Attributes, names: readonly string[]): string {
    let node = this.trie;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const value = input[name];
      if (typeof value === 'object' && value !== null) return this.compute(input, names);
      let byValue = node.get(name) as Trie | undefined;
      if (byValue === undefined) node.set(name, (byValue = new Map()));
      let next = byValue.get(value) as Trie | undefined;
      if (next === undefined) byValue.set(value, (next = new Map()));
      node = next;
    }
    const found = node.get(END) as string | undefined;
    if (found !== undefined) return found;
    if (this.knownSets >= KNOWN_MAX) {
      this.trie = new Map();
      this.knownSets = 0;
      return this.compute(input, names);
    }
    // Flattened once here (the hash is computed on first use and kept with the string).
    const key = flat(this.compute(input, names));
    node.set(END, key);
    this.knownSets++;
    return key;
  }

  /** Whether `input` is among the objects computed recently (and remembers it if not). */
  private cameBack(input: Attributes): boolean {
    const recent = this.recent;
    for (let i = 0; i < RECENT; i++) {
      if (recent[i] === input) {
        recent[i] = undefined;
        return true;
      }
    }
    recent[this.recentNext] = input;
    this.recentNext = (this.recentNext + 1) % RECENT;
    return false;
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

/** A flat copy of a string built by concatenation, so that hashing it does not walk pieces. */
function flat(s: string): string {
  // Number() reads the whole string, which makes V8 flatten it in place.
  void Number(s);
  return s;
}

function isSorted(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) if (names[i - 1]! > names[i]!) return false;
  return true;
}

/** What the cache keeps of `input`: its keys and values as now; undefined if it holds an array. */
function snapshot(input: Attributes, key: string): Cached | undefined {
  const keys: string[] = [];
  const values: unknown[] = [];
  for (const name in input) {
    const value = input[name];
    if (typeof value === 'object' && value !== null) return undefined;
    keys.push(name);
    values.push(value);
  }
  return { key, keys, values, frozen: frozenData(input) };
}

/** Frozen, and every own enumerable property a plain value (no getter). */
function frozenData(input: Attributes): boolean {
  if (!Object.isFrozen(input)) return false;
  for (const name of Object.keys(input)) {
    const descriptor = Object.getOwnPropertyDescriptor(input, name);
    if (descriptor === undefined || !('value' in descriptor)) return false;
  }
  return true;
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
