import { printable } from '../../secrets';

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
  rejectedSpans: number;
  errorMessage: string;
}

/** `partial_success` of an ExportTraceServiceResponse, when the body has one. */
export function decodePartialSuccess(body: Uint8Array): PartialSuccess | undefined {
  const fields = readFields(body);
  const ps = fields?.find((f) => f.no === 1 && f.wire === 2);
  if (ps === undefined || ps.bytes === undefined) return undefined;
  const inner = readFields(ps.bytes);
  if (inner === undefined) return undefined;
  let rejectedSpans = 0;
  let errorMessage = '';
  for (const f of inner) {
    if (f.no === 1 && f.wire === 0) rejectedSpans = f.varint! >= 2 ** 63 ? f.varint! - 2 ** 64 : f.varint!;
    else if (f.no === 2 && f.wire === 2) errorMessage = Buffer.from(f.bytes!).toString('utf8');
  }
  return { rejectedSpans, errorMessage };
}

/** `message` of a google.rpc.Status body (what OTLP/HTTP receivers send with a 4xx/5xx). */
export function decodeRpcStatusMessage(body: Uint8Array): string | undefined {
  const fields = readFields(body);
  const m = fields?.find((f) => f.no === 2 && f.wire === 2);
  return m?.bytes === undefined ? undefined : Buffer.from(m.bytes).toString('utf8');
}

/** `partialSuccess` of an OTLP/JSON ExportTraceServiceResponse body, when it has one. */
export function decodePartialSuccessJson(body: Uint8Array): { rejectedSpans: number; errorMessage: string } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as {
      partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string };
    };
    const ps = parsed?.partialSuccess;
    if (ps === undefined || ps === null || typeof ps !== 'object') return undefined;
    return { rejectedSpans: Number(ps.rejectedSpans ?? 0) || 0, errorMessage: String(ps.errorMessage ?? '') };
  } catch {
    return undefined;
  }
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
