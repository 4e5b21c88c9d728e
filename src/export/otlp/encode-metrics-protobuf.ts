import type {
  Exemplar,
  ExponentialBuckets,
  ExponentialHistogramPoint,
  HistogramPoint,
  MetricData,
  NumberKind,
  NumberPoint,
  ResourceMetrics,
} from '../../metrics/data';
import type { ProtoWriter } from './protobuf-writer';
import {
  encodeCopy,
  encodePooled,
  resourceBytes,
  scopeBytes,
  writeAttributesRecord,
  writeStringField,
  type PooledRequest,
} from './encode-protobuf-common';

/**
 * OTLP/protobuf encoding of an `ExportMetricsServiceRequest`
 * (opentelemetry/proto/collector/metrics/v1/metrics_service.proto, metrics.proto).
 *
 * Field tags used below, as (field number << 3 | wire type), written in ascending field order:
 *   ExportMetricsServiceRequest: resource_metrics=1 (0x0a)
 *   ResourceMetrics: resource=1 (0x0a), scope_metrics=2 (0x12), schema_url=3 (0x1a)
 *   ScopeMetrics: scope=1 (0x0a), metrics=2 (0x12), schema_url=3 (0x1a)
 *   Metric: name=1 (0x0a), description=2 (0x12), unit=3 (0x1a), gauge=5 (0x2a), sum=7 (0x3a),
 *           histogram=9 (0x4a), exponential_histogram=10 (0x52)
 *   Gauge: data_points=1 (0x0a)
 *   Sum: data_points=1 (0x0a), aggregation_temporality=2 (0x10), is_monotonic=3 (0x18)
 *   Histogram / ExponentialHistogram: data_points=1 (0x0a), aggregation_temporality=2 (0x10)
 *   NumberDataPoint: start_time_unix_nano=2 fixed64 (0x11), time_unix_nano=3 fixed64 (0x19),
 *         as_double=4 (0x21), exemplars=5 (0x2a), as_int=6 sfixed64 (0x31), attributes=7 (0x3a)
 *   HistogramDataPoint: start=2 (0x11), time=3 (0x19), count=4 fixed64 (0x21), sum=5 (0x29),
 *         bucket_counts=6 packed fixed64 (0x32), explicit_bounds=7 packed double (0x3a),
 *         exemplars=8 (0x42), attributes=9 (0x4a), min=11 (0x59), max=12 (0x61)
 *   ExponentialHistogramDataPoint: attributes=1 (0x0a), start=2 (0x11), time=3 (0x19),
 *         count=4 (0x21), sum=5 (0x29), scale=6 sint32 (0x30), zero_count=7 fixed64 (0x39),
 *         positive=8 (0x42), negative=9 (0x4a), exemplars=11 (0x5a), min=12 (0x61),
 *         max=13 (0x69), zero_threshold=14 double (0x71)
 *   ExponentialHistogramDataPoint.Buckets: offset=1 sint32 (0x08), bucket_counts=2 packed uint64 (0x12)
 *   Exemplar: time_unix_nano=2 fixed64 (0x11), as_double=3 (0x19), span_id=4 (0x22),
 *         trace_id=5 (0x2a), as_int=6 sfixed64 (0x31), filtered_attributes=7 (0x3a)
 * Proto3 defaults are left out (empty strings, zero counts, flags 0, scale 0); the `optional`
 * fields (sum, min, max) and the value oneofs are written whenever they are present, zero included.
 */

const TWO_32 = 4294967296;
const TWO_63 = 2 ** 63;

/** OTLP AggregationTemporality: DELTA = 1, CUMULATIVE = 2. */
function temporalityNumber(t: 'delta' | 'cumulative'): number {
  return t === 'delta' ? 1 : 2;
}

/**
 * Whether a value goes out as `as_int`: an int instrument's value that an sfixed64 holds exactly.
 * Anything else (a fraction, NaN, an infinity, beyond int64) stays a double rather than be altered.
 */
function isInt64(kind: NumberKind, v: number): boolean {
  return kind === 'int' && Number.isInteger(v) && v >= -TWO_63 && v < TWO_63;
}

/** An integer in [-2^63, 2^63) as sfixed64 (two's complement, little-endian). */
function sfixed64(w: ProtoWriter, v: number): void {
  const hi = Math.floor(v / TWO_32); // exact: dividing by a power of two
  const lo = v - hi * TWO_32;
  w.fixed64(lo >>> 0, hi >>> 0);
}

/** A non-negative integer count (below 2^53) as fixed64. */
function fixed64Count(w: ProtoWriter, v: number): void {
  const hi = Math.floor(v / TWO_32);
  w.fixed64((v - hi * TWO_32) >>> 0, hi >>> 0);
}

