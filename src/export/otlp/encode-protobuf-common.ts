import type { InstrumentationScope, ResourceData } from '../../sdk/span-data';
import { ProtoWriter, putAscii, putVarint, utf8Length, varintSize } from './protobuf-writer';

/**
 * What the OTLP/protobuf encoders of every signal share (common.proto, resource.proto): KeyValue
 * and AnyValue, string and count fields, the resource and scope fields (the same field number, 1,
 * in ResourceSpans / ResourceMetrics and ScopeSpans / ScopeMetrics), and the pool of writers.
 *
 *   KeyValue: key=1 (0x0a), value=2 (0x12)
 *   AnyValue: string=1 (0x0a), bool=2 (0x10), int=3 (0x18), double=4 (0x21), array=5 (0x2a),
 *             kvlist=6 (0x32), bytes=7 (0x3a)
 *   ArrayValue / KeyValueList: values=1 (0x0a)
 *   Resource: attributes=1 (0x0a), dropped_attributes_count=2 (0x10)
 *   InstrumentationScope: name=1 (0x0a), version=2 (0x12), attributes=3, dropped_attributes_count=4
 */
/** Past this, a grown buffer is dropped after an export rather than kept forever. */
export const MAX_KEPT_BUFFER = 8 * 1024 * 1024;

/** Encoded KeyValue.key fields (tag, length, UTF-8) by attribute key. */
const keyCache = new Map<string, Uint8Array>();
const KEY_CACHE_MAX = 4096;

export function keyBytes(key: string): Uint8Array {
  let kb = keyCache.get(key);
  if (kb === undefined) {
    const n = utf8Length(key);
    const ls = varintSize(n);
    const b = Buffer.allocUnsafeSlow(1 + ls + n);
    b[0] = 0x0a;
    b.write(key, putVarint(b, 1, n), n, 'utf8');
    kb = b;
    if (keyCache.size < KEY_CACHE_MAX) keyCache.set(key, kb);
  }
  return kb;
}

/** Copies the cached key field (tag, length, bytes) at `pos`. */
function putKey(buf: Buffer, pos: number, kb: Uint8Array): number {
  const n = kb.length;
  if (n > 16) {
    buf.set(kb, pos);
    return pos + n;
  }
  for (let i = 0; i < n; i++) buf[pos++] = kb[i]!;
  return pos;
}

/** Writes `tag` + KeyValue{key (as cached bytes), value}; the caller skips null and undefined. */
export function writeKeyValue(w: ProtoWriter, tag: number, kb: Uint8Array, value: unknown): void {
  switch (typeof value) {
    case 'string': {
      const len = value.length;
      const kbl = kb.length;
      if (kbl + len < 124) {
        // Optimistic single pass for short strings, taken as ASCII: every length then fits in one
        // byte (KeyValue = key + 2 + AnyValue, AnyValue = 2 + string). Redone below if not ASCII.
        w.ensure(kbl + len + 6);
        const buf = w.buf;
        let pos = w.pos;
        buf[pos++] = tag;
        buf[pos++] = kbl + 4 + len;
        pos = putKey(buf, pos, kb);
        buf[pos++] = 0x12;
        buf[pos++] = 2 + len;
        buf[pos++] = 0x0a;
        buf[pos++] = len;
        const end = putAscii(buf, pos, value);
        if (end >= 0) {
          w.pos = end;
          return;
        }
      }
      const n = utf8Length(value);
      const av = 1 + varintSize(n) + n;
      const kv = kb.length + 1 + varintSize(av) + av;
      w.ensure(kv + 6);
      const buf = w.buf;
      let pos = w.pos;
      buf[pos++] = tag;
      pos = putVarint(buf, pos, kv);
      pos = putKey(buf, pos, kb);
      buf[pos++] = 0x12;
      pos = putVarint(buf, pos, av);
      buf[pos++] = 0x0a;
      pos = putVarint(buf, pos, n);
      if (n === value.length && n <= 64) {
        for (let i = 0; i < n; i++) buf[pos++] = value.charCodeAt(i);
      } else {
        pos += buf.write(value, pos, n, 'utf8');
      }
      w.pos = pos;
      return;
    }
    case 'number': {
      w.ensure(kb.length + 24);
      const buf = w.buf;
      let pos = w.pos;
      buf[pos++] = tag;
      if (Number.isSafeInteger(value) && value >= 0) {
        const av = 1 + varintSize(value);
        pos = putVarint(buf, pos, kb.length + 2 + av);
        pos = putKey(buf, pos, kb);
        buf[pos++] = 0x12;
        buf[pos++] = av;
        buf[pos++] = 0x18;
        w.pos = putVarint(buf, pos, value);
      } else if (Number.isSafeInteger(value)) {
        pos = putVarint(buf, pos, kb.length + 13);
        w.pos = putKey(buf, pos, kb);
        w.ensure(2);
        w.byte(0x12);
        w.byte(11);
        w.ensure(1);
        w.byte(0x18);
        w.int64(value);
      } else {
        pos = putVarint(buf, pos, kb.length + 11);
        pos = putKey(buf, pos, kb);
        buf[pos++] = 0x12;
        buf[pos++] = 9;
        buf[pos++] = 0x21;
        buf.writeDoubleLE(value, pos);
        w.pos = pos + 8;
      }
      return;
    }
    case 'boolean': {
      w.ensure(kb.length + 12);
      const buf = w.buf;
      let pos = w.pos;
      buf[pos++] = tag;
      pos = putVarint(buf, pos, kb.length + 4);
      pos = putKey(buf, pos, kb);
      buf[pos++] = 0x12;
      buf[pos++] = 2;
      buf[pos++] = 0x10;
      buf[pos++] = value ? 1 : 0;
      w.pos = pos;
      return;
    }
    case 'object':
    case 'bigint': {
      if (typeof value === 'bigint' && (value < -(2n ** 63n) || value >= 2n ** 63n)) return;
      w.ensure(1);
      w.byte(tag);
      const kvStart = w.fork(1);
      w.raw(kb);
      w.ensure(1);
      w.byte(0x12);
      const avStart = w.fork(1);
      writeAnyValueBody(w, value);
      w.ldelim(avStart, 1);
      w.ldelim(kvStart, 1);
      return;
    }
    default:
      return; // functions, symbols: not attribute values
  }
}

