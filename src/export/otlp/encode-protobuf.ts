import type { InstrumentationScope, SpanData, SpanEventData, SpanLinkData } from '../../sdk/span-data';
import { idBytesOf } from '../../sdk/ids';
import type { ProtoWriter } from './protobuf-writer';
import {
  encodeCopy,
  encodePooled,
  groupByScope,
  keyBytes,
  writeAttributesRecord,
  writeKeyValue,
  writeScopedRequest,
  writeStringField,
  writeUintField,
  type PooledRequest,
} from './encode-protobuf-common';

/**
 * OTLP/protobuf encoding of an `ExportTraceServiceRequest`
 * (opentelemetry/proto/collector/trace/v1/trace_service.proto, trace.proto, common.proto, resource.proto).
 *
 * Field tags used below, as (field number << 3 | wire type):
 *   ExportTraceServiceRequest: resource_spans=1 (0x0a)
 *   ResourceSpans: resource=1 (0x0a), scope_spans=2 (0x12), schema_url=3 (0x1a)
 *   ScopeSpans: scope=1 (0x0a), spans=2 (0x12), schema_url=3 (0x1a)
 *   Span: trace_id=1 (0x0a), span_id=2 (0x12), trace_state=3 (0x1a), parent_span_id=4 (0x22),
 *         name=5 (0x2a), kind=6 (0x30), start_time_unix_nano=7 fixed64 (0x39),
 *         end_time_unix_nano=8 fixed64 (0x41), attributes=9 (0x4a), dropped_attributes_count=10 (0x50),
 *         events=11 (0x5a), dropped_events_count=12 (0x60), links=13 (0x6a),
 *         dropped_links_count=14 (0x70), status=15 (0x7a), flags=16 fixed32 (0x85 0x01)
 *   Span.Event: time_unix_nano=1 fixed64 (0x09), name=2 (0x12), attributes=3 (0x1a), dropped=4 (0x20)
 *   Span.Link: trace_id=1 (0x0a), span_id=2 (0x12), trace_state=3 (0x1a), attributes=4 (0x22),
 *              dropped_attributes_count=5 (0x28), flags=6 fixed32 (0x35)
 *   Status: message=2 (0x12), code=3 (0x18)
 *   (KeyValue, AnyValue, Resource and InstrumentationScope: encode-protobuf-common.ts)
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


const POSITIONS = 64;
/** The attribute values whose KeyValue field is remembered: strings, numbers and booleans. */
type MemoValue = string | number | boolean;
/** The memo's slot for the span's name (after the attribute positions): names recur as values do. */
const NAME = POSITIONS;
const NO_BYTES = new Uint8Array(0);
/** Longer values are not kept: a position must not hold a large string alive. */
const MAX_KEPT_VALUE = 256;

/**
 * What the encoder remembers of the attributes at each position, for one kind of span: spans of
 * one instrumentation and kind set their attributes in the same order, so comparing with the key
 * last seen at a position skips most Map lookups. The value last seen at each position (a string,
 * number or boolean) is kept too, and its whole KeyValue field once the same value came twice in a
 * row: an instrumentation's recurring values (`GET`, `http`, `1.1`, a route, a host, a port, a
 * status code) are copied as bytes, about twice as fast as encoding them character by character.
 */
class PositionMemo {
  readonly keys: (string | undefined)[] = new Array<string | undefined>(POSITIONS).fill(undefined);
  readonly keyBytes: Uint8Array[] = new Array<Uint8Array>(POSITIONS).fill(NO_BYTES);
  /** The last value at each position, and the span's name at NAME. */
  readonly values: (MemoValue | undefined)[] = new Array<MemoValue | undefined>(POSITIONS + 1).fill(undefined);
  readonly fields: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(POSITIONS + 1).fill(undefined);
  /** The run of recurring attributes that starts at each position, once one has recurred. */
  readonly runs: (Run | undefined)[] = new Array<Run | undefined>(POSITIONS).fill(undefined);
}

/**
 * Consecutive attributes whose fields were all copied from the memo: their keys and values, and
 * their KeyValue fields end to end, copied as one block the next time the same keys come with the
 * same values there (one copy instead of one per attribute: a copy is V8's `TypedArray#set`, a
 * call of about 170 instructions, bench:instructions). A run keeps what it encodes, so it is right
 * whatever happened to the positions' memo since it was made.
 */
interface Run {
  readonly keys: readonly string[];
  readonly values: readonly MemoValue[];
  readonly bytes: Uint8Array;
}

function sameRun(run: Run, keys: readonly string[], values: readonly unknown[], from: number): boolean {
  const n = run.keys.length;
  if (from + n > keys.length) return false;
  for (let j = 0; j < n; j++) {
    if (keys[from + j] !== run.keys[j] || values[from + j] !== run.values[j]) return false;
  }
  return true;
}

/** Positions `from` to `to` (exclusive) were all copied from the memo: they become a run. */
function keepRun(memo: PositionMemo, keys: readonly string[], values: readonly unknown[], from: number, to: number): void {
  if (to - from < 2) return;
  let size = 0;
  for (let i = from; i < to; i++) size += memo.fields[i]!.length;
  const bytes = new Uint8Array(size);
  let at = 0;
  for (let i = from; i < to; i++) {
    bytes.set(memo.fields[i]!, at);
    at += memo.fields[i]!.length;
  }
  memo.runs[from] = { keys: keys.slice(from, to), values: values.slice(from, to) as MemoValue[], bytes };
}

