import { SpanKind, SpanStatusCode, type AttributeValue } from '@opentelemetry/api';
import type { ConsoleFormat } from '../config/types';
import type { SpanData } from '../sdk/span-data';
import type { ExportResult, SpanExporter } from './exporter';

/** Attributes worth a glance in a development tree, in the order they are shown. */
const KEY_ATTRIBUTES = [
  'http.request.method',
  'http.route',
  'url.full',
  'url.path',
  'http.response.status_code',
  'db.system.name',
  'db.namespace',
  'db.query.summary',
  'db.query.text',
  'server.address',
  'server.port',
  'error.type',
];
const MAX_OTHER_ATTRIBUTES = 4;
/** Spans waiting for their local root; past this many, the oldest are printed as orphans. */
const MAX_BUFFERED_SPANS = 10_000;

type Write = (text: string) => void;

function isLocalRoot(span: SpanData): boolean {
  return span.parentSpanId === undefined || span.parentIsRemote;
}

function formatValue(value: AttributeValue): string {
  if (typeof value === 'string') return value.length > 80 ? JSON.stringify(value.slice(0, 77) + '...') : JSON.stringify(value);
  return Array.isArray(value) ? JSON.stringify(value) : String(value);
}

function formatAttributes(span: SpanData): string {
  const shown: string[] = [];
  for (const key of KEY_ATTRIBUTES) {
    const index = span.attributeKeys.indexOf(key);
    if (index >= 0) shown.push(`${key}=${formatValue(span.attributeValues[index])}`);
  }
  let others = 0;
  for (let i = 0; i < span.attributeKeys.length && others < MAX_OTHER_ATTRIBUTES; i++) {
    if (KEY_ATTRIBUTES.includes(span.attributeKeys[i])) continue;
    shown.push(`${span.attributeKeys[i]}=${formatValue(span.attributeValues[i])}`);
    others++;
  }
  return shown.join(' ');
}

function formatStatus(span: SpanData): string {
  if (span.status.code === SpanStatusCode.ERROR) return `ERROR${span.status.message ? ` (${span.status.message})` : ''}`;
  return span.status.code === SpanStatusCode.OK ? 'OK' : '';
}

function spanLine(span: SpanData, traceStart: number): string {
  const duration = (span.endTime - span.startTime).toFixed(2);
  const offset = (span.startTime - traceStart).toFixed(2);
  const parts = [span.name, SpanKind[span.kind], `${duration} ms`, `@+${offset} ms`, `id=${span.spanId}`];
  const status = formatStatus(span);
  if (status) parts.push(status);
  const attributes = formatAttributes(span);
  if (attributes) parts.push(attributes);
  for (const event of span.events) {
    if (event.name === 'exception') parts.push(`exception: ${String(event.attributes['exception.message'] ?? '')}`);
  }
  return parts.join('  ');
}

/** Prints a span and its descendants as an indented tree, children in start order. */
function printTree(root: SpanData, children: Map<string, SpanData[]>, write: Write, orphan: boolean): void {
  const service = String(root.resource.attributes['service.name'] ?? '');
  const parentNote = root.parentIsRemote ? ` (continues remote parent ${root.parentSpanId})` : orphan ? ' (parent not seen)' : '';
  let out = `trace ${root.traceId}  service=${service}${parentNote}\n`;
  const walk = (span: SpanData, prefix: string, last: boolean): void => {
    out += `${prefix}${last ? '└─ ' : '├─ '}${spanLine(span, root.startTime)}\n`;
    const kids = (children.get(span.spanId) ?? []).sort((a, b) => a.startTime - b.startTime);
    children.delete(span.spanId);
    kids.forEach((kid, i) => walk(kid, prefix + (last ? '   ' : '│  '), i === kids.length - 1));
  };
  walk(root, '', true);
  write(out);
}

function toJson(span: SpanData): string {
  const attributes: Record<string, AttributeValue> = {};
  span.attributeKeys.forEach((key, i) => (attributes[key] = span.attributeValues[i]));
  return JSON.stringify({
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    kind: SpanKind[span.kind],
    startTime: new Date(span.startTime).toISOString(),
    durationMs: Number((span.endTime - span.startTime).toFixed(3)),
    attributes,
    events: span.events.map((e) => ({ name: e.name, time: new Date(e.time).toISOString(), attributes: e.attributes })),
    links: span.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: l.attributes })),
    status: { code: SpanStatusCode[span.status.code], message: span.status.message },
    service: span.resource.attributes['service.name'],
    scope: span.scope.name,
  });
}

/**
 * Development exporter. `json` prints one JSON object per span. `tree` buffers a trace's spans
 * until its local root ends (the root usually ends last), then prints the trace as a waterfall;
 * whatever is still buffered at flush is printed as orphan trees, so nothing is lost.
 */
export class ConsoleSpanExporter implements SpanExporter {
  private buffered: SpanData[] = [];

  constructor(
    private readonly format: ConsoleFormat = 'tree',
    private readonly write: Write = (text) => process.stdout.write(text),
  ) {}

  export(spans: readonly SpanData[]): Promise<ExportResult> {
    try {
      if (this.format === 'json') {
        for (const span of spans) this.write(toJson(span) + '\n');
      } else {
        this.buffered.push(...spans);
        this.printCompleteTraces(spans.filter(isLocalRoot));
        if (this.buffered.length > MAX_BUFFERED_SPANS) this.printAll(this.buffered.splice(0, this.buffered.length - MAX_BUFFERED_SPANS));
      }
      return Promise.resolve({ ok: true });
    } catch (error) {
      return Promise.resolve({ ok: false, error: error as Error });
    }
  }

  forceFlush(): Promise<void> {
    this.printAll(this.buffered.splice(0));
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }

  private printCompleteTraces(roots: SpanData[]): void {
    for (const root of roots) {
      const trace = this.buffered.filter((s) => s.traceId === root.traceId);
      const children = childrenByParent(trace);
      printTree(root, children, this.write, false);
      const printed = new Set<SpanData>();
      collect(root, childrenByParent(trace), printed);
      this.buffered = this.buffered.filter((s) => !printed.has(s));
    }
  }

  private printAll(spans: SpanData[]): void {
    const ids = new Set(spans.map((s) => s.spanId));
    const children = childrenByParent(spans);
    for (const span of spans) {
      if (isLocalRoot(span) || !ids.has(span.parentSpanId as string)) printTree(span, children, this.write, !isLocalRoot(span));
    }
  }
}

function childrenByParent(spans: readonly SpanData[]): Map<string, SpanData[]> {
  const children = new Map<string, SpanData[]>();
  for (const span of spans) {
    if (span.parentSpanId === undefined || span.parentIsRemote) continue;
    const list = children.get(span.parentSpanId);
    if (list === undefined) children.set(span.parentSpanId, [span]);
    else list.push(span);
  }
  return children;
}

function collect(span: SpanData, children: Map<string, SpanData[]>, into: Set<SpanData>): void {
  into.add(span);
  for (const kid of children.get(span.spanId) ?? []) collect(kid, children, into);
}
