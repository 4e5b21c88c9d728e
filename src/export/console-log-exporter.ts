import type { LogRecordData } from '../logs/data';
import type { LogRecordExporter } from '../logs/processors';
import { TextExporter, toStdout, type TextWriter } from './console/text-exporter';

/** Severity names by the first number of each range (the data model's short names). */
const SEVERITY_NAMES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

function severityOf(r: LogRecordData): string {
  if (r.severityText !== undefined && r.severityText !== '') return r.severityText;
  return r.severityNumber > 0 ? SEVERITY_NAMES[Math.floor((r.severityNumber - 1) / 4)]! : 'UNSPECIFIED';
}

/** JSON of converted values (src/logs/values.ts): bigint as a decimal string, bytes as base64. */
function json(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    return v;
  });
}

/** The body as read in a line: a string as it is, anything else as JSON. */
function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  return typeof body === 'string' ? body : json(body);
}

/** `2026-01-02T03:04:05.678Z INFO  [scope] body key=value … trace=… span=…` */
function line(r: LogRecordData): string {
  const parts = [new Date(r.timestamp).toISOString(), severityOf(r).padEnd(5), `[${r.scope.name}]`];
  if (r.eventName !== undefined) parts.push(`event=${r.eventName}`);
  const body = bodyText(r.body);
  if (body !== '') parts.push(body);
  for (const key of Object.keys(r.attributes)) {
    const v = r.attributes[key];
    parts.push(`${key}=${typeof v === 'string' ? v : json(v)}`);
  }
  if (r.droppedAttributesCount > 0) parts.push(`(+${r.droppedAttributesCount} attributes dropped)`);
  if (r.traceId !== undefined) parts.push(`trace=${r.traceId} span=${r.spanId}`);
  // One record, one line: a newline in a message must not forge another record's line.
  return parts.join(' ').replace(/\r?\n/g, '\\n') + '\n';
}

function jsonLine(r: LogRecordData): string {
  return (
    json({
      time: new Date(r.timestamp).toISOString(),
      observedTime: new Date(r.observedTimestamp).toISOString(),
      severityNumber: r.severityNumber,
      severityText: r.severityText,
      body: r.body,
      attributes: r.attributes,
      droppedAttributesCount: r.droppedAttributesCount || undefined,
      eventName: r.eventName,
      traceId: r.traceId,
      spanId: r.spanId,
      traceFlags: r.traceId === undefined ? undefined : r.traceFlags,
      scope: r.scope.name,
      service: r.resource.attributes['service.name'],
    }) + '\n'
  );
}

/**
 * Development exporter for log records: each record printed to stdout as it is emitted, one
 * readable line (time, severity, scope, body, attributes, trace and span ids), or one JSON line
 * with OTELITE_CONSOLE_FORMAT=json.
 */
export class ConsoleLogRecordExporter extends TextExporter<readonly LogRecordData[]> implements LogRecordExporter {
  constructor(format: 'line' | 'json', write: TextWriter = toStdout) {
    super('logs', (records) => {
      let text = '';
      for (const r of records) text += format === 'json' ? jsonLine(r) : line(r);
      return text;
    }, write);
  }
}