/** The body (fields) of an AnyValue; null/undefined leave it empty (the OTLP form of null). */
export function writeAnyValueBody(w: ProtoWriter, value: unknown): void {
  w.ensure(12);
  switch (typeof value) {
    case 'string':
      w.byte(0x0a);
      w.string(value);
      return;
    case 'boolean':
      w.byte(0x10);
      w.byte(value ? 1 : 0);
      return;
    case 'number':
      if (Number.isSafeInteger(value)) {
        w.byte(0x18);
        w.int64(value);
      } else {
        w.byte(0x21);
        w.double(value);
      }
      return;
    case 'bigint': {
      const u = BigInt.asUintN(64, value);
      w.byte(0x18);
      let lo = Number(u & 0xffffffffn);
      let hi = Number(u >> 32n);
      while (hi !== 0) {
        w.byte((lo & 0x7f) | 0x80);
        lo = ((lo >>> 7) | (hi << 25)) >>> 0;
        hi >>>= 7;
        w.ensure(6);
      }
      w.varint(lo);
      return;
    }
    case 'object': {
      if (value === null) return;
      if (Array.isArray(value)) {
        w.byte(0x2a);
        const start = w.fork(1);
        for (let i = 0; i < value.length; i++) {
          w.ensure(1);
          w.byte(0x0a);
          const el = w.fork(1);
          writeAnyValueBody(w, value[i]);
          w.ldelim(el, 1);
        }
        w.ldelim(start, 1);
      } else if (value instanceof Uint8Array) {
        w.byte(0x3a);
        w.varint(value.length);
        w.raw(value);
      } else {
        w.byte(0x32);
        const start = w.fork(1);
        const rec = value as Record<string, unknown>;
        for (const k of Object.keys(rec)) if (rec[k] !== null && rec[k] !== undefined) writeKeyValue(w, 0x0a, keyBytes(k), rec[k]);
        w.ldelim(start, 1);
      }
      return;
    }
    default:
      return;
  }
}

export function writeAttributesRecord(w: ProtoWriter, tag: number, attrs: Record<string, unknown> | undefined): void {
  if (attrs === undefined || attrs === null) return;
  for (const k of Object.keys(attrs)) {
    const v = attrs[k];
    if (v !== null && v !== undefined) writeKeyValue(w, tag, keyBytes(k), v);
  }
}

export function writeStringField(w: ProtoWriter, tag: number, s: string | undefined): void {
  if (s === undefined || s === null || s.length === 0) return;
  w.ensure(1);
  w.byte(tag);
  w.string(s);
}

export function writeUintField(w: ProtoWriter, tag: number, v: number): void {
  if (!(v > 0)) return;
  w.ensure(1);
  w.byte(tag);
  w.varint(Math.floor(v));
}

const resourceCache = new WeakMap<ResourceData, Uint8Array>();
const scopeCache = new WeakMap<InstrumentationScope, Uint8Array>();

/** `resource` field of ResourceSpans / ResourceMetrics (tag included), cached by resource identity. */
export function resourceBytes(resource: ResourceData): Uint8Array {
  let b = resourceCache.get(resource);
  if (b === undefined) {
    const w = new ProtoWriter(1024);
    w.ensure(1);
    w.byte(0x0a);
    const start = w.fork(1);
    writeAttributesRecord(w, 0x0a, resource.attributes as Record<string, unknown>);
    w.ldelim(start, 1);
    b = w.finish();
    resourceCache.set(resource, b);
  }
  return b;
}

/** `scope` field of ScopeSpans / ScopeMetrics (tag included), cached by scope identity. */
export function scopeBytes(scope: InstrumentationScope): Uint8Array {
  let b = scopeCache.get(scope);
  if (b === undefined) {
    const w = new ProtoWriter(256);
    w.ensure(1);
    w.byte(0x0a);
    const start = w.fork(1);
    writeStringField(w, 0x0a, scope.name);
    writeStringField(w, 0x12, scope.version);
    w.ldelim(start, 1);
    b = w.finish();
    scopeCache.set(scope, b);
  }
  return b;
}

