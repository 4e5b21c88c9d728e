/**
 * Test kit: an independent decoder for OTLP trace export requests.
 *
 * Protobuf bodies are decoded with protobufjs against the official OpenTelemetry .proto files
 * (loaded from node_modules: the `@elastic/mockotlpserver` package ships opentelemetry-proto v1.4);
 * OTLP/JSON bodies are read by hand following the OTLP JSON rules. Both give the same flat shape:
 *
 *   decodeTraceRequest(bytes)      -> DecodedSpan[]   (ExportTraceServiceRequest, protobuf)
 *   decodeTraceRequestJson(body)   -> DecodedSpan[]   (ExportTraceServiceRequest, OTLP/JSON)
 *   encodeTraceResponse(ps?)       -> Uint8Array      (ExportTraceServiceResponse, protobuf)
 *   protoRoot()                    -> protobuf.Root   (for anything else)
 *
 * A DecodedSpan has ids as lower-case hex ('' → undefined for parentSpanId), times as bigint
 * nanoseconds, enums as the OTLP integers, attributes flattened into a Record (string, boolean,
 * number for int and double (bigint for an int beyond 2^53), arrays as arrays, kvlists as
 * records, bytes as Uint8Array, an empty AnyValue as null) with `attributeTypes` naming the AnyValue
 * case of each span attribute, and the resource and scope it was grouped under attached, with the
 * index of its ResourceSpans and of its ScopeSpans within that.
 */
import * as path from 'node:path';
import * as protobuf from 'protobufjs';

/** OTLP's span kinds and status codes as the decoder reports them (the proto's enum numbers). */
export const KIND_INTERNAL = 1;
export const KIND_SERVER = 2;
export const KIND_CLIENT = 3;
export const STATUS_UNSET = 0;
export const STATUS_ERROR = 2;

export type AnyValueType = 'string' | 'bool' | 'int' | 'double' | 'array' | 'kvlist' | 'bytes' | 'empty';

export interface DecodedEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Record<string, unknown>;
  droppedAttributesCount: number;
}

export interface DecodedLink {
  traceId: string;
  spanId: string;
  traceState: string;
  flags: number;
  attributes: Record<string, unknown>;
  droppedAttributesCount: number;
}

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, unknown>;
  attributeTypes: Record<string, AnyValueType>;
  droppedAttributesCount: number;
  events: DecodedEvent[];
  droppedEventsCount: number;
  links: DecodedLink[];
  droppedLinksCount: number;
  status: { code: number; message: string };
  resource: { attributes: Record<string, unknown>; droppedAttributesCount: number; schemaUrl: string };
  scope: { name: string; version: string; attributes: Record<string, unknown>; schemaUrl: string };
  /** Index of the ResourceSpans this span came in, and of its ScopeSpans within it. */
  resourceIndex: number;
  scopeIndex: number;
}

let root: protobuf.Root | undefined;

/** The official protos, loaded once. */
export function protoRoot(): protobuf.Root {
  if (root !== undefined) return root;
  const base = path.dirname(require.resolve('@elastic/mockotlpserver/package.json'));
  const r = new protobuf.Root();
  r.resolvePath = (_origin: string, target: string) => (path.isAbsolute(target) ? target : path.join(base, target));
  r.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto');
  r.resolveAll();
  root = r;
  return r;
}

function requestType(): protobuf.Type {
  return protoRoot().lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
}

/** ExportTraceServiceResponse bytes, with a partial_success when given. */
export function encodeTraceResponse(partialSuccess?: { rejectedSpans: number; errorMessage?: string }): Uint8Array {
  const t = protoRoot().lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
  const msg = partialSuccess
    ? { partialSuccess: { rejectedSpans: partialSuccess.rejectedSpans, errorMessage: partialSuccess.errorMessage ?? '' } }
    : {};
  return t.encode(t.fromObject(msg)).finish();
}

/** Re-encodes a protobuf request with protobufjs (for byte-identity checks). */
export function reencodeWithProtobufjs(bytes: Uint8Array): Uint8Array {
  const t = requestType();
  return t.encode(t.decode(bytes)).finish();
}

// ---- protobuf ---------------------------------------------------------------------------------

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

const hex = (b: Uint8Array | undefined): string => (b === undefined ? '' : Buffer.from(b).toString('hex'));

