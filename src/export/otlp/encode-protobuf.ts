import type { InstrumentationScope, ResourceData, SpanData, SpanEventData, SpanLinkData } from '../../sdk/span-data';
import { ProtoWriter, putAscii, putVarint, utf8Length, varintSize } from './protobuf-writer';

/**
 * OTLP/protobuf encoding of an `ExportTraceServiceRequest`
 * (opentelemetry/proto/collector/trace/v1/trace_service.proto, trace.proto, common.proto, resource.proto).
 *
 * Field tags used below, as (field number << 3 | wire type):
 *   ExportTraceServiceRequest: resource_spans=1 (0x0a)
 *   ResourceSpans: resource=1 (0x0a), scope_spans=2 (0x12), schema_url=3 (0x1a)
 *   Resource: attributes=1 (0x0a), dropped_attributes_count=2 (0x10)
 *   ScopeSpans: scope=1 (0x0a), spans=2 (0x12), schema_url=3 (0x1a)
 *   InstrumentationScope: name=1 (0x0a), version=2 (0x12), attributes=3, dropped_attributes_count=4
 *   Span: trace_id=1 (0x0a), span_id=2 (0x12), trace_state=3 (0x1a), parent_span_id=4 (0x22),
 *         name=5 (0x2a), kind=6 (0x30), start_time_unix_nano=7 fixed64 (0x39),
 *         end_time_unix_nano=8 fixed64 (0x41), attributes=9 (0x4a), dropped_attributes_count=10 (0x50),
 *         events=11 (0x5a), dropped_events_count=12 (0x60), links=13 (0x6a),
 *         dropped_links_count=14 (0x70), status=15 (0x7a), flags=16 fixed32 (0x85 0x01)
 *   Span.Event: time_unix_nano=1 fixed64 (0x09), name=2 (0x12), attributes=3 (0x1a), dropped=4 (0x20)
 *   Span.Link: trace_id=1 (0x0a), span_id=2 (0x12), trace_state=3 (0x1a), attributes=4 (0x22),
 *              dropped_attributes_count=5 (0x28), flags=6 fixed32 (0x35)
 *   Status: message=2 (0x12), code=3 (0x18)
 *   KeyValue: key=1 (0x0a), value=2 (0x12)
 *   AnyValue: string=1 (0x0a), bool=2 (0x10), int=3 (0x18), double=4 (0x21), array=5 (0x2a),
 *             kvlist=6 (0x32), bytes=7 (0x3a)
 *   ArrayValue / KeyValueList: values=1 (0x0a)
 * Proto3 defaults (empty strings, zero counts) are left out, as every protobuf encoder does.
 */

export const SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK = 0x100;
export const SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK = 0x200;

/** OTLP span flags: W3C trace flags in the low byte plus the parent's (or link's) is-remote bits. */
export function spanFlags(traceFlags: number, isRemote: boolean): number {
  return (
    (traceFlags & 0xff) | SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK | (isRemote ? SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK : 0)
  );
}

/** API SpanKind (INTERNAL=0 .. CONSUMER=4) to OTLP (UNSPECIFIED=0, INTERNAL=1 .. CONSUMER=5). */
export function otlpSpanKind(kind: number): number {
  return kind >= 0 && kind <= 4 ? kind + 1 : 0;
}

/** Past this, a grown buffer is dropped after an export rather than kept forever. */
const MAX_KEPT_BUFFER = 8 * 1024 * 1024;

/** Encoded KeyValue.key fields (tag, length, UTF-8) by attribute key. */
const keyCache = new Map<string, Uint8Array>();
const KEY_CACHE_MAX = 4096;