/** A span's attributes as `Span.attributes` fields: runs copied whole, the others through the memo. */
function writeAttributes(w: ProtoWriter, memo: PositionMemo, keys: readonly string[], values: readonly unknown[]): void {
  let copiedFrom = -1; // where the current sequence of attributes copied from the memo started
  for (let i = 0; i < keys.length; ) {
    const run = i < POSITIONS ? memo.runs[i] : undefined;
    if (run !== undefined) {
      if (sameRun(run, keys, values, i)) {
        if (copiedFrom >= 0) keepRun(memo, keys, values, copiedFrom, i);
        copiedFrom = -1;
        w.raw(run.bytes);
        i += run.keys.length;
        continue;
      }
      memo.runs[i] = undefined;
    }
    const v = values[i];
    let copied = false;
    if (v !== null && v !== undefined) {
      const kb = spanKeyBytes(memo, keys[i]!, i);
      if (i < POSITIONS && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) copied = writeRecurring(w, memo, i, kb, v);
      else writeKeyValue(w, 0x4a, kb, v);
    }
    if (copied) {
      if (copiedFrom < 0) copiedFrom = i;
    } else if (copiedFrom >= 0) {
      keepRun(memo, keys, values, copiedFrom, i);
      copiedFrom = -1;
    }
    i++;
  }
  if (copiedFrom >= 0) keepRun(memo, keys, values, copiedFrom, keys.length);
}

/**
 * One memo per instrumentation scope and span kind. Spans of different kinds end interleaved (a
 * server span and its framework's spans, a database client's): sharing one memo, each would
 * overwrite what the other kept, and nothing would be found again. Scopes past the limit share one.
 */
const memos = new Map<InstrumentationScope, PositionMemo[]>();
const MAX_SCOPES = 64;
const sharedMemos: PositionMemo[] = [];

function memoOf(scope: InstrumentationScope, otlpKind: number): PositionMemo {
  let byKind = memos.get(scope);
  if (byKind === undefined) {
    if (memos.size >= MAX_SCOPES) byKind = sharedMemos;
    else memos.set(scope, (byKind = []));
  }
  return (byKind[otlpKind] ??= new PositionMemo());
}

function spanKeyBytes(memo: PositionMemo, key: string, i: number): Uint8Array {
  if (i < POSITIONS) {
    if (memo.keys[i] === key) return memo.keyBytes[i]!;
    const kb = keyBytes(key);
    memo.keys[i] = key;
    memo.keyBytes[i] = kb;
    memo.values[i] = memo.fields[i] = undefined;
    return kb;
  }
  return keyBytes(key);
}

/**
 * The value at `slot` (an attribute position below POSITIONS, with its key bytes from
 * `spanKeyBytes`, or NAME for the span's name): a value that came twice in a row there is kept as
 * its encoded field and copied from then on. True when it was copied.
 */
function writeRecurring(w: ProtoWriter, memo: PositionMemo, slot: number, kb: Uint8Array, value: MemoValue): boolean {
  if (memo.values[slot] !== value) {
    memo.values[slot] = typeof value !== 'string' || value.length <= MAX_KEPT_VALUE ? value : undefined;
    memo.fields[slot] = undefined;
    writeSlot(w, slot, kb, value);
    return false;
  }
  const field = memo.fields[slot];
  if (field !== undefined) {
    w.raw(field);
    return true;
  }
  const start = w.pos;
  writeSlot(w, slot, kb, value);
  memo.fields[slot] = Uint8Array.prototype.slice.call(w.buf, start, w.pos); // a copy (Buffer's own slice is a view)
  return false;
}

function writeSlot(w: ProtoWriter, slot: number, kb: Uint8Array, value: MemoValue): void {
  if (slot === NAME) writeStringField(w, 0x2a, value as string);
  else writeKeyValue(w, 0x4a, kb, value);
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

/** An id's bytes: copied from where they were drawn while they are still there, else parsed from the hex. */
function writeId(w: ProtoWriter, hex: string, generation: number | undefined, at: number | undefined, size: number): void {
  const bytes = generation === undefined ? undefined : idBytesOf(generation);
  if (bytes === undefined) w.hexBytes(hex, size);
  else w.idBytes(bytes, at!, size);
}

/** One span as a `ScopeSpans.spans` field (tag, length, Span message). */
export function writeSpan(w: ProtoWriter, s: SpanData): void {
  w.ensure(40);
  w.byte(0x12); // ScopeSpans.spans
  const start = w.fork(2); // 128 B .. 16 KiB: nearly every span
  w.byte(0x0a);
  writeId(w, s.traceId, s.traceIdGen, s.traceIdAt, 16);
  w.ensure(1);
  w.byte(0x12);
  writeId(w, s.spanId, s.spanIdGen, s.spanIdAt, 8);
  writeStringField(w, 0x1a, s.traceState);
  if (s.parentSpanId) {
    w.ensure(1);
    w.byte(0x22);
    writeId(w, s.parentSpanId, s.parentSpanIdGen, s.parentSpanIdAt, 8);
  }
  const kind = otlpSpanKind(s.kind);
  const memo = memoOf(s.scope, kind);
  writeRecurring(w, memo, NAME, NO_BYTES, s.name);
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
  if (keys.length > 0) writeAttributes(w, memo, keys, s.attributeValues);
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

function encodeInto(w: ProtoWriter, spans: readonly SpanData[]): void {
  writeScopedRequest(w, groupByScope(spans), writeSpan);
}


/** OTLP/protobuf `ExportTraceServiceRequest` in a pooled buffer (see `encodePooled`): `release()` it once sent. */
export function encodeTraceRequestPooled(spans: readonly SpanData[]): PooledRequest {
  return encodePooled(encodeInto, spans);
}

/** OTLP/protobuf `ExportTraceServiceRequest` for these spans (a fresh copy, safe to keep). */
export function encodeTraceRequest(spans: readonly SpanData[]): Uint8Array {
  return encodeCopy(encodeInto, spans);
}
