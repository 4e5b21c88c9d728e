/**
 * Test kit: an independent decoder for OTLP trace and metrics export requests.
 *
 * Protobuf bodies are decoded with protobufjs against the official OpenTelemetry .proto files
 * (loaded from node_modules: the `@elastic/mockotlpserver` package ships opentelemetry-proto v1.4);
 * OTLP/JSON bodies are read by hand following the OTLP JSON rules. Both give the same flat shape:
 *
 *   decodeTraceRequest(bytes)      -> DecodedSpan[]   (ExportTraceServiceRequest, protobuf)
 *   decodeTraceRequestJson(body)   -> DecodedSpan[]   (ExportTraceServiceRequest, OTLP/JSON)
 *   encodeTraceResponse(ps?)       -> Uint8Array      (ExportTraceServiceResponse, protobuf)
 *   decodeMetricsRequest(bytes)    -> DecodedMetric[] (ExportMetricsServiceRequest, protobuf)
 *   decodeMetricsRequestJson(body) -> DecodedMetric[] (ExportMetricsServiceRequest, OTLP/JSON)
 *   encodeMetricsResponse(ps?)     -> Uint8Array      (ExportMetricsServiceResponse, protobuf)
 *   decodeLogsRequest(bytes)       -> DecodedLogRecord[] (ExportLogsServiceRequest, protobuf)
 *   decodeLogsRequestJson(body)    -> DecodedLogRecord[] (ExportLogsServiceRequest, OTLP/JSON)
 *   encodeLogsResponse(ps?)        -> Uint8Array      (ExportLogsServiceResponse, protobuf)
 *   protoRoot()                    -> protobuf.Root   (for anything else)
 *
 * A DecodedSpan has ids as lower-case hex ('' → undefined for parentSpanId), times as bigint
 * nanoseconds, enums as the OTLP integers, attributes flattened into a Record (string, boolean,
 * number for int and double (bigint for an int beyond 2^53), arrays as arrays, kvlists as
 * records, bytes as Uint8Array, an empty AnyValue as null) with `attributeTypes` naming the AnyValue
 * case of each span attribute, and the resource and scope it was grouped under attached, with the
 * index of its ResourceSpans and of its ScopeSpans within that.
 *
 * A DecodedMetric is one Metric with its resource, scope and their indexes attached the same way,
 * its data case as `type`, and points with times as bigint nanoseconds, 64-bit counts as numbers,
 * `value` / exemplar values with `valueType` 'int' (as_int, a number or a bigint beyond 2^53) or
 * 'double'; a field the message did not carry (an absent optional sum/min/max) is undefined.
 *
 * A DecodedLogRecord has times as bigint nanoseconds, ids as hex ('' when absent), the body as a
 * flattened AnyValue (undefined when absent), attributes flattened as for spans, and its resource
 * and scope attached. (The protos are v1.4: LogRecord.event_name, field 12, came in v1.5; the
 * protobuf decoder skips it, the JSON one reads `eventName`.)
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

export interface DecodedResource {
  attributes: Record<string, unknown>;
  droppedAttributesCount: number;
  schemaUrl: string;
}

export interface DecodedScope {
  name: string;
  version: string;
  attributes: Record<string, unknown>;
  schemaUrl: string;
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
  resource: DecodedResource;
  scope: DecodedScope;
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
  r.loadSync('opentelemetry/proto/collector/metrics/v1/metrics_service.proto');
  r.loadSync('opentelemetry/proto/collector/logs/v1/logs_service.proto');
  r.resolveAll();
  root = r;
  return r;
}

function requestType(): protobuf.Type {
  return protoRoot().lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
}

function metricsRequestType(): protobuf.Type {
  return protoRoot().lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
}

/** ExportTraceServiceResponse bytes, with a partial_success when given. */
export function encodeTraceResponse(partialSuccess?: { rejectedSpans: number; errorMessage?: string }): Uint8Array {
  const t = protoRoot().lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
  const msg = partialSuccess
    ? { partialSuccess: { rejectedSpans: partialSuccess.rejectedSpans, errorMessage: partialSuccess.errorMessage ?? '' } }
    : {};
  return t.encode(t.fromObject(msg)).finish();
}

