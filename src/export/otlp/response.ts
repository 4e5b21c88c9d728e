import { printable } from '../../secrets';
import type { Signal } from './explain';

/**
 * What an OTLP receiver answers, decoded for any signal: the partial success of an export
 * response (protobuf or JSON) and the message of an error response (google.rpc.Status or text).
 */

interface Field {
  no: number;
  wire: number;
  varint?: number;
  bytes?: Uint8Array;
}

/** Top-level fields of a protobuf message; undefined when it is not well-formed. */
function readFields(b: Uint8Array): Field[] | undefined {
  const out: Field[] = [];
  let p = 0;
  const readVarint = (): number | undefined => {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= b.length) return undefined;
      const byte = b[p++]!;
      v += (byte & 0x7f) * mul;
      mul *= 128;
      if (byte < 0x80) return v;
    }
    return undefined;
  };
  while (p < b.length) {
    const key = readVarint();
    if (key === undefined) return undefined;
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      const v = readVarint();
      if (v === undefined) return undefined;
      out.push({ no, wire, varint: v });
    } else if (wire === 2) {
      const len = readVarint();
      if (len === undefined || p + len > b.length) return undefined;
      out.push({ no, wire, bytes: b.subarray(p, p + len) });
      p += len;
    } else if (wire === 1) {
      p += 8;
    } else if (wire === 5) {
      p += 4;
    } else {
      return undefined;
    }
  }
  return p === b.length ? out : undefined;
}

export interface PartialSuccess {
  /** rejected_spans, rejected_data_points or rejected_log_records: field 1 of every signal's message. */
  rejected: number;
  errorMessage: string;
}

/**
 * `partial_success` of an Export*ServiceResponse, when the body has one. Every signal numbers it
 * the same way (partial_success = 1; in it, the rejected count = 1 and error_message = 2).
 */
export function decodePartialSuccess(body: Uint8Array): PartialSuccess | undefined {
  const fields = readFields(body);
  const ps = fields?.find((f) => f.no === 1 && f.wire === 2);
  if (ps === undefined || ps.bytes === undefined) return undefined;
  const inner = readFields(ps.bytes);
  if (inner === undefined) return undefined;
  let rejected = 0;
  let errorMessage = '';
  for (const f of inner) {
    if (f.no === 1 && f.wire === 0) rejected = f.varint! >= 2 ** 63 ? f.varint! - 2 ** 64 : f.varint!;
    else if (f.no === 2 && f.wire === 2) errorMessage = Buffer.from(f.bytes!).toString('utf8');
  }
  return { rejected, errorMessage };
}

/** `message` of a google.rpc.Status body (what OTLP/HTTP receivers send with a 4xx/5xx). */
export function decodeRpcStatusMessage(body: Uint8Array): string | undefined {
  const fields = readFields(body);
  const m = fields?.find((f) => f.no === 2 && f.wire === 2);
  return m?.bytes === undefined ? undefined : Buffer.from(m.bytes).toString('utf8');
}

/** The JSON name of the rejected count in each signal's partial success. */
const REJECTED_JSON: Record<Signal, string> = { traces: 'rejectedSpans', metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords' };

/** `partialSuccess` of an OTLP/JSON Export*ServiceResponse body of `signal`, when it has one. */
export function decodePartialSuccessJson(body: Uint8Array, signal: Signal = 'traces'): PartialSuccess | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as { partialSuccess?: Record<string, unknown> };
    const ps = parsed?.partialSuccess;
    if (ps === undefined || ps === null || typeof ps !== 'object') return undefined;
    return { rejected: Number(ps[REJECTED_JSON[signal]] ?? 0) || 0, errorMessage: String(ps['errorMessage'] ?? '') };
  } catch {
    return undefined;
  }
}

/** What a successful answer's partial success rejected: the count, and why (printable, secrets masked). */
export interface Rejection {
  readonly rejected: number;
  /** `: <the receiver's message>`, or '' when it gave none. */
  readonly why: string;
}

/**
 * The partial success of a successful answer when it rejected anything (the exporter and the
 * doctor both say it); undefined when the body says nothing was rejected.
 */
export function rejectionOf(body: Uint8Array | undefined, json: boolean, signal: Signal, secrets: readonly string[]): Rejection | undefined {
  if (body === undefined || body.length === 0) return undefined;
  const ps = json ? decodePartialSuccessJson(body, signal) : decodePartialSuccess(body);
  if (ps === undefined || !(ps.rejected > 0)) return undefined;
  return { rejected: ps.rejected, why: ps.errorMessage ? `: ${printable(ps.errorMessage, secrets)}` : '' };
}

/** A short, printable piece of an error response body, header values masked. */
export function bodySnippet(body: Uint8Array, contentType: string | undefined, secrets: readonly string[] = []): string {
  if (body.length === 0) return '';
  const ct = (contentType ?? '').toLowerCase();
  let text: string | undefined;
  if (ct.includes('protobuf')) {
    text = decodeRpcStatusMessage(body);
  } else if (ct.includes('json')) {
    const raw = Buffer.from(body).toString('utf8');
    try {
      const parsed = JSON.parse(raw) as { message?: unknown };
      text = typeof parsed?.message === 'string' ? parsed.message : raw;
    } catch {
      text = raw;
    }
  } else if (ct === '' || ct.startsWith('text/')) {
    text = Buffer.from(body).toString('utf8');
  }
  if (text === undefined) return '';
  return printable(text, secrets);
}
