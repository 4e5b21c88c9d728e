import { SpanKind, SpanStatusCode, type AttributeValue } from '@opentelemetry/api';
import type { SpanData } from '../../sdk/span-data';
import { labelOf } from './system-label';

/**
 * The `json` form: one line per span, every field a developer looks at, the span's own name, and
 * the tree's label (`fetch GET`, `pg SELECT users`) for tools that print their own trees.
 */
export function spanJson(span: SpanData): string {
  const attributes: Record<string, AttributeValue> = {};
  span.attributeKeys.forEach((key, i) => (attributes[key] = span.attributeValues[i]));
  return JSON.stringify({
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    label: labelOf(span, []),
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
