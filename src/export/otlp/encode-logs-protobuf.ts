import type { LogRecordData } from '../../logs/data';
import type { ProtoWriter } from './protobuf-writer';
import {
  encodeCopy,
  encodePooled,
  groupByScope,
  writeAnyValueBody,
  writeAttributesRecord,
  writeScopedRequest,
  writeStringField,
  writeUintField,
  type PooledRequest,
} from './encode-protobuf-common';

/**
 * OTLP/protobuf encoding of an `ExportLogsServiceRequest`
 * (opentelemetry/proto/collector/logs/v1/logs_service.proto, logs.proto).
 *
 *   ExportLogsServiceRequest: resource_logs=1 (0x0a)
 *   ResourceLogs: resource=1 (0x0a), scope_logs=2 (0x12), schema_url=3 (0x1a)
 *   ScopeLogs: scope=1 (0x0a), log_records=2 (0x12), schema_url=3 (0x1a)
 *   LogRecord: time_unix_nano=1 fixed64 (0x09), severity_number=2 (0x10), severity_text=3 (0x1a),
 *              body=5 (0x2a), attributes=6 (0x32), dropped_attributes_count=7 (0x38),
 *              flags=8 fixed32 (0x45), trace_id=9 (0x4a), span_id=10 (0x52),
 *              observed_time_unix_nano=11 fixed64 (0x59), event_name=12 (0x62)
 *   (KeyValue, AnyValue, Resource and InstrumentationScope: encode-protobuf-common.ts)
 */

/**
 * The last id written and its length-prefixed bytes: a batch's records come in runs of the same
 * span's (the lines of one request), and copying 17 or 9 bytes costs less than parsing the hex
 * again (`hexBytes`: one of the encoder's largest frames for a pino line sent).
 */
class LastId {
  private hex: string | undefined = undefined;
  private readonly bytes: Uint8Array;

  constructor(private readonly size: number) {
    this.bytes = new Uint8Array(size + 1);
  }

  write(w: ProtoWriter, hex: string): void {
    if (hex === this.hex) {
      w.raw(this.bytes);
      return;
    }
    const start = w.pos;
    w.hexBytes(hex, this.size);
    // Remembered only when it parsed to `size` bytes (the usual case); an odd id is parsed each time.
    if (w.pos - start === this.size + 1) {
      this.bytes.set(w.buf.subarray(start, w.pos));
      this.hex = hex;
    }
  }
}

const lastTraceId = new LastId(16);
const lastSpanId = new LastId(8);

function writeLogRecord(w: ProtoWriter, r: LogRecordData): void {
  w.ensure(24);
  w.byte(0x12); // ScopeLogs.log_records
  const start = w.fork(2);
  w.byte(0x09);
  w.timeMs(r.timestamp);
  w.ensure(12);
  w.byte(0x59);
  w.timeMs(r.observedTimestamp);
  writeUintField(w, 0x10, r.severityNumber);
  writeStringField(w, 0x1a, r.severityText);
  if (r.body !== undefined && r.body !== null) {
    w.ensure(1);
    w.byte(0x2a);
    const body = w.fork(1);
    writeAnyValueBody(w, r.body);
    w.ldelim(body, 1);
  }
  writeAttributesRecord(w, 0x32, r.attributes);
  writeUintField(w, 0x38, r.droppedAttributesCount);
  if (r.traceId !== undefined && r.spanId !== undefined) {
    w.ensure(6);
    w.byte(0x45);
    w.fixed32(r.traceFlags & 0xff);
    w.ensure(1);
    w.byte(0x4a);
    lastTraceId.write(w, r.traceId);
    w.ensure(1);
    w.byte(0x52);
    lastSpanId.write(w, r.spanId);
  }
  writeStringField(w, 0x62, r.eventName);
  w.ldelim(start, 2);
}

function encodeInto(w: ProtoWriter, records: readonly LogRecordData[]): void {
  writeScopedRequest(w, groupByScope(records), writeLogRecord);
}

/** OTLP/protobuf `ExportLogsServiceRequest` in a pooled buffer (see `encodePooled`): `release()` it once sent. */
export function encodeLogsRequestPooled(records: readonly LogRecordData[]): PooledRequest {
  return encodePooled(encodeInto, records);
}

/** OTLP/protobuf `ExportLogsServiceRequest` for these records (a fresh copy, safe to keep). */
export function encodeLogsRequest(records: readonly LogRecordData[]): Uint8Array {
  return encodeCopy(encodeInto, records);
}
