import { SpanStatusCode, type AttributeValue } from '@opentelemetry/api';
import type { SpanData } from '../../sdk/span-data';

/** Small reads of a finished span, shared by the console tree's modules. */

export function attributeOf(span: SpanData, key: string): AttributeValue | undefined {
  const index = span.attributeKeys.indexOf(key);
  return index < 0 ? undefined : span.attributeValues[index];
}

/** The first span of this process in its trace: no parent, or a parent in another process. */
export function isLocalRoot(span: SpanData): boolean {
  return span.parentSpanId === undefined || span.parentIsRemote;
}

export function isError(span: SpanData): boolean {
  return span.status.code === SpanStatusCode.ERROR;
}
