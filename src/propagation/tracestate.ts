import type { TraceState as ApiTraceState } from '@opentelemetry/api';

/*
 * W3C Trace Context `tracestate` (https://www.w3.org/TR/trace-context-2/#tracestate-header).
 *
 * Key grammar: Level 2 (`key = ( lcalpha / DIGIT ) 0*255 ( keychar )`, keychar adds `_ - * / @`).
 * Level 1's two forms (simple `lcalpha 0*255(...)` and multi-tenant `tenant@system`) are both
 * subsets of it, so every Level 1 key is accepted and Level 2 senders (digit-first keys, any
 * number of `@`) are not rejected. The W3C test suite (test/test.py, test_tracestate_key_*)
 * checks exactly this grammar. Value: `value = 0*255(chr) nblk-chr`, chr = %x20 / nblk-chr,
 * nblk-chr = %x21-2B / %x2D-3C / %x3E-7E.
 *
 * Both are checked by character class over the header itself (no substring, no regular
 * expression): this runs for every member of every incoming tracestate.
 */
const KEY_FIRST = 1;
const KEY_CHAR = 2;
const VALUE_CHAR = 4;
const CHAR_CLASS = new Uint8Array(128);
for (let c = 0x20; c <= 0x7e; c++) if (c !== 0x2c && c !== 0x3d) CHAR_CLASS[c] = VALUE_CHAR;
for (let c = 0x61; c <= 0x7a; c++) CHAR_CLASS[c] |= KEY_FIRST | KEY_CHAR;
for (let c = 0x30; c <= 0x39; c++) CHAR_CLASS[c] |= KEY_FIRST | KEY_CHAR;
for (const c of '_-*/@') CHAR_CLASS[c.charCodeAt(0)] |= KEY_CHAR;
const MAX_KEY_LENGTH = 256;
const MAX_VALUE_LENGTH = 256;

/** Whether `s` from `start` to `end` (exclusive) is a valid key. */
function isKeyAt(s: string, start: number, end: number): boolean {
  if (end <= start || end - start > MAX_KEY_LENGTH) return false;
  if (!hasClass(s.charCodeAt(start), KEY_FIRST)) return false;
  for (let i = start + 1; i < end; i++) if (!hasClass(s.charCodeAt(i), KEY_CHAR)) return false;
  return true;
}

/** Whether `s` from `start` to `end` (exclusive) is a valid value (its last character not a space). */
function isValueAt(s: string, start: number, end: number): boolean {
  if (end <= start || end - start > MAX_VALUE_LENGTH || s.charCodeAt(end - 1) === 0x20) return false;
  for (let i = start; i < end; i++) if (!hasClass(s.charCodeAt(i), VALUE_CHAR)) return false;
  return true;
}

function hasClass(code: number, charClass: number): boolean {
  return code < 128 && (CHAR_CLASS[code]! & charClass) !== 0;
}

/** `list = list-member 0*31( OWS "," OWS list-member )`. */
export const TRACESTATE_MAX_MEMBERS = 32;
/**
 * The spec asks vendors to propagate at least 512 characters and, when they cap the size, to
 * document the cap: ours is exactly 512 (the serialized form, commas included).
 */
export const TRACESTATE_MAX_LENGTH = 512;
/** "Entries larger than 128 characters long SHOULD be removed first." */
const LARGE_ENTRY_LENGTH = 128;

export function isValidTraceStateKey(key: string): boolean {
  return isKeyAt(key, 0, key.length);
}