function zigzag32(v: number): number {
  return ((v << 1) ^ (v >> 31)) >>> 0;
}

/** `tag` + a double, for fields with presence (written even when 0). */
function writeDoubleField(w: ProtoWriter, tag: number, v: number | undefined): void {
  if (v === undefined) return;
  w.ensure(1);
  w.byte(tag);
  w.double(v);
}

function writeExemplar(w: ProtoWriter, tag: number, kind: NumberKind, e: Exemplar): void {
  w.ensure(12);
  w.byte(tag);
  const start = w.fork(1);
  w.byte(0x11);
  w.timeMs(e.time);
  // as_double (3) comes before the ids, as_int (6) after them: ascending field order
  const asInt = isInt64(kind, e.value);
  if (!asInt) writeDoubleField(w, 0x19, e.value);
  if (e.spanId) {
    w.ensure(1);
    w.byte(0x22);
    w.hexBytes(e.spanId, 8);
  }
  if (e.traceId) {
    w.ensure(1);
    w.byte(0x2a);
    w.hexBytes(e.traceId, 16);
  }
  if (asInt) {
    w.ensure(1);
    w.byte(0x31);
    sfixed64(w, e.value);
  }
  writeAttributesRecord(w, 0x3a, e.filteredAttributes as Record<string, unknown>);
  w.ldelim(start, 1);
}

function writeExemplars(w: ProtoWriter, tag: number, kind: NumberKind, exemplars: readonly Exemplar[]): void {
  for (let i = 0; i < exemplars.length; i++) writeExemplar(w, tag, kind, exemplars[i]!);
}

/** start_time_unix_nano (2) and time_unix_nano (3): the same tags in every data point. */
function writeTimes(w: ProtoWriter, startTime: number, time: number): void {
  w.ensure(18);
  w.byte(0x11);
  w.timeMs(startTime);
  w.byte(0x19);
  w.timeMs(time);
}

function writeNumberPoint(w: ProtoWriter, kind: NumberKind, p: NumberPoint): void {
  w.ensure(1);
  w.byte(0x0a); // Gauge / Sum .data_points
  const start = w.fork(1);
  writeTimes(w, p.startTime, p.time);
  const asInt = isInt64(kind, p.value);
  if (!asInt) writeDoubleField(w, 0x21, p.value);
  writeExemplars(w, 0x2a, kind, p.exemplars);
  if (asInt) {
    w.ensure(1);
    w.byte(0x31);
    sfixed64(w, p.value);
  }
  writeAttributesRecord(w, 0x3a, p.attributes as Record<string, unknown>);
  w.ldelim(start, 1);
}

/** `tag` + a fixed64 count, left out when 0 (a proto3 default). */
function writeCountField(w: ProtoWriter, tag: number, v: number): void {
  if (!(v > 0)) return;
  w.ensure(1);
  w.byte(tag);
  fixed64Count(w, v);
}

function writeHistogramPoint(w: ProtoWriter, kind: NumberKind, p: HistogramPoint): void {
  w.ensure(1);
  w.byte(0x0a);
  const start = w.fork(2);
  writeTimes(w, p.startTime, p.time);
  writeCountField(w, 0x21, p.count);
  writeDoubleField(w, 0x29, p.sum);
  const counts = p.bucketCounts;
  if (counts.length > 0) {
    w.ensure(1);
    w.byte(0x32);
    w.varint(counts.length * 8);
    for (let i = 0; i < counts.length; i++) fixed64Count(w, counts[i]!);
  }
  const bounds = p.bounds;
  if (bounds.length > 0) {
    w.ensure(1);
    w.byte(0x3a);
    w.varint(bounds.length * 8);
    for (let i = 0; i < bounds.length; i++) w.double(bounds[i]!);
  }
  writeExemplars(w, 0x42, kind, p.exemplars);
  writeAttributesRecord(w, 0x4a, p.attributes as Record<string, unknown>);
  writeDoubleField(w, 0x59, p.min);
  writeDoubleField(w, 0x61, p.max);
  w.ldelim(start, 2);
}

/** `tag` + Buckets{offset, bucket_counts}; always written, so that the receiver sees the offset. */
function writeBuckets(w: ProtoWriter, tag: number, b: ExponentialBuckets): void {
  w.ensure(1);
  w.byte(tag);
  const start = w.fork(1);
  if (b.offset !== 0) {
    w.ensure(1);
    w.byte(0x08);
    w.varint(zigzag32(b.offset));
  }
  const counts = b.bucketCounts;
  if (counts.length > 0) {
    w.ensure(1);
    w.byte(0x12);
    const packed = w.fork(1);
    for (let i = 0; i < counts.length; i++) w.varint(counts[i]!);
    w.ldelim(packed, 1);
  }
  w.ldelim(start, 1);
}

