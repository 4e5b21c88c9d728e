import type { SpanData, SpanEventData, SpanLinkData } from '../../sdk/span-data';
import { anyValue, keyValues, put, resourceJson, scopeJson, type JsonKeyValue } from './encode-json-common';
import { otlpSpanKind, spanFlags } from './encode-protobuf';
import { groupByScope } from './encode-protobuf-common';
import { msToNanosBigInt } from './protobuf-writer';

/**
 * OTLP/JSON encoding of an `ExportTraceServiceRequest`, as the OTLP specification defines it on top
 * of the proto3 JSON mapping: lowerCamelCase field names, trace and span ids as lower-case hex
 * strings (not base64), enums as integers, 64-bit integers (times, int_value) as decimal strings,
 * proto3 defaults left out.
 */

function spanAttributes(s: SpanData): JsonKeyValue[] {
  const out: JsonKeyValue[] = [];
  for (let i = 0; i < s.attributeKeys.length; i++) {
    const value = anyValue(s.attributeValues[i]);
    if (value !== undefined) out.push({ key: s.attributeKeys[i]!, value });
  }
  return out;
}

function eventJson(e: SpanEventData): Record<string, unknown> {
  const o: Record<string, unknown> = { timeUnixNano: msToNanosBigInt(e.time).toString() };
  put(o, 'name', e.name);
  put(o, 'attributes', keyValues(e.attributes as Record<string, unknown>));
  put(o, 'droppedAttributesCount', e.droppedAttributesCount);
  return o;
}

function linkJson(l: SpanLinkData): Record<string, unknown> {
  const o: Record<string, unknown> = { traceId: l.traceId, spanId: l.spanId };
  put(o, 'traceState', l.traceState);
  put(o, 'attributes', keyValues(l.attributes as Record<string, unknown>));
  put(o, 'droppedAttributesCount', l.droppedAttributesCount);
  o['flags'] = spanFlags(l.traceFlags, l.isRemote);
  return o;
}

function spanJson(s: SpanData): Record<string, unknown> {
  const o: Record<string, unknown> = { traceId: s.traceId, spanId: s.spanId };
  put(o, 'traceState', s.traceState);
  put(o, 'parentSpanId', s.parentSpanId);
  o['flags'] = spanFlags(s.traceFlags, s.parentIsRemote);
  put(o, 'name', s.name);
  put(o, 'kind', otlpSpanKind(s.kind));
  o['startTimeUnixNano'] = msToNanosBigInt(s.startTime).toString();
  o['endTimeUnixNano'] = msToNanosBigInt(s.endTime).toString();
  put(o, 'attributes', spanAttributes(s));
  put(o, 'droppedAttributesCount', s.droppedAttributesCount);
  put(o, 'events', s.events.map(eventJson));
  put(o, 'droppedEventsCount', s.droppedEventsCount);
  put(o, 'links', s.links.map(linkJson));
  put(o, 'droppedLinksCount', s.droppedLinksCount);
  const status: Record<string, unknown> = {};
  if (s.status !== undefined) {
    put(status, 'message', s.status.message);
    put(status, 'code', s.status.code);
  }
  o['status'] = status;
  return o;
}

/** The request as a plain object in OTLP/JSON form (grouped by resource, then scope, by identity). */
export function toJsonRequest(spans: readonly SpanData[]): { resourceSpans: Record<string, unknown>[] } {
  const resourceSpans: Record<string, unknown>[] = [];
  for (const [resource, byScope] of groupByScope(spans)) {
    const scopeSpans: Record<string, unknown>[] = [];
    for (const [scope, list] of byScope) {
      const ss: Record<string, unknown> = { scope: scopeJson(scope), spans: list.map(spanJson) };
      put(ss, 'schemaUrl', scope.schemaUrl);
      scopeSpans.push(ss);
    }
    const rs: Record<string, unknown> = { resource: resourceJson(resource), scopeSpans };
    put(rs, 'schemaUrl', resource.schemaUrl);
    resourceSpans.push(rs);
  }
  return { resourceSpans };
}

/** OTLP/JSON `ExportTraceServiceRequest` body, UTF-8. */
export function encodeTraceRequestJson(spans: readonly SpanData[]): Uint8Array {
  return Buffer.from(JSON.stringify(toJsonRequest(spans)), 'utf8');
}
