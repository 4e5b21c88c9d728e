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
import { jsonDouble, keyValues, put, resourceJson, scopeJson } from './encode-json-common';
import { msToNanosBigInt } from './protobuf-writer';

/**
 * OTLP/JSON encoding of an `ExportMetricsServiceRequest`, by the same rules as traces
 * (encode-json.ts): lowerCamelCase names, enums as integers (aggregationTemporality 1 = delta,
 * 2 = cumulative), 64-bit integers as decimal strings (times, `asInt`, `count`, `zeroCount`,
 * `bucketCounts`), doubles as numbers (non-finite ones as strings), ids as lower-case hex,
 * proto3 defaults left out; `sum`, `min`, `max` and the value oneofs appear whenever present.
 */

const TWO_63 = 2 ** 63;

type Json = Record<string, unknown>;

/** `asInt` (a decimal string) for an int instrument's value an int64 holds, `asDouble` otherwise (as the protobuf encoder decides). */
function putValue(o: Json, kind: NumberKind, v: number): void {
  if (kind === 'int' && Number.isInteger(v) && v >= -TWO_63 && v < TWO_63) o['asInt'] = BigInt(v).toString();
  else o['asDouble'] = jsonDouble(v);
}

const nanos = (ms: number): string => msToNanosBigInt(ms).toString();

function exemplarJson(kind: NumberKind, e: Exemplar): Json {
  const o: Json = {};
  put(o, 'filteredAttributes', keyValues(e.filteredAttributes as Record<string, unknown>));
  o['timeUnixNano'] = nanos(e.time);
  putValue(o, kind, e.value);
  put(o, 'spanId', e.spanId);
  put(o, 'traceId', e.traceId);
  return o;
}

/** Attributes, times and exemplars: the fields every data point has. */
function pointBase(kind: NumberKind, p: NumberPoint | HistogramPoint | ExponentialHistogramPoint): Json {
  const o: Json = {};
  put(o, 'attributes', keyValues(p.attributes as Record<string, unknown>));
  o['startTimeUnixNano'] = nanos(p.startTime);
  o['timeUnixNano'] = nanos(p.time);
  put(o, 'exemplars', p.exemplars.map((e) => exemplarJson(kind, e)));
  return o;
}

function putOptionalDouble(o: Json, key: string, v: number | undefined): void {
  if (v !== undefined) o[key] = jsonDouble(v);
}

function numberPointJson(kind: NumberKind, p: NumberPoint): Json {
  const o = pointBase(kind, p);
  putValue(o, kind, p.value);
  return o;
}

function histogramPointJson(kind: NumberKind, p: HistogramPoint): Json {
  const o = pointBase(kind, p);
  put(o, 'count', p.count > 0 ? String(p.count) : undefined);
  putOptionalDouble(o, 'sum', p.sum);
  put(o, 'bucketCounts', p.bucketCounts.map(String));
  put(o, 'explicitBounds', p.bounds.map(jsonDouble));
  putOptionalDouble(o, 'min', p.min);
  putOptionalDouble(o, 'max', p.max);
  return o;
}

function bucketsJson(b: ExponentialBuckets): Json {
  const o: Json = {};
  put(o, 'offset', b.offset);
  put(o, 'bucketCounts', b.bucketCounts.map(String));
  return o;
}

function exponentialPointJson(kind: NumberKind, p: ExponentialHistogramPoint): Json {
  const o = pointBase(kind, p);
  put(o, 'count', p.count > 0 ? String(p.count) : undefined);
  putOptionalDouble(o, 'sum', p.sum);
  put(o, 'scale', p.scale);
  put(o, 'zeroCount', p.zeroCount > 0 ? String(p.zeroCount) : undefined);
  o['positive'] = bucketsJson(p.positive);
  o['negative'] = bucketsJson(p.negative);
  putOptionalDouble(o, 'min', p.min);
  putOptionalDouble(o, 'max', p.max);
  put(o, 'zeroThreshold', p.zeroThreshold);
  return o;
}

const TEMPORALITY = { delta: 1, cumulative: 2 } as const;

function metricJson(m: MetricData): Json {
  const o: Json = { name: m.name };
  put(o, 'description', m.description);
  put(o, 'unit', m.unit);
  const kind = m.numberKind;
  switch (m.type) {
    case 'gauge':
      o['gauge'] = { dataPoints: m.points.map((p) => numberPointJson(kind, p)) };
      break;
    case 'sum': {
      const sum: Json = { dataPoints: m.points.map((p) => numberPointJson(kind, p)), aggregationTemporality: TEMPORALITY[m.temporality] };
      if (m.monotonic) sum['isMonotonic'] = true;
      o['sum'] = sum;
      break;
    }
    case 'histogram':
      o['histogram'] = {
        dataPoints: m.points.map((p) => histogramPointJson(kind, p)),
        aggregationTemporality: TEMPORALITY[m.temporality],
      };
      break;
    case 'exponentialHistogram':
      o['exponentialHistogram'] = {
        dataPoints: m.points.map((p) => exponentialPointJson(kind, p)),
        aggregationTemporality: TEMPORALITY[m.temporality],
      };
      break;
  }
  return o;
}

/** The request as a plain object in OTLP/JSON form. */
function toMetricsJsonRequest(rm: ResourceMetrics): { resourceMetrics: Json[] } {
  if (rm.scopeMetrics.length === 0) return { resourceMetrics: [] };
  const scopeMetrics = rm.scopeMetrics.map((sm) => {
    const o: Json = { scope: scopeJson(sm.scope), metrics: sm.metrics.map(metricJson) };
    put(o, 'schemaUrl', sm.scope.schemaUrl);
    return o;
  });
  const r: Json = { resource: resourceJson(rm.resource), scopeMetrics };
  put(r, 'schemaUrl', rm.resource.schemaUrl);
  return { resourceMetrics: [r] };
}

/** OTLP/JSON `ExportMetricsServiceRequest` body, UTF-8. */
export function encodeMetricsRequestJson(metrics: ResourceMetrics): Uint8Array {
  return Buffer.from(JSON.stringify(toMetricsJsonRequest(metrics)), 'utf8');
}