function writeExponentialPoint(w: ProtoWriter, kind: NumberKind, p: ExponentialHistogramPoint): void {
  w.ensure(1);
  w.byte(0x0a);
  const start = w.fork(2);
  writeAttributesRecord(w, 0x0a, p.attributes as Record<string, unknown>);
  writeTimes(w, p.startTime, p.time);
  writeCountField(w, 0x21, p.count);
  writeDoubleField(w, 0x29, p.sum);
  if (p.scale !== 0) {
    w.ensure(1);
    w.byte(0x30);
    w.varint(zigzag32(p.scale));
  }
  writeCountField(w, 0x39, p.zeroCount);
  writeBuckets(w, 0x42, p.positive);
  writeBuckets(w, 0x4a, p.negative);
  writeExemplars(w, 0x5a, kind, p.exemplars);
  writeDoubleField(w, 0x61, p.min);
  writeDoubleField(w, 0x69, p.max);
  if (p.zeroThreshold !== 0) writeDoubleField(w, 0x71, p.zeroThreshold);
  w.ldelim(start, 2);
}

/** `tag` + aggregation_temporality, as the second field of Sum / Histogram / ExponentialHistogram. */
function writeTemporality(w: ProtoWriter, t: 'delta' | 'cumulative'): void {
  w.ensure(2);
  w.byte(0x10);
  w.byte(temporalityNumber(t));
}

function writeMetric(w: ProtoWriter, m: MetricData): void {
  w.ensure(1);
  w.byte(0x12); // ScopeMetrics.metrics
  const start = w.fork(3);
  writeStringField(w, 0x0a, m.name);
  writeStringField(w, 0x12, m.description);
  writeStringField(w, 0x1a, m.unit);
  const kind = m.numberKind;
  w.ensure(1);
  switch (m.type) {
    case 'gauge': {
      w.byte(0x2a);
      const data = w.fork(3);
      for (let i = 0; i < m.points.length; i++) writeNumberPoint(w, kind, m.points[i]!);
      w.ldelim(data, 3);
      break;
    }
    case 'sum': {
      w.byte(0x3a);
      const data = w.fork(3);
      for (let i = 0; i < m.points.length; i++) writeNumberPoint(w, kind, m.points[i]!);
      writeTemporality(w, m.temporality);
      if (m.monotonic) {
        w.ensure(2);
        w.byte(0x18);
        w.byte(1);
      }
      w.ldelim(data, 3);
      break;
    }
    case 'histogram': {
      w.byte(0x4a);
      const data = w.fork(3);
      for (let i = 0; i < m.points.length; i++) writeHistogramPoint(w, kind, m.points[i]!);
      writeTemporality(w, m.temporality);
      w.ldelim(data, 3);
      break;
    }
    case 'exponentialHistogram': {
      w.byte(0x52);
      const data = w.fork(3);
      for (let i = 0; i < m.points.length; i++) writeExponentialPoint(w, kind, m.points[i]!);
      writeTemporality(w, m.temporality);
      w.ldelim(data, 3);
      break;
    }
  }
  w.ldelim(start, 3);
}

/** Encodes into `w` from its start. A collection with no scope is an empty request. */
function encodeInto(w: ProtoWriter, rm: ResourceMetrics): void {
  w.reset();
  if (rm.scopeMetrics.length === 0) return;
  w.ensure(1);
  w.byte(0x0a); // ExportMetricsServiceRequest.resource_metrics
  const rs = w.fork(3);
  w.raw(resourceBytes(rm.resource));
  for (const sm of rm.scopeMetrics) {
    w.ensure(1);
    w.byte(0x12); // ResourceMetrics.scope_metrics
    const ss = w.fork(3);
    w.raw(scopeBytes(sm.scope));
    for (let i = 0; i < sm.metrics.length; i++) writeMetric(w, sm.metrics[i]!);
    writeStringField(w, 0x1a, sm.scope.schemaUrl);
    w.ldelim(ss, 3);
  }
  writeStringField(w, 0x1a, rm.resource.schemaUrl);
  w.ldelim(rs, 3);
}

/** OTLP/protobuf `ExportMetricsServiceRequest` in a pooled buffer (see `encodePooled`): `release()` it once sent. */
export function encodeMetricsRequestPooled(metrics: ResourceMetrics): PooledRequest {
  return encodePooled(encodeInto, metrics);
}

/** OTLP/protobuf `ExportMetricsServiceRequest` for one collection (a fresh copy, safe to keep). */
export function encodeMetricsRequest(metrics: ResourceMetrics): Uint8Array {
  return encodeCopy(encodeInto, metrics);
}