function intFromString(s: string): number | bigint {
  const b = BigInt(s);
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

function anyValueType(v: Obj | undefined): AnyValueType {
  if (v === undefined || v === null) return 'empty';
  if (v['stringValue'] !== undefined) return 'string';
  if (v['boolValue'] !== undefined) return 'bool';
  if (v['intValue'] !== undefined) return 'int';
  if (v['doubleValue'] !== undefined) return 'double';
  if (v['arrayValue'] !== undefined) return 'array';
  if (v['kvlistValue'] !== undefined) return 'kvlist';
  if (v['bytesValue'] !== undefined) return 'bytes';
  return 'empty';
}

/** A value of a decoded (toObject) or JSON AnyValue, flattened. */
function flatValue(v: Obj | undefined): unknown {
  switch (anyValueType(v)) {
    case 'string':
      return String(v!['stringValue']);
    case 'bool':
      return Boolean(v!['boolValue']);
    case 'int':
      return intFromString(String(v!['intValue']));
    case 'double': {
      const d = v!['doubleValue'];
      return typeof d === 'number' ? d : Number(d);
    }
    case 'array':
      return ((v!['arrayValue']['values'] ?? []) as Obj[]).map(flatValue);
    case 'kvlist':
      return flatAttributes(v!['kvlistValue']['values']);
    case 'bytes': {
      const b = v!['bytesValue'];
      return typeof b === 'string' ? new Uint8Array(Buffer.from(b, 'base64')) : new Uint8Array(b);
    }
    default:
      return null;
  }
}

function flatAttributes(kvs: Obj[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of kvs ?? []) out[kv['key']] = flatValue(kv['value']);
  return out;
}

function attributeTypes(kvs: Obj[] | undefined): Record<string, AnyValueType> {
  const out: Record<string, AnyValueType> = {};
  for (const kv of kvs ?? []) out[kv['key']] = anyValueType(kv['value']);
  return out;
}

/** Flattens a request already in toObject/JSON-like form; `id` turns an id field into hex. */
function flatten(req: Obj, id: (v: any) => string): DecodedSpan[] {
  const out: DecodedSpan[] = [];
  const rss: Obj[] = req['resourceSpans'] ?? [];
  rss.forEach((rs, resourceIndex) => {
    const resource = {
      attributes: flatAttributes(rs['resource']?.['attributes']),
      droppedAttributesCount: Number(rs['resource']?.['droppedAttributesCount'] ?? 0),
      schemaUrl: String(rs['schemaUrl'] ?? ''),
    };
    const sss: Obj[] = rs['scopeSpans'] ?? [];
    sss.forEach((ss, scopeIndex) => {
      const scope = {
        name: String(ss['scope']?.['name'] ?? ''),
        version: String(ss['scope']?.['version'] ?? ''),
        attributes: flatAttributes(ss['scope']?.['attributes']),
        schemaUrl: String(ss['schemaUrl'] ?? ''),
      };
      for (const s of (ss['spans'] ?? []) as Obj[]) {
        const parent = id(s['parentSpanId']);
        out.push({
          traceId: id(s['traceId']),
          spanId: id(s['spanId']),
          parentSpanId: parent === '' ? undefined : parent,
          traceState: String(s['traceState'] ?? ''),
          flags: Number(s['flags'] ?? 0),
          name: String(s['name'] ?? ''),
          kind: enumValue(s['kind'], SPAN_KINDS),
          startTimeUnixNano: BigInt(s['startTimeUnixNano'] ?? 0),
          endTimeUnixNano: BigInt(s['endTimeUnixNano'] ?? 0),
          attributes: flatAttributes(s['attributes']),
          attributeTypes: attributeTypes(s['attributes']),
          droppedAttributesCount: Number(s['droppedAttributesCount'] ?? 0),
          events: ((s['events'] ?? []) as Obj[]).map((e) => ({
            name: String(e['name'] ?? ''),
            timeUnixNano: BigInt(e['timeUnixNano'] ?? 0),
            attributes: flatAttributes(e['attributes']),
            droppedAttributesCount: Number(e['droppedAttributesCount'] ?? 0),
          })),
          droppedEventsCount: Number(s['droppedEventsCount'] ?? 0),
          links: ((s['links'] ?? []) as Obj[]).map((l) => ({
            traceId: id(l['traceId']),
            spanId: id(l['spanId']),
            traceState: String(l['traceState'] ?? ''),
            flags: Number(l['flags'] ?? 0),
            attributes: flatAttributes(l['attributes']),
            droppedAttributesCount: Number(l['droppedAttributesCount'] ?? 0),
          })),
          droppedLinksCount: Number(s['droppedLinksCount'] ?? 0),
          status: {
            code: enumValue(s['status']?.['code'], STATUS_CODES),
            message: String(s['status']?.['message'] ?? ''),
          },
          resource,
          scope,
          resourceIndex,
          scopeIndex,
        });
      }
    });
  });
  return out;
}

const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

function enumValue(v: unknown, names: string[]): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'string' && names.includes(v)) return names.indexOf(v);
  return Number(v);
}

/** Decodes an OTLP/protobuf ExportTraceServiceRequest into flat spans. */
export function decodeTraceRequest(bytes: Uint8Array): DecodedSpan[] {
  const t = requestType();
  const obj = t.toObject(t.decode(bytes), { longs: String, enums: Number, bytes: Array, defaults: false, oneofs: false });
  // bytes: Array gives number[]; turn ids back into hex, and bytes_value back into Uint8Array
  return flatten(obj, (v) => (v === undefined || v === null ? '' : hex(Uint8Array.from(v as number[]))));
}

/** Decodes an OTLP/JSON ExportTraceServiceRequest (string, bytes or parsed) into flat spans. */
export function decodeTraceRequestJson(body: string | Uint8Array | object): DecodedSpan[] {
  const obj =
    typeof body === 'string'
      ? JSON.parse(body)
      : body instanceof Uint8Array
        ? JSON.parse(Buffer.from(body).toString('utf8'))
        : body;
  // OTLP/JSON ids are hex strings
  return flatten(obj as Obj, (v) => (v === undefined || v === null ? '' : String(v).toLowerCase()));
}