/** ExportMetricsServiceResponse bytes, with a partial_success when given. */
export function encodeMetricsResponse(partialSuccess?: { rejectedDataPoints: number; errorMessage?: string }): Uint8Array {
  const t = protoRoot().lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse');
  const msg = partialSuccess
    ? { partialSuccess: { rejectedDataPoints: partialSuccess.rejectedDataPoints, errorMessage: partialSuccess.errorMessage ?? '' } }
    : {};
  return t.encode(t.fromObject(msg)).finish();
}

/** ExportLogsServiceResponse bytes, with a partial_success when given. */
export function encodeLogsResponse(partialSuccess?: { rejectedLogRecords: number; errorMessage?: string }): Uint8Array {
  const t = protoRoot().lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse');
  const msg = partialSuccess
    ? { partialSuccess: { rejectedLogRecords: partialSuccess.rejectedLogRecords, errorMessage: partialSuccess.errorMessage ?? '' } }
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

/** Keys as the wire has them: `__proto__` too is an own field (an assignment would set the prototype). */
function byKey<T>(kvs: Obj[] | undefined, valueOf: (value: Obj | undefined) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const kv of kvs ?? []) Object.defineProperty(out, kv['key'], { value: valueOf(kv['value']), enumerable: true, writable: true, configurable: true });
  return out;
}

function flatAttributes(kvs: Obj[] | undefined): Record<string, unknown> {
  return byKey(kvs, flatValue);
}

function attributeTypes(kvs: Obj[] | undefined): Record<string, AnyValueType> {
  return byKey(kvs, anyValueType);
}

/** The resource of a ResourceSpans / ResourceMetrics. */
function resourceOf(rs: Obj): DecodedResource {
  return {
    attributes: flatAttributes(rs['resource']?.['attributes']),
    droppedAttributesCount: Number(rs['resource']?.['droppedAttributesCount'] ?? 0),
    schemaUrl: String(rs['schemaUrl'] ?? ''),
  };
}

/** The scope of a ScopeSpans / ScopeMetrics. */
function scopeOf(ss: Obj): DecodedScope {
  return {
    name: String(ss['scope']?.['name'] ?? ''),
    version: String(ss['scope']?.['version'] ?? ''),
    attributes: flatAttributes(ss['scope']?.['attributes']),
    schemaUrl: String(ss['schemaUrl'] ?? ''),
  };
}

