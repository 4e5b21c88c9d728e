import type { TraceState as ApiTraceState } from '@opentelemetry/api';

/*
 * W3C Trace Context `tracestate` (https://www.w3.org/TR/trace-context-2/#tracestate-header).
 *
 * Key grammar: Level 2 (`key = ( lcalpha / DIGIT ) 0*255 ( keychar )`, keychar adds `_ - * / @`).
 * Level 1's two forms (simple `lcalpha 0*255(...)` and multi-tenant `tenant@system`) are both
 * subsets of it, so every Level 1 key is accepted and Level 2 senders (digit-first keys, any
 * number of `@`) are not rejected. The W3C test suite (test/test.py, test_tracestate_key_*)
 * checks exactly this grammar.
 */
const KEY_RE = /^[a-z0-9][a-z0-9_\-*/@]{0,255}$/;
// value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr; nblk-chr excludes space, `,` and `=`.
const VALUE_RE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

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
  return KEY_RE.test(key);
}

export function isValidTraceStateValue(value: string): boolean {
  return VALUE_RE.test(value);
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** Marks a map whose entries were already validated, so the constructor skips re-checking them. */
class ValidatedEntries implements Iterable<readonly [string, string]> {
  constructor(readonly map: Map<string, string>) {}
  [Symbol.iterator](): Iterator<readonly [string, string]> {
    return this.map[Symbol.iterator]();
  }
}

/**
 * Immutable: `set` and `unset` return a new instance, as the API's TraceState contract expects
 * (one span context is shared by many spans). Invariant: every instance satisfies the member and
 * length limits, so `serialize` never has to truncate.
 */
export class TraceState implements ApiTraceState {
  private readonly entries: Map<string, string>;
  private serialized: string | undefined;

  /** Entries are validated: invalid ones are ignored, a duplicate key keeps its first occurrence. */
  constructor(entries?: Iterable<readonly [string, string]>) {
    if (entries instanceof ValidatedEntries) {
      this.entries = enforceLimits(entries.map);
      return;
    }
    const map = new Map<string, string>();
    if (entries !== undefined) {
      for (const [key, value] of entries) {
        if (map.has(key) || !KEY_RE.test(key) || !VALUE_RE.test(value)) continue;
        map.set(key, value);
      }
    }
    this.entries = enforceLimits(map);
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
    const map = new Map<string, string>();
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
        const key = header.substring(start, eq);
        const value = header.substring(eq + 1, end);
        if (!KEY_RE.test(key) || !VALUE_RE.test(value)) return EMPTY_TRACE_STATE;
        if (!map.has(key)) map.set(key, value);
      }
      start = comma + 1;
    }
    return map.size === 0 ? EMPTY_TRACE_STATE : new TraceState(new ValidatedEntries(map));
  }

  get(key: string): string | undefined {
    return this.entries.get(key);
  }

  /** The added or modified key moves to the front (left), as the spec requires. Invalid input: unchanged. */
  set(key: string, value: string): TraceState {
    if (!KEY_RE.test(key) || !VALUE_RE.test(value)) return this;
    const map = new Map<string, string>([[key, value]]);
    for (const [k, v] of this.entries) {
      if (k !== key) map.set(k, v);
    }
    return new TraceState(new ValidatedEntries(map));
  }

  unset(key: string): TraceState {
    if (!this.entries.has(key)) return this;
    const map = new Map(this.entries);
    map.delete(key);
    return new TraceState(new ValidatedEntries(map));
  }

  /** Cached: a tracestate extracted once is typically re-injected on every outgoing request. */
  serialize(): string {
    if (this.serialized === undefined) {
      let out = '';
      for (const [k, v] of this.entries) {
        out = out.length === 0 ? `${k}=${v}` : `${out},${k}=${v}`;
      }
      this.serialized = out;
    }
    return this.serialized;
  }

  get size(): number {
    return this.entries.size;
  }

  keys(): string[] {
    return Array.from(this.entries.keys());
  }

  toString(): string {
    return this.serialize();
  }
}

export const EMPTY_TRACE_STATE = new TraceState();

/**
 * Drops members beyond 32 from the end (only `set` can produce 33: the new key is in front),
 * then applies the spec's truncation order for the 512-character cap: entries longer than 128
 * characters first, then entries from the end. Whole entries only, never a partial one.
 */
function enforceLimits(map: Map<string, string>): Map<string, string> {
  if (map.size === 0) return map;
  let keys: string[] | undefined;
  if (map.size > TRACESTATE_MAX_MEMBERS) {
    keys = Array.from(map.keys());
    for (let i = keys.length - 1; i >= TRACESTATE_MAX_MEMBERS; i--) map.delete(keys[i]!);
    keys.length = TRACESTATE_MAX_MEMBERS;
  }
  let length = map.size - 1;
  for (const [k, v] of map) length += k.length + 1 + v.length;
  if (length <= TRACESTATE_MAX_LENGTH) return map;

  keys ??= Array.from(map.keys());
  for (let i = keys.length - 1; i >= 0 && length > TRACESTATE_MAX_LENGTH; i--) {
    const key = keys[i]!;
    const entryLength = key.length + 1 + map.get(key)!.length;
    if (entryLength > LARGE_ENTRY_LENGTH) {
      map.delete(key);
      length -= entryLength + (map.size > 0 ? 1 : 0);
    }
  }
  for (let i = keys.length - 1; i >= 0 && length > TRACESTATE_MAX_LENGTH; i--) {
    const key = keys[i]!;
    const value = map.get(key);
    if (value === undefined) continue;
    map.delete(key);
    length -= key.length + 1 + value.length + (map.size > 0 ? 1 : 0);
  }
  return map;
}