export function isValidTraceStateValue(value: string): boolean {
  return isValueAt(value, 0, value.length);
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** Members already validated (by `parse` or `set`), so the constructor skips checking them again. */
class ValidatedMembers implements Iterable<readonly [string, string]> {
  constructor(
    readonly keys: string[],
    readonly values: string[],
  ) {}
  *[Symbol.iterator](): Iterator<readonly [string, string]> {
    for (let i = 0; i < this.keys.length; i++) yield [this.keys[i]!, this.values[i]!];
  }
}

/**
 * Immutable: `set` and `unset` return a new instance, as the API's TraceState contract expects
 * (one span context is shared by many spans). Invariant: every instance satisfies the member and
 * length limits, so `serialize` never has to truncate.
 *
 * Members are kept as two arrays in order (left-most first), not a Map: there are at most 32,
 * found by a scan, and a parse then hashes no fresh substring of the header.
 */
export class TraceState implements ApiTraceState {
  private readonly memberKeys: readonly string[];
  private readonly memberValues: readonly string[];
  private serialized: string | undefined;

  /** Entries are validated: invalid ones are ignored, a duplicate key keeps its first occurrence. */
  constructor(entries?: Iterable<readonly [string, string]>) {
    let keys: string[] = [];
    let values: string[] = [];
    if (entries instanceof ValidatedMembers) {
      keys = entries.keys;
      values = entries.values;
    } else if (entries !== undefined) {
      for (const [key, value] of entries) {
        if (keys.includes(key) || !isValidTraceStateKey(key) || !isValidTraceStateValue(value)) continue;
        keys.push(key);
        values.push(value);
      }
    }
    enforceLimits(keys, values);
    this.memberKeys = keys;
    this.memberValues = values;
  }

  /**
   * Parses a combined `tracestate` header value (several header lines joined with `,`).
   *
   * A value that does not match the grammar is discarded entirely (an empty TraceState comes
   * back). The processing model (section "A traceparent is Received", step 3) lets a vendor
   * discard a tracestate it cannot parse, and the W3C test suite (STRICT_LEVEL 2) expects exactly
   * that for an illegal key, an illegal or empty value, and 33 members; keeping the well-formed
   * members of a malformed header would forward a list that no upstream vendor wrote.
   *
   * Duplicate keys are the exception: the spec allows one entry per key, but the test suite
   * (test_tracestate_duplicated_keys) expects the tracestate to survive, so the first (leftmost,
   * i.e. most recently updated) entry is kept and later ones are dropped.
   */
  static parse(header: string): TraceState {
    if (header.length === 0) return EMPTY_TRACE_STATE;
    const keys: string[] = [];
    const values: string[] = [];
    let members = 0;
    let start = 0;
    while (start <= header.length) {
      let comma = header.indexOf(',', start);
      if (comma < 0) comma = header.length;
      let end = comma;
      while (start < end && isOws(header.charCodeAt(start))) start++;
      while (end > start && isOws(header.charCodeAt(end - 1))) end--;
      // Empty and whitespace-only members are explicitly allowed (they appear when headers are joined).
      if (start < end) {
        if (++members > TRACESTATE_MAX_MEMBERS) return EMPTY_TRACE_STATE;
        const eq = header.indexOf('=', start);
        if (eq < 0 || eq >= end) return EMPTY_TRACE_STATE;
        // No OWS is allowed between key, `=` and value: `foo =1` is an illegal key.
        if (!isKeyAt(header, start, eq) || !isValueAt(header, eq + 1, end)) return EMPTY_TRACE_STATE;
        const key = header.substring(start, eq);
        if (!keys.includes(key)) {
          keys.push(key);
          values.push(header.substring(eq + 1, end));
        }
      }
      start = comma + 1;
    }
    return keys.length === 0 ? EMPTY_TRACE_STATE : new TraceState(new ValidatedMembers(keys, values));
  }

  get(key: string): string | undefined {
    const i = this.memberKeys.indexOf(key);
    return i < 0 ? undefined : this.memberValues[i];
  }

  /** The added or modified key moves to the front (left), as the spec requires. Invalid input: unchanged. */
  set(key: string, value: string): TraceState {
    if (!isValidTraceStateKey(key) || !isValidTraceStateValue(value)) return this;
    const keys = [key];
    const values = [value];
    for (let i = 0; i < this.memberKeys.length; i++) {
      if (this.memberKeys[i] === key) continue;
      keys.push(this.memberKeys[i]!);
      values.push(this.memberValues[i]!);
    }
    return new TraceState(new ValidatedMembers(keys, values));
  }

  unset(key: string): TraceState {
    const i = this.memberKeys.indexOf(key);
    if (i < 0) return this;
    const keys = this.memberKeys.slice();
    const values = this.memberValues.slice();
    keys.splice(i, 1);
    values.splice(i, 1);
    return new TraceState(new ValidatedMembers(keys, values));
  }

  /** Cached: a tracestate extracted once is typically re-injected on every outgoing request. */
  serialize(): string {
    if (this.serialized === undefined) {
      let out = '';
      for (let i = 0; i < this.memberKeys.length; i++) {
        const member = `${this.memberKeys[i]!}=${this.memberValues[i]!}`;
        out = i === 0 ? member : `${out},${member}`;
      }
      this.serialized = out;
    }
    return this.serialized;
  }

  get size(): number {
    return this.memberKeys.length;
  }

  keys(): string[] {
    return this.memberKeys.slice();
  }

  toString(): string {
    return this.serialize();
  }
}

export const EMPTY_TRACE_STATE = new TraceState();

/** The serialized length of member `i`: `key=value`. */
function memberLength(keys: readonly string[], values: readonly string[], i: number): number {
  return keys[i]!.length + 1 + values[i]!.length;
}

/**
 * Drops members beyond 32 from the end (only `set` can produce 33: the new key is in front),
 * then applies the spec's truncation order for the 512-character cap: entries longer than 128
 * characters first, then entries from the end. Whole entries only, never a partial one. Works on
 * the arrays in place (they belong to the instance being built).
 */
function enforceLimits(keys: string[], values: string[]): void {
  if (keys.length > TRACESTATE_MAX_MEMBERS) {
    keys.length = TRACESTATE_MAX_MEMBERS;
    values.length = TRACESTATE_MAX_MEMBERS;
  }
  if (keys.length === 0) return;
  let length = keys.length - 1;
  for (let i = 0; i < keys.length; i++) length += memberLength(keys, values, i);
  if (length <= TRACESTATE_MAX_LENGTH) return;
  for (let i = keys.length - 1; i >= 0 && length > TRACESTATE_MAX_LENGTH; i--) {
    const entryLength = memberLength(keys, values, i);
    if (entryLength > LARGE_ENTRY_LENGTH) length -= remove(keys, values, i, entryLength);
  }
  for (let i = keys.length - 1; i >= 0 && length > TRACESTATE_MAX_LENGTH; i--) {
    length -= remove(keys, values, i, memberLength(keys, values, i));
  }
}

/** Removes member `i`; returns the characters it took in the serialized form (its comma included). */
function remove(keys: string[], values: string[], i: number, entryLength: number): number {
  keys.splice(i, 1);
  values.splice(i, 1);
  return entryLength + (keys.length > 0 ? 1 : 0);
}