/** Flattens a request already in toObject/JSON-like form; `id` turns an id field into hex. */
function flatten(req: Obj, id: (v: any) => string): DecodedSpan[] {
  const out: DecodedSpan[] = [];
  const rss: Obj[] = req['resourceSpans'] ?? [];
  rss.forEach((rs, resourceIndex) => {
    const resource = resourceOf(rs);
    const sss: Obj[] = rs['scopeSpans'] ?? [];
    sss.forEach((ss, scopeIndex) => {
      const scope = scopeOf(ss);
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

/** An OTLP/JSON body as text, bytes or already parsed. */
function parseJson(body: string | Uint8Array | object): unknown {
  if (typeof body === 'string') return JSON.parse(body);
  if (body instanceof Uint8Array) return JSON.parse(Buffer.from(body).toString('utf8'));
  return body;
}

/** Decodes an OTLP/JSON ExportTraceServiceRequest (string, bytes or parsed) into flat spans. */
export function decodeTraceRequestJson(body: string | Uint8Array | object): DecodedSpan[] {
  const obj = parseJson(body);
  // OTLP/JSON ids are hex strings
  return flatten(obj as Obj, (v) => (v === undefined || v === null ? '' : String(v).toLowerCase()));
}

// ---- metrics ------------------------------------------------------------------------------------

export interface DecodedExemplar {
  filteredAttributes: Record<string, unknown>;
  timeUnixNano: bigint;
  value: number | bigint;
  valueType: 'int' | 'double';
  /** Hex; '' when absent. */
  spanId: string;
  traceId: string;
}

export interface DecodedBuckets {
  offset: number;
  bucketCounts: number[];
}

export interface DecodedPoint {
  attributes: Record<string, unknown>;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  flags: number;
  exemplars: DecodedExemplar[];
  /** NumberDataPoint. */
  value?: number | bigint;
  valueType?: 'int' | 'double';
  /** HistogramDataPoint and ExponentialHistogramDataPoint. */
  count?: number;
  sum?: number;
  min?: number;
  max?: number;
  /** HistogramDataPoint. */
  bucketCounts?: number[];
  explicitBounds?: number[];
  /** ExponentialHistogramDataPoint. */
  scale?: number;
  zeroCount?: number;
  zeroThreshold?: number;
  positive?: DecodedBuckets;
  negative?: DecodedBuckets;
}

export type DecodedMetricType = 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary' | 'none';

export interface DecodedMetric {
  name: string;
  description: string;
  unit: string;
  type: DecodedMetricType;
  /** The AggregationTemporality number (1 delta, 2 cumulative); 0 for a gauge. */
  temporality: number;
  monotonic: boolean;
  points: DecodedPoint[];
  resource: DecodedResource;
  scope: DecodedScope;
  resourceIndex: number;
  scopeIndex: number;
}

const TEMPORALITIES = ['AGGREGATION_TEMPORALITY_UNSPECIFIED', 'AGGREGATION_TEMPORALITY_DELTA', 'AGGREGATION_TEMPORALITY_CUMULATIVE'];

/** A double of toObject or OTLP/JSON (where non-finite ones are strings). */
const double = (v: unknown): number | undefined => (v === undefined || v === null ? undefined : Number(v));
/** A 64-bit count (a decimal string in both forms here). */
const count = (v: unknown): number | undefined => (v === undefined || v === null ? undefined : Number(v));

/** The value oneof of a NumberDataPoint or an Exemplar. */
function valueOf(o: Obj): { value: number | bigint; valueType: 'int' | 'double' } | undefined {
  if (o['asInt'] !== undefined && o['asInt'] !== null) return { value: intFromString(String(o['asInt'])), valueType: 'int' };
  if (o['asDouble'] !== undefined && o['asDouble'] !== null) return { value: Number(o['asDouble']), valueType: 'double' };
  return undefined;
}

function bucketsOf(b: Obj | undefined): DecodedBuckets | undefined {
  if (b === undefined || b === null) return undefined;
  return { offset: Number(b['offset'] ?? 0), bucketCounts: ((b['bucketCounts'] ?? []) as unknown[]).map(Number) };
}

function pointOf(p: Obj, id: (v: any) => string): DecodedPoint {
  const out: DecodedPoint = {
    attributes: flatAttributes(p['attributes']),
    startTimeUnixNano: BigInt(p['startTimeUnixNano'] ?? 0),
    timeUnixNano: BigInt(p['timeUnixNano'] ?? 0),
    flags: Number(p['flags'] ?? 0),
    exemplars: ((p['exemplars'] ?? []) as Obj[]).map((e) => {
      const v = valueOf(e);
      return {
        filteredAttributes: flatAttributes(e['filteredAttributes']),
        timeUnixNano: BigInt(e['timeUnixNano'] ?? 0),
        value: v?.value ?? 0,
        valueType: v?.valueType ?? 'double',
        spanId: id(e['spanId']),
        traceId: id(e['traceId']),
      };
    }),
  };
  const v = valueOf(p);
  if (v !== undefined) Object.assign(out, v);
  const fields: Partial<DecodedPoint> = {
    count: count(p['count']),
    sum: double(p['sum']),
    min: double(p['min']),
    max: double(p['max']),
    bucketCounts: (p['bucketCounts'] as unknown[] | undefined)?.map(Number),
    explicitBounds: (p['explicitBounds'] as unknown[] | undefined)?.map(Number),
    scale: p['scale'] === undefined ? undefined : Number(p['scale']),
    zeroCount: count(p['zeroCount']),
    zeroThreshold: double(p['zeroThreshold']),
    positive: bucketsOf(p['positive']),
    negative: bucketsOf(p['negative']),
  };
  for (const [k, value] of Object.entries(fields)) if (value !== undefined) (out as Obj)[k] = value;
  return out;
}

const METRIC_TYPES: DecodedMetricType[] = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'];

function flattenMetrics(req: Obj, id: (v: any) => string): DecodedMetric[] {
  const out: DecodedMetric[] = [];
  ((req['resourceMetrics'] ?? []) as Obj[]).forEach((rm, resourceIndex) => {
    const resource = resourceOf(rm);
    ((rm['scopeMetrics'] ?? []) as Obj[]).forEach((sm, scopeIndex) => {
      const scope = scopeOf(sm);
      for (const m of (sm['metrics'] ?? []) as Obj[]) {
        const type = METRIC_TYPES.find((t) => m[t] !== undefined && m[t] !== null) ?? 'none';
        const data: Obj = type === 'none' ? {} : m[type];
        out.push({
          name: String(m['name'] ?? ''),
          description: String(m['description'] ?? ''),
          unit: String(m['unit'] ?? ''),
          type,
          temporality: enumValue(data['aggregationTemporality'], TEMPORALITIES),
          monotonic: Boolean(data['isMonotonic'] ?? false),
          points: ((data['dataPoints'] ?? []) as Obj[]).map((p) => pointOf(p, id)),
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

/** Decodes an OTLP/protobuf ExportMetricsServiceRequest into flat metrics. */
export function decodeMetricsRequest(bytes: Uint8Array): DecodedMetric[] {
  const t = metricsRequestType();
  const obj = t.toObject(t.decode(bytes), { longs: String, enums: Number, bytes: Array, defaults: false, oneofs: false });
  return flattenMetrics(obj, (v) => (v === undefined || v === null ? '' : hex(Uint8Array.from(v as number[]))));
}

/** Decodes an OTLP/JSON ExportMetricsServiceRequest (string, bytes or parsed) into flat metrics. */
export function decodeMetricsRequestJson(body: string | Uint8Array | object): DecodedMetric[] {
  const obj = parseJson(body);
  return flattenMetrics(obj as Obj, (v) => (v === undefined || v === null ? '' : String(v).toLowerCase()));
}

// ---- logs ---------------------------------------------------------------------------------------

export interface DecodedLogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  /** The flattened AnyValue; undefined when the record has no body. */
  body: unknown;
  bodyType: AnyValueType;
  attributes: Record<string, unknown>;
  attributeTypes: Record<string, AnyValueType>;
  droppedAttributesCount: number;
  flags: number;
  /** Hex; '' when absent. */
  traceId: string;
  spanId: string;
  /** Only from OTLP/JSON (see above); '' otherwise. */
  eventName: string;
  resource: DecodedResource;
  scope: DecodedScope;
  resourceIndex: number;
  scopeIndex: number;
}

const SEVERITY_NUMBERS = [
  'SEVERITY_NUMBER_UNSPECIFIED',
  ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((s) => [s, `${s}2`, `${s}3`, `${s}4`].map((n) => `SEVERITY_NUMBER_${n}`)),
];

function flattenLogs(req: Obj, id: (v: any) => string): DecodedLogRecord[] {
  const out: DecodedLogRecord[] = [];
  ((req['resourceLogs'] ?? []) as Obj[]).forEach((rl, resourceIndex) => {
    const resource = resourceOf(rl);
    ((rl['scopeLogs'] ?? []) as Obj[]).forEach((sl, scopeIndex) => {
      const scope = scopeOf(sl);
      for (const r of (sl['logRecords'] ?? []) as Obj[]) {
        const body = r['body'] as Obj | undefined;
        out.push({
          timeUnixNano: BigInt(r['timeUnixNano'] ?? 0),
          observedTimeUnixNano: BigInt(r['observedTimeUnixNano'] ?? 0),
          severityNumber: enumValue(r['severityNumber'], SEVERITY_NUMBERS),
          severityText: String(r['severityText'] ?? ''),
          body: body === undefined || body === null ? undefined : flatValue(body),
          bodyType: anyValueType(body),
          attributes: flatAttributes(r['attributes']),
          attributeTypes: attributeTypes(r['attributes']),
          droppedAttributesCount: Number(r['droppedAttributesCount'] ?? 0),
          flags: Number(r['flags'] ?? 0),
          traceId: id(r['traceId']),
          spanId: id(r['spanId']),
          eventName: String(r['eventName'] ?? ''),
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

/** Decodes an OTLP/protobuf ExportLogsServiceRequest into flat log records. */
export function decodeLogsRequest(bytes: Uint8Array): DecodedLogRecord[] {
  const t = protoRoot().lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest');
  const obj = t.toObject(t.decode(bytes), { longs: String, enums: Number, bytes: Array, defaults: false, oneofs: false });
  return flattenLogs(obj, (v) => (v === undefined || v === null ? '' : hex(Uint8Array.from(v as number[]))));
}

/** Decodes an OTLP/JSON ExportLogsServiceRequest (string, bytes or parsed) into flat log records. */
export function decodeLogsRequestJson(body: string | Uint8Array | object): DecodedLogRecord[] {
  const obj = parseJson(body);
  return flattenLogs(obj as Obj, (v) => (v === undefined || v === null ? '' : String(v).toLowerCase()));
}