function keyBytes(key: string): Uint8Array {
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

/**
 * Span attribute keys by position: spans from one instrumentation set their attributes in the same
 * order, so comparing with the key last seen at that position skips most Map lookups.
 */
const POSITIONS = 64;
const positionKeys: (string | undefined)[] = new Array<string | undefined>(POSITIONS).fill(undefined);
const positionBytes: Uint8Array[] = new Array<Uint8Array>(POSITIONS).fill(new Uint8Array(0));

function spanKeyBytes(key: string, i: number): Uint8Array {
  if (i < POSITIONS) {
    if (positionKeys[i] === key) return positionBytes[i]!;
    const kb = keyBytes(key);
    positionKeys[i] = key;
    positionBytes[i] = kb;
    return kb;
  }
  return keyBytes(key);
}

/** Writes `tag` + KeyValue{key (as cached bytes), value}; the caller skips null and undefined. */
function writeKeyValue(w: ProtoWriter, tag: number, kb: Uint8Array, value: unknown): void {
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
function writeAnyValueBody(w: ProtoWriter, value: unknown): void {
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

function writeAttributesRecord(w: ProtoWriter, tag: number, attrs: Record<string, unknown> | undefined): void {
  if (attrs === undefined || attrs === null) return;
  for (const k of Object.keys(attrs)) {
    const v = attrs[k];
    if (v !== null && v !== undefined) writeKeyValue(w, tag, keyBytes(k), v);
  }
}

function writeStringField(w: ProtoWriter, tag: number, s: string | undefined): void {
  if (s === undefined || s === null || s.length === 0) return;
  w.ensure(1);
  w.byte(tag);
  w.string(s);
}

function writeUintField(w: ProtoWriter, tag: number, v: number): void {
  if (!(v > 0)) return;
  w.ensure(1);
  w.byte(tag);
  w.varint(Math.floor(v));
}

const resourceCache = new WeakMap<ResourceData, Uint8Array>();
const scopeCache = new WeakMap<InstrumentationScope, Uint8Array>();

/** `resource` field of ResourceSpans (tag included), cached by resource identity. */
function resourceBytes(resource: ResourceData): Uint8Array {
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

/** `scope` field of ScopeSpans (tag included), cached by scope identity. */
function scopeBytes(scope: InstrumentationScope): Uint8Array {
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

function writeEvent(w: ProtoWriter, e: SpanEventData): void {
  w.ensure(16);
  w.byte(0x5a);
  const start = w.fork(1);
  w.byte(0x09);
  w.timeMs(e.time);
  writeStringField(w, 0x12, e.name);
  writeAttributesRecord(w, 0x1a, e.attributes as Record<string, unknown>);
  writeUintField(w, 0x20, e.droppedAttributesCount);
  w.ldelim(start, 1);
}

function writeLink(w: ProtoWriter, l: SpanLinkData): void {
  w.ensure(8);
  w.byte(0x6a);
  const start = w.fork(1);
  w.byte(0x0a);
  w.hexBytes(l.traceId, 16);
  w.ensure(1);
  w.byte(0x12);
  w.hexBytes(l.spanId, 8);
  writeStringField(w, 0x1a, l.traceState);
  writeAttributesRecord(w, 0x22, l.attributes as Record<string, unknown>);
  writeUintField(w, 0x28, l.droppedAttributesCount);
  w.ensure(1);
  w.byte(0x35);
  w.fixed32(spanFlags(l.traceFlags, l.isRemote));
  w.ldelim(start, 1);
}

function writeSpan(w: ProtoWriter, s: SpanData): void {
  w.ensure(40);
  w.byte(0x12); // ScopeSpans.spans
  const start = w.fork(2); // 128 B .. 16 KiB: nearly every span
  w.byte(0x0a);
  w.hexBytes(s.traceId, 16);
  w.ensure(1);
  w.byte(0x12);
  w.hexBytes(s.spanId, 8);
  writeStringField(w, 0x1a, s.traceState);
  if (s.parentSpanId) {
    w.ensure(1);
    w.byte(0x22);
    w.hexBytes(s.parentSpanId, 8);
  }
  writeStringField(w, 0x2a, s.name);
  const kind = otlpSpanKind(s.kind);
  w.ensure(20);
  if (kind !== 0) {
    w.byte(0x30);
    w.byte(kind);
  }
  w.byte(0x39);
  w.timeMs(s.startTime);
  w.byte(0x41);
  w.timeMs(s.endTime);
  const keys = s.attributeKeys;
  const values = s.attributeValues;
  for (let i = 0; i < keys.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) writeKeyValue(w, 0x4a, spanKeyBytes(keys[i]!, i), v);
  }
  writeUintField(w, 0x50, s.droppedAttributesCount);
  const events = s.events;
  for (let i = 0; i < events.length; i++) writeEvent(w, events[i]!);
  writeUintField(w, 0x60, s.droppedEventsCount);
  const links = s.links;
  for (let i = 0; i < links.length; i++) writeLink(w, links[i]!);
  writeUintField(w, 0x70, s.droppedLinksCount);
  w.ensure(8);
  w.byte(0x7a);
  const st = w.fork(1);
  const status = s.status;
  if (status !== undefined) {
    writeStringField(w, 0x12, status.message);
    const code = status.code;
    if (code > 0) {
      w.ensure(2);
      w.byte(0x18);
      w.byte(code & 0x7f);
    }
  }
  w.ldelim(st, 1);
  w.ensure(6);
  w.byte(0x85);
  w.byte(0x01);
  w.fixed32(spanFlags(s.traceFlags, s.parentIsRemote));
  w.ldelim(start, 2);
}

/** Groups spans by resource, then by scope (object identity), keeping first-seen order. */
function group(spans: readonly SpanData[]): Map<ResourceData, Map<InstrumentationScope, SpanData[]>> {
  const byResource = new Map<ResourceData, Map<InstrumentationScope, SpanData[]>>();
  let lastResource: ResourceData | undefined;
  let lastScope: InstrumentationScope | undefined;
  let lastList: SpanData[] | undefined;
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    if (s.resource === lastResource && s.scope === lastScope) {
      lastList!.push(s);
      continue;
    }
    let byScope = byResource.get(s.resource);
    if (byScope === undefined) {
      byScope = new Map();
      byResource.set(s.resource, byScope);
    }
    let list = byScope.get(s.scope);
    if (list === undefined) {
      list = [];
      byScope.set(s.scope, list);
    }
    list.push(s);
    lastResource = s.resource;
    lastScope = s.scope;
    lastList = list;
  }
  return byResource;
}

/** Encodes into `w` from its start. */
function encodeInto(w: ProtoWriter, spans: readonly SpanData[]): void {
  w.reset();
  for (const [resource, byScope] of group(spans)) {
    w.ensure(4);
    w.byte(0x0a); // ExportTraceServiceRequest.resource_spans
    const rs = w.fork(3); // up to 2 MiB without moving
    w.raw(resourceBytes(resource));
    for (const [scope, list] of byScope) {
      w.ensure(4);
      w.byte(0x12); // ResourceSpans.scope_spans
      const ss = w.fork(3);
      w.raw(scopeBytes(scope));
      for (let i = 0; i < list.length; i++) writeSpan(w, list[i]!);
      writeStringField(w, 0x1a, scope.schemaUrl);
      w.ldelim(ss, 3);
    }
    writeStringField(w, 0x1a, resource.schemaUrl);
    w.ldelim(rs, 3);
  }
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
 * OTLP/protobuf `ExportTraceServiceRequest` written into a reused buffer, without a copy. The bytes
 * stay valid until `release()` (after which the buffer serves the next encode); a request that is
 * never released is simply garbage-collected.
 */
export function encodeTraceRequestPooled(spans: readonly SpanData[]): PooledRequest {
  const w = takeWriter();
  try {
    encodeInto(w, spans);
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

/** OTLP/protobuf `ExportTraceServiceRequest` for these spans (a fresh copy, safe to keep). */
export function encodeTraceRequest(spans: readonly SpanData[]): Uint8Array {
  const w = takeWriter();
  try {
    encodeInto(w, spans);
    return w.finish();
  } finally {
    giveBack(w);
  }
}

// ---- decoding of the little the exporter reads back -------------------------------------------