/**
 * Items (spans, log records) grouped by resource, then by scope (object identity), keeping
 * first-seen order: the ResourceSpans/ScopeSpans (ResourceLogs/ScopeLogs) of a request.
 */
export function groupByScope<T extends { readonly resource: ResourceData; readonly scope: InstrumentationScope }>(
  items: readonly T[],
): Map<ResourceData, Map<InstrumentationScope, T[]>> {
  return groupBy(items, resourceOfItem, scopeOfItem);
}

const resourceOfItem = (item: { readonly resource: ResourceData }): ResourceData => item.resource;
const scopeOfItem = (item: { readonly scope: InstrumentationScope }): InstrumentationScope => item.scope;

/** `groupByScope` for items whose resource and scope are read by the two functions given. */
export function groupBy<T>(
  items: readonly T[],
  resourceOf: (item: T) => ResourceData,
  scopeOf: (item: T) => InstrumentationScope,
): Map<ResourceData, Map<InstrumentationScope, T[]>> {
  const byResource = new Map<ResourceData, Map<InstrumentationScope, T[]>>();
  let lastResource: ResourceData | undefined;
  let lastScope: InstrumentationScope | undefined;
  let lastList: T[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const resource = resourceOf(item);
    const scope = scopeOf(item);
    if (resource === lastResource && scope === lastScope) {
      lastList!.push(item);
      continue;
    }
    let byScope = byResource.get(resource);
    if (byScope === undefined) {
      byScope = new Map();
      byResource.set(resource, byScope);
    }
    let list = byScope.get(scope);
    if (list === undefined) {
      list = [];
      byScope.set(scope, list);
    }
    list.push(item);
    lastResource = resource;
    lastScope = scope;
    lastList = list;
  }
  return byResource;
}

/** Writers not in use; a writer stays out of the pool while its bytes are being sent. */
const pool: ProtoWriter[] = [];
const POOL_MAX = 4;

function takeWriter(): ProtoWriter {
  return pool.pop() ?? new ProtoWriter(256 * 1024);
}

function giveBack(w: ProtoWriter): void {
  if (w.buf.length <= MAX_KEPT_BUFFER && pool.length < POOL_MAX) pool.push(w);
}

/** An encoded request living in a pooled buffer: call `release` once the bytes are no longer needed. */
export interface PooledRequest {
  readonly bytes: Uint8Array;
  release(): void;
}

/**
 * A request written by `encodeInto` into a reused buffer, without a copy. The bytes stay valid
 * until `release()` (after which the buffer serves the next encode); a request that is never
 * released is simply garbage-collected.
 */
export function encodePooled<T>(encodeInto: (w: ProtoWriter, data: T) => void, data: T): PooledRequest {
  const w = takeWriter();
  try {
    encodeInto(w, data);
  } catch (err) {
    giveBack(w);
    throw err;
  }
  let released = false;
  return {
    bytes: w.buf.subarray(0, w.pos),
    release(): void {
      if (released) return;
      released = true;
      giveBack(w);
    },
  };
}

/** A request written by `encodeInto`, as a fresh copy (safe to keep). */
export function encodeCopy<T>(encodeInto: (w: ProtoWriter, data: T) => void, data: T): Uint8Array {
  const w = takeWriter();
  try {
    encodeInto(w, data);
    return w.finish();
  } finally {
    giveBack(w);
  }
}

/**
 * Writes an export request into `w` from its start, for the signals whose requests share one wire
 * shape: traces and logs (`resource_spans` / `resource_logs` = 1; in each, `resource` = 1,
 * `scope_spans` / `scope_logs` = 2, `schema_url` = 3; in each scope's message, `scope` = 1, the
 * items = 2, `schema_url` = 3). One resource message per resource, one scope message per scope,
 * each item written by `writeOne` (its field 2 included: from the item, or from bytes encoded
 * earlier).
 */
export function writeScopedRequest<T>(
  w: ProtoWriter,
  grouped: Map<ResourceData, Map<InstrumentationScope, T[]>>,
  writeOne: (w: ProtoWriter, item: T) => void,
): void {
  w.reset();
  for (const [resource, byScope] of grouped) {
    w.ensure(4);
    w.byte(0x0a); // resource_spans / resource_logs
    const rs = w.fork(3); // up to 2 MiB without moving
    w.raw(resourceBytes(resource));
    for (const [scope, list] of byScope) {
      w.ensure(4);
      w.byte(0x12); // scope_spans / scope_logs
      const ss = w.fork(3);
      w.raw(scopeBytes(scope));
      for (let i = 0; i < list.length; i++) writeOne(w, list[i]!);
      writeStringField(w, 0x1a, scope.schemaUrl);
      w.ldelim(ss, 3);
    }
    writeStringField(w, 0x1a, resource.schemaUrl);
    w.ldelim(rs, 3);
  }
}
