import type { LogRecordData } from '../../logs/data';
import { anyValue, keyValues, put, resourceJson, scopeJson } from './encode-json-common';
import { groupByScope } from './encode-protobuf-common';
import { msToNanosBigInt } from './protobuf-writer';

/**
 * OTLP/JSON encoding of an `ExportLogsServiceRequest` (the OTLP JSON rules, as for traces: ids as
 * hex strings, times and ints as decimal strings, enums as integers, proto3 defaults left out).
 */

function logRecordJson(r: LogRecordData): Record<string, unknown> {
  const o: Record<string, unknown> = {
    timeUnixNano: msToNanosBigInt(r.timestamp).toString(),
    observedTimeUnixNano: msToNanosBigInt(r.observedTimestamp).toString(),
  };
  put(o, 'severityNumber', r.severityNumber);
  put(o, 'severityText', r.severityText);
  const body = anyValue(r.body);
  if (body !== undefined) o['body'] = body;
  put(o, 'attributes', keyValues(r.attributes));
  put(o, 'droppedAttributesCount', r.droppedAttributesCount);
  if (r.traceId !== undefined && r.spanId !== undefined) {
    put(o, 'flags', r.traceFlags & 0xff);
    o['traceId'] = r.traceId;
    o['spanId'] = r.spanId;
  }
  put(o, 'eventName', r.eventName);
  return o;
}

/** The request as a plain object in OTLP/JSON form (grouped by resource, then scope, by identity). */
function toJsonRequest(records: readonly LogRecordData[]): { resourceLogs: Record<string, unknown>[] } {
  const resourceLogs: Record<string, unknown>[] = [];
  for (const [resource, byScope] of groupByScope(records)) {
    const scopeLogs: Record<string, unknown>[] = [];
    for (const [scope, list] of byScope) {
      const sl: Record<string, unknown> = { scope: scopeJson(scope), logRecords: list.map(logRecordJson) };
      put(sl, 'schemaUrl', scope.schemaUrl);
      scopeLogs.push(sl);
    }
    const rl: Record<string, unknown> = { resource: resourceJson(resource), scopeLogs };
    put(rl, 'schemaUrl', resource.schemaUrl);
    resourceLogs.push(rl);
  }
  return { resourceLogs };
}

/** OTLP/JSON `ExportLogsServiceRequest` body, UTF-8. */
export function encodeLogsRequestJson(records: readonly LogRecordData[]): Uint8Array {
  return Buffer.from(JSON.stringify(toJsonRequest(records)), 'utf8');
}
