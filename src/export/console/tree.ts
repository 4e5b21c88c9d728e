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

/** Where a root's parent is: in another process, or not printed (the header says when it was earlier). */
function rootNote(span: SpanData, { verbose, continued }: TreeOptions): string {
  if (span.parentSpanId === undefined || (continued && !span.parentIsRemote)) return '';
  const parent = verbose ? ` ${span.parentSpanId}` : '';
  return span.parentIsRemote ? `(continues remote parent${parent})` : `(parent${parent} not seen)`;
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
  const continued = options.continued ? '(continued: spans that ended after the trace was printed)' : '';
  let out = '';
  const printed = new Set<string>();

  const walk = (span: SpanData, prefix: string, last: boolean): void => {
    printed.add(span.spanId);
    const kids = (children.get(span.spanId) ?? []).filter((kid) => !printed.has(kid.spanId));
    out += `${prefix}${last ? '└─ ' : '├─ '}${spanLine(span, { label: labelOf(span, kids), traceStart, verbose })}\n`;
    const below = prefix + (last ? '   ' : '│  ');
    for (const event of span.events) {
      if (event.name !== 'exception') continue;
      const [head, ...rest] = exceptionLines(event, verbose);
      const gutter = below + (kids.length > 0 ? '│  ' : '   ');
      out += `${gutter}${head}\n`;
      for (const text of rest) out += `${gutter}  ${text}\n`;
    }
    kids.forEach((kid, i) => walk(kid, below, i === kids.length - 1));
  };
  // One block per root, each under its own trace line saying where its parent is: a service
  // called twice in one trace prints two blocks, as it served two requests.
  const block = (root: SpanData): void => {
    out += [`trace ${root.traceId}  service=${service}`, continued, rootNote(root, options)].filter((text) => text !== '').join(' ') + '\n';
    walk(root, '', true);
  };
  roots.forEach(block);
  // Parent links that loop (never made by the SDK) would leave spans unprinted.
  for (const span of spans) if (!printed.has(span.spanId)) block(span);
  return out;
}
