/**
 * The demo's merged view: each service prints its spans as JSON lines (the console exporter's
 * `json` format); this joins the lines of all services by trace id and prints one tree per
 * trace, each span tagged with its service. A span continues another service's trace through the
 * `traceparent` header, so its parentSpanId is the other service's CLIENT span id.
 */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** The console's label: the client's system before the name (`fetch GET`, `pg SELECT stock`). */
  label?: string;
  kind: string;
  startTime: string;
  durationMs: number;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  status: { code: string; message?: string };
  service: string;
}

/** Attributes worth a glance in the demo, in this order. */
const SHOWN_ATTRIBUTES = ['url.full', 'http.response.status_code', 'db.query.text', 'error.type'];

function isSpanRecord(value: unknown): value is SpanRecord {
  const v = value as Partial<SpanRecord> | null;
  return typeof v === 'object' && v !== null && typeof v.traceId === 'string' && typeof v.spanId === 'string';
}

/** The span lines of a service's output; the other lines (its own logs) are left out. */
export function spansIn(output: string): SpanRecord[] {
  const spans: SpanRecord[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed: unknown = JSON.parse(line);
      if (isSpanRecord(parsed)) spans.push(parsed);
    } catch {
      // a line of the app's own that happens to start with '{'
    }
  }
  return spans;
}

const start = (span: SpanRecord): number => Date.parse(span.startTime);

/** Start order; the console exporter's times are whole milliseconds, so ties go by end time. */
function byStart(a: SpanRecord, b: SpanRecord): number {
  return start(a) - start(b) || start(a) + a.durationMs - (start(b) + b.durationMs);
}

function spanLine(span: SpanRecord, traceStart: number): string {
  const parts = [`[${span.service}] ${span.label ?? span.name}`, span.kind, `${span.durationMs.toFixed(2)} ms`, `@+${start(span) - traceStart} ms`];
  if (span.status.code === 'ERROR') parts.push(`ERROR${span.status.message ? ` (${span.status.message})` : ''}`);
  const shown = SHOWN_ATTRIBUTES.filter((key) => key in span.attributes).map((key) => `${key}=${JSON.stringify(span.attributes[key])}`);
  if (shown.length > 0) parts.push(shown.join(' '));
  for (const event of span.events) {
    const message = String(event.attributes['exception.message'] ?? '');
    // The status usually carries the same message already.
    if (event.name === 'exception' && message !== span.status.message) parts.push(`exception: ${message}`);
  }
  return parts.join('  ');
}

/** One tree per trace, traces in the order they started. */
export function formatTraces(spans: readonly SpanRecord[]): string {
  const traces = new Map<string, SpanRecord[]>();
  for (const span of spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  const blocks: string[] = [];
  for (const [traceId, trace] of [...traces].sort(([, a], [, b]) => Math.min(...a.map(start)) - Math.min(...b.map(start)))) {
    const ids = new Set(trace.map((s) => s.spanId));
    const children = new Map<string, SpanRecord[]>();
    const roots: SpanRecord[] = [];
    for (const span of trace) {
      if (span.parentSpanId === undefined || !ids.has(span.parentSpanId)) roots.push(span);
      else children.set(span.parentSpanId, [...(children.get(span.parentSpanId) ?? []), span]);
    }
    const services = [...new Set(trace.sort(byStart).map((s) => s.service))];
    const traceStart = Math.min(...trace.map(start));
    let out = `trace ${traceId}  ${trace.length} spans  ${services.join(' -> ')}\n`;
    const walk = (span: SpanRecord, prefix: string, last: boolean): void => {
      out += `${prefix}${last ? '└─ ' : '├─ '}${spanLine(span, traceStart)}\n`;
      const kids = (children.get(span.spanId) ?? []).sort(byStart);
      kids.forEach((kid, i) => walk(kid, prefix + (last ? '   ' : '│  '), i === kids.length - 1));
    };
    roots.sort(byStart).forEach((root, i) => {
      if (root.parentSpanId !== undefined) out += `(parent ${root.parentSpanId} not seen)\n`;
      walk(root, '', i === roots.length - 1);
    });
    blocks.push(out);
  }
  return blocks.join('\n');
}
