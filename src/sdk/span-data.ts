import type { AttributeValue, Attributes, SpanKind, SpanStatus } from '@opentelemetry/api';

/**
 * What a finished span hands to processors and exporters. Ids stay lower-case hex strings
 * (the API's SpanContext form); times are epoch milliseconds as float64 (sub-microsecond
 * resolution), converted to nanoseconds only by the encoder. Span attributes are parallel
 * arrays (cheaper to fill and iterate than an object); events and links are rare and keep records.
 */
export interface SpanData {
  readonly name: string;
  readonly kind: SpanKind;
  readonly traceId: string;
  readonly spanId: string;
  /** undefined for a root span. */
  readonly parentSpanId: string | undefined;
  readonly parentIsRemote: boolean;
  /**
   * Where the bytes of the trace, span and parent span ids are, when they were drawn in this
   * process: their generation and offset (`lastId`, `idBytesOf` of sdk/ids). The encoder copies
   * them from there while they are still there, instead of parsing the hex back. Absent or
   * `NO_ID_BYTES` for an id that came as hex (a remote parent's).
   */
  readonly traceIdGen?: number;
  readonly traceIdAt?: number;
  readonly spanIdGen?: number;
  readonly spanIdAt?: number;
  readonly parentSpanIdGen?: number;
  readonly parentSpanIdAt?: number;
  readonly traceFlags: number;
  /** Serialized W3C tracestate, or undefined. */
  readonly traceState: string | undefined;
  readonly startTime: number;
  readonly endTime: number;
  readonly attributeKeys: readonly string[];
  readonly attributeValues: readonly AttributeValue[];
  readonly droppedAttributesCount: number;
  readonly events: readonly SpanEventData[];
  readonly droppedEventsCount: number;
  readonly links: readonly SpanLinkData[];
  readonly droppedLinksCount: number;
  readonly status: SpanStatus;
  readonly scope: InstrumentationScope;
  readonly resource: ResourceData;
}

export interface SpanEventData {
  readonly name: string;
  readonly time: number;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
}

export interface SpanLinkData {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly traceState: string | undefined;
  readonly isRemote: boolean;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
}

export interface InstrumentationScope {
  readonly name: string;
  readonly version: string | undefined;
  readonly schemaUrl: string | undefined;
}

export interface ResourceData {
  readonly attributes: Attributes;
  readonly schemaUrl: string | undefined;
}
