import type { SpanData, SpanEventData } from '../../sdk/span-data';
import { spanLine } from './span-line';
import { stackLines } from './stack';
import { labelOf } from './system-label';

/**
 * One trace's spans as an indented tree, children in start order. A span whose parent is in the
 * same set goes under it, also when that parent is "remote": a request this process made to
 * itself (an in-process fetch) nests under the CLIENT span that made it.
 */

export interface TreeOptions {
  verbose: boolean;
  /** These spans ended after the rest of their trace was printed (their parents are above). */
  continued?: boolean;
}

function childrenByParent(spans: readonly SpanData[], ids: ReadonlySet<string>): Map<string, SpanData[]> {
  const children = new Map<string, SpanData[]>();
  for (const span of spans) {
    if (span.parentSpanId === undefined || !ids.has(span.parentSpanId)) continue;
    const list = children.get(span.parentSpanId);
    if (list === undefined) children.set(span.parentSpanId, [span]);
    else list.push(span);
  }
  for (const list of children.values()) list.sort((a, b) => a.startTime - b.startTime);
  return children;
}

function rootNote(span: SpanData, { verbose, continued }: TreeOptions): string {
  if (span.parentSpanId === undefined) return '';
  const parent = verbose ? ` ${span.parentSpanId}` : '';
  if (span.parentIsRemote) return `  (continues remote parent${parent})`;
  return continued ? `  (parent${parent} printed earlier)` : `  (parent${parent} not seen)`;
}

function exceptionLines(event: SpanEventData, verbose: boolean): string[] {
  const stack = event.attributes['exception.stacktrace'];
  if (typeof stack === 'string' && stack !== '') return stackLines(stack, verbose);
  const type = event.attributes['exception.type'];
  const message = event.attributes['exception.message'];
  return [[type, message].filter((part) => part !== undefined && part !== '').map(String).join(': ') || 'exception'];
}

export function renderTrace(spans: readonly SpanData[], options: TreeOptions): string {
  const { verbose } = options;
  const ids = new Set(spans.map((span) => span.spanId));
  const children = childrenByParent(spans, ids);
  const roots = spans.filter((span) => span.parentSpanId === undefined || !ids.has(span.parentSpanId)).sort((a, b) => a.startTime - b.startTime);
  const traceStart = Math.min(...spans.map((span) => span.startTime));
  const service = String(spans[0].resource.attributes['service.name'] ?? '');
  let out = `trace ${spans[0].traceId}  service=${service}${options.continued ? '  (continued: spans that ended after the trace was printed)' : ''}\n`;
  const printed = new Set<string>();

  const walk = (span: SpanData, prefix: string, last: boolean, root: boolean): void => {
    printed.add(span.spanId);
    const kids = (children.get(span.spanId) ?? []).filter((kid) => !printed.has(kid.spanId));
    const line = spanLine(span, { label: labelOf(span, kids), traceStart, verbose });
    out += `${prefix}${last ? '└─ ' : '├─ '}${line}${root ? rootNote(span, options) : ''}\n`;
    const below = prefix + (last ? '   ' : '│  ');
    for (const event of span.events) {
      if (event.name !== 'exception') continue;
      const [head, ...rest] = exceptionLines(event, verbose);
      const gutter = below + (kids.length > 0 ? '│  ' : '   ');
      out += `${gutter}${head}\n`;
      for (const text of rest) out += `${gutter}  ${text}\n`;
    }
    kids.forEach((kid, i) => walk(kid, below, i === kids.length - 1, false));
  };
  roots.forEach((root) => walk(root, '', true, true));
  // Parent links that loop (never made by the SDK) would leave spans unprinted.
  for (const span of spans) if (!printed.has(span.spanId)) walk(span, '', true, true);
  return out;
}
