import {
  diag,
  SpanStatusCode,
  type AttributeValue,
  type Attributes,
  type Exception,
  type Link,
  type Span as ApiSpan,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  type TimeInput,
  type TraceState,
} from '@opentelemetry/api';
import type { SpanLimits } from '../config/types';
import { safeString, sanitizeAttributes, sanitizeValue } from './attributes';
import { now, toEpochMillis } from './clock';
import type { InstrumentationScope, ResourceData, SpanData, SpanEventData, SpanLinkData } from './span-data';

/** What a span needs from its provider: limits and where to go when it ends. */
export interface SpanOwner {
  readonly limits: SpanLimits;
  /** Its processors keep nothing of an ended span (`SpanProcessor.keepsNothingAfterEnd`). */
  readonly keepsNothingAfterEnd: boolean;
  onEnd(span: Span): void;
}

export interface SpanInit {
  name: string;
  kind: SpanKind;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  parentIsRemote: boolean;
  traceIdGen: number;
  traceIdAt: number;
  spanIdGen: number;
  spanIdAt: number;
  parentSpanIdGen: number;
  parentSpanIdAt: number;
  traceFlags: number;
  traceState: TraceState | undefined;
  startTime: number;
  scope: InstrumentationScope;
  resource: ResourceData;
}

const UNSET_STATUS: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
/** Hex ids of the right length (the API accepts upper case; they are stored lower-cased). */
const TRACE_ID_RE = /^[0-9a-f]{32}$/i;
const SPAN_ID_RE = /^[0-9a-f]{16}$/i;

function isTimeInput(value: unknown): value is TimeInput {
  return typeof value === 'number' || Array.isArray(value) || value instanceof Date;
}

/** The events and links of a span that has none: one shared, frozen empty array. */
const NONE: readonly never[] = Object.freeze([]);

/** `list` with `item` at its end: the shared empty array is replaced, a span's own one grows. */
function appended<T>(list: readonly T[], item: T): readonly T[] {
  if (list === NONE) return [item];
  (list as T[]).push(item);
  return list;
}

/**
 * A recording span. One fixed-shape class serves both the API (`Span`) and the export side
 * (`SpanData`), so ending a span hands the object itself to the processor with no copy.
 */
export class Span implements ApiSpan, SpanData {
  name: string;
  readonly kind: SpanKind;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly parentIsRemote: boolean;
  // Where the ids' bytes are (SpanData).
  readonly traceIdGen: number;
  readonly traceIdAt: number;
  readonly spanIdGen: number;
  readonly spanIdAt: number;
  readonly parentSpanIdGen: number;
  readonly parentSpanIdAt: number;
  readonly traceFlags: number;
  readonly traceState: string | undefined;
  readonly startTime: number;
  endTime = 0;
  // Replaced by the shared empty array once the span has ended and been encoded (`letGo`).
  attributeKeys: string[] = [];
  attributeValues: AttributeValue[] = [];
  /**
   * The lengths (modulo 32) of the attribute keys, one bit each: a key whose length is not among
   * them is not one of them, and is added without comparing it with each key (an http span sets
   * a dozen attributes, most of whose keys differ in length).
   */
  private keyLengths = 0;
  droppedAttributesCount = 0;
  // Most spans have no event or link: they share one empty array until their first (two arrays
  // fewer alive per span in flight).
  events: readonly SpanEventData[] = NONE;
  droppedEventsCount = 0;
  links: readonly SpanLinkData[] = NONE;
  droppedLinksCount = 0;
  status: SpanStatus = UNSET_STATUS;
  readonly scope: InstrumentationScope;
  readonly resource: ResourceData;

  /** The API form of the trace state, handed to child spans as is. */
  readonly traceStateObject: TraceState | undefined;
  private context: SpanContext | undefined;
  private ended = false;
  private readonly owner: SpanOwner;

  constructor(owner: SpanOwner, init: SpanInit) {
    this.owner = owner;
    this.name = init.name;
    this.kind = init.kind;
    this.traceId = init.traceId;
    this.spanId = init.spanId;
    this.parentSpanId = init.parentSpanId;
    this.parentIsRemote = init.parentIsRemote;
    this.traceIdGen = init.traceIdGen;
    this.traceIdAt = init.traceIdAt;
    this.spanIdGen = init.spanIdGen;
    this.spanIdAt = init.spanIdAt;
    this.parentSpanIdGen = init.parentSpanIdGen;
    this.parentSpanIdAt = init.parentSpanIdAt;
    this.traceFlags = init.traceFlags;
    this.traceStateObject = init.traceState;
    this.traceState = init.traceState === undefined ? undefined : init.traceState.serialize() || undefined;
    this.startTime = init.startTime;
    this.scope = init.scope;
    this.resource = init.resource;
  }

  spanContext(): SpanContext {
    if (this.context === undefined) {
      this.context = {
        traceId: this.traceId,
        spanId: this.spanId,
        traceFlags: this.traceFlags,
        traceState: this.traceStateObject,
        isRemote: false,
      };
    }
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (this.ended || typeof key !== 'string' || key.length === 0) return this;
    // Validated and copied (arrays) in one step; never throws, whatever the app passes.
    const stored = sanitizeValue(value, this.owner.limits.attributeValueLengthLimit);
    if (stored === undefined) {
      diag.debug(`span "${this.name}": attribute "${key}" has an invalid value and was dropped`);
      return this;
    }
    const keys = this.attributeKeys;
    const lengthBit = 1 << (key.length & 31);
    if ((this.keyLengths & lengthBit) !== 0) {
      // A loop rather than `indexOf`: a span has a few keys, and the builtin's call costs more
      // than comparing them (bench:instructions: ~85 instructions per call on an http server span).
      for (let i = 0; i < keys.length; i++) {
        if (keys[i] === key) {
          this.attributeValues[i] = stored;
          return this;
        }
      }
    }
    if (keys.length >= this.owner.limits.attributeCountLimit) {
      this.droppedAttributesCount++;
    } else {
      keys.push(key);
      this.attributeValues.push(stored);
      this.keyLengths |= lengthBit;
    }
    return this;
  }

  setAttributes(attributes: Attributes): this {
    if (attributes === null || typeof attributes !== 'object') return this;
    let keys: string[];
    try {
      keys = Object.keys(attributes);
    } catch {
      return this; // a hostile Proxy
    }
    for (const key of keys) {
      let value: AttributeValue | undefined;
      try {
        value = attributes[key];
      } catch {
        continue; // a throwing getter: that attribute is dropped, the others kept
      }
      this.setAttribute(key, value);
    }
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    const limits = this.owner.limits;
    if (this.events.length >= limits.eventCountLimit) {
      this.droppedEventsCount++;
      return this;
    }
    let attributes: Attributes | undefined;
    if (isTimeInput(attributesOrTime)) time = attributesOrTime;
    else attributes = attributesOrTime;
    const sanitized = sanitizeAttributes(attributes, limits.eventAttributeCountLimit, limits.attributeValueLengthLimit);
    this.events = appended(this.events, {
      name: safeString(name),
      time: toEpochMillis(time),
      attributes: sanitized.attributes,
      droppedAttributesCount: sanitized.dropped,
    });
    return this;
  }

  addLink(link: Link): this {
    if (this.ended || link === null || typeof link !== 'object') return this;
    try {
      const linked = link.context;
      if (linked === undefined || linked === null) return this;
      // An id that is not hex of the right length cannot be encoded: a collector rejects the
      // whole export request for one bad id, so such a link is dropped here instead.
      const traceId = linked.traceId;
      const spanId = linked.spanId;
      if (typeof traceId !== 'string' || !TRACE_ID_RE.test(traceId) || typeof spanId !== 'string' || !SPAN_ID_RE.test(spanId)) {
        diag.debug(`span "${this.name}": link with an invalid trace or span id dropped`);
        return this;
      }
      const limits = this.owner.limits;
      if (this.links.length >= limits.linkCountLimit) {
        this.droppedLinksCount++;
        return this;
      }
      const sanitized = sanitizeAttributes(link.attributes, limits.linkAttributeCountLimit, limits.attributeValueLengthLimit);
      this.links = appended(this.links, {
        traceId: traceId.toLowerCase(),
        spanId: spanId.toLowerCase(),
        traceFlags: Number(linked.traceFlags) & 0xff,
        traceState: linked.traceState?.serialize() || undefined,
        isRemote: linked.isRemote === true,
        attributes: sanitized.attributes,
        droppedAttributesCount: sanitized.dropped,
      });
    } catch (error) {
      diag.debug(`span "${this.name}": a link could not be read and was dropped`, error);
    }
    return this;
  }

  addLinks(links: Link[]): this {
    if (Array.isArray(links)) for (const link of links) this.addLink(link);
    return this;
  }

  /** Per the specification: OK is final, UNSET is ignored, a description only goes with ERROR. */
  setStatus(status: SpanStatus): this {
    if (this.ended || status === null || typeof status !== 'object') return this;
    let code: unknown;
    let message: unknown;
    try {
      code = status.code;
      message = status.message;
    } catch {
      return this;
    }
    if (this.status.code === SpanStatusCode.OK || code === SpanStatusCode.UNSET) return this;
    if (code === SpanStatusCode.ERROR) {
      this.status = { code: SpanStatusCode.ERROR, message: typeof message === 'string' ? message : undefined };
    } else if (code === SpanStatusCode.OK) {
      this.status = { code: SpanStatusCode.OK };
    }
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = safeString(name, this.name);
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) {
      diag.debug(`span "${this.name}" (${this.spanId}) was already ended; end() ignored`);
      return;
    }
    this.ended = true;
    const end = endTime === undefined ? now() : toEpochMillis(endTime);
    this.endTime = end < this.startTime ? this.startTime : end;
    this.owner.onEnd(this);
    if (this.owner.keepsNothingAfterEnd) this.letGo();
  }

  /**
   * The processors are done with the ended span: what only the export needed goes. Its ids, name
   * and times stay, for whoever still holds it (a child started later, a log line's correlation).
   */
  private letGo(): void {
    // The shared frozen empty array rather than `length = 0`, which V8 runs as a call into its
    // runtime (about 0.1 µs per array); an ended span adds no attribute, so it is never written.
    this.attributeKeys = NONE as never[];
    this.attributeValues = NONE as never[];
    this.events = NONE;
    this.links = NONE;
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    try {
      if (typeof exception === 'string') {
        attributes['exception.message'] = exception;
      } else if (exception !== null && typeof exception === 'object') {
        const type = exception.name ?? (exception.code !== undefined ? String(exception.code) : undefined);
        if (type !== undefined) attributes['exception.type'] = String(type);
        if (exception.message !== undefined) attributes['exception.message'] = String(exception.message);
        if (exception.stack !== undefined) attributes['exception.stacktrace'] = String(exception.stack);
      }
    } catch {
      // An exception object whose properties cannot be read: recorded with what was read.
    }
    if (attributes['exception.type'] === undefined && attributes['exception.message'] === undefined) {
      attributes['exception.message'] = safeString(exception);
    }
    this.addEvent('exception', attributes, time);
  }
}
