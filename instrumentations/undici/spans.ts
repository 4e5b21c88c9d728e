import { propagation, SpanKind, trace, type Context, type Span, type TextMapSetter, type Tracer } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_HEADER_PREFIX,
  ATTR_HTTP_RESPONSE_HEADER_PREFIX,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_USER_AGENT_ORIGINAL,
} from '../../src/semconv';
import { captureHeaders, recordError, setResponseStatus, type HttpSemantics } from '../shared/http-semantics';
import { addRequestHeader, hasRequestHeader, requestHeader, responseHeader } from './headers';
import { protocolVersion, redactedUrl, type RequestTarget } from './target';
import type { ResponseHeadersMessage, SendHeadersMessage, UndiciRequest } from './types';

const CLIENT_SPAN = { kind: SpanKind.CLIENT };

/** Adds each propagation header to the request unless the caller already set it. */
const REQUEST_SETTER: TextMapSetter<UndiciRequest> = {
  set(request, key, value) {
    if (!hasRequestHeader(request.headers, key)) addRequestHeader(request, key, value);
  },
};

/**
 * Turns undici's request events into CLIENT spans, one per request undici writes (each redirect
 * and retry is its own request, so its own span, as the conventions ask).
 *
 * When the span ends: when the response headers arrive (or the request fails before them).
 * undici reports the end of the body (`undici:request:trailers`) only once the app has read it,
 * and an app may never read it; the conventions say that then the span SHOULD end after the
 * headers, not in a later clean-up (semantic conventions, "HTTP client span duration"). So the
 * duration is time to response headers, every span ends without waiting on the app, and a
 * failure while the body streams (after the span ended) is not recorded. `trailers` still ends a
 * span whose `headers` event never came. An upgrade (WebSocket handshake, `upgrade()`) in undici
 * 5 and early 6.x publishes neither: its span never ends and is not exported; being keyed by the
 * request object (requests.ts), it leaves nothing behind.
 */
export class UndiciSpans {
  private open = 0;

  constructor(
    private readonly tracer: Tracer,
    private readonly http: HttpSemantics,
  ) {}

  /** Spans started and not ended yet (a diagnostic for tests). */
  get pending(): number {
    return this.open;
  }

  /**
   * `undici:request:create` of a request that is traced (requests.ts decided): in the caller's
   * context `active`, from `startTime` (a `performance.now()` reading) when it is also measured.
   * Returns the span when it records; a sampled-out span still propagates its context.
   */
  start(request: UndiciRequest, target: RequestTarget, active: Context, startTime: number | undefined): Span | undefined {
    const span = this.tracer.startSpan(request.method, startTime === undefined ? CLIENT_SPAN : { kind: SpanKind.CLIENT, startTime }, active);
    let recording: Span | undefined;
    if (span.isRecording()) {
      if (this.http.setMethod(span, request.method) === '_OTHER') span.updateName('HTTP');
      span.setAttribute(ATTR_URL_FULL, redactedUrl(target, this.http));
      if (target.address !== undefined) span.setAttribute(ATTR_SERVER_ADDRESS, target.address);
      if (target.port !== undefined) span.setAttribute(ATTR_SERVER_PORT, target.port);
      const userAgent = requestHeader(request.headers, 'user-agent');
      if (userAgent !== undefined) span.setAttribute(ATTR_USER_AGENT_ORIGINAL, userAgent.join(', '));
      const names = this.http.config.clientRequestHeaders;
      if (names.length > 0) {
        captureHeaders(span, ATTR_HTTP_REQUEST_HEADER_PREFIX, names, (name) => requestHeader(request.headers, name));
      }
      recording = span;
      this.open++;
    }
    // A sampled-out span still propagates its (unsampled) context downstream.
    propagation.inject(trace.setSpan(active, span), request, REQUEST_SETTER);
    return recording;
  }

  /** `undici:client:sendHeaders`: the request is being written on `socket`. */
  onSendHeaders(span: Span, socket: NonNullable<SendHeadersMessage['socket']>): void {
    if (typeof socket.remoteAddress === 'string') span.setAttribute(ATTR_NETWORK_PEER_ADDRESS, socket.remoteAddress);
    if (typeof socket.remotePort === 'number') span.setAttribute(ATTR_NETWORK_PEER_PORT, socket.remotePort);
    span.setAttribute(ATTR_NETWORK_PROTOCOL_VERSION, protocolVersion(socket.alpnProtocol));
  }

  /** `undici:request:headers` with the final (not interim) response: status and captured headers. */
  onResponseHeaders(span: Span, response: ResponseHeadersMessage['response']): void {
    setResponseStatus(span, response.statusCode, 'client');
    const names = this.http.config.clientResponseHeaders;
    if (names.length > 0) {
      captureHeaders(span, ATTR_HTTP_RESPONSE_HEADER_PREFIX, names, (name) => responseHeader(response.headers, name));
    }
  }

  /** `undici:request:error`: connect failure, abort, timeout, socket error. */
  onError(span: Span, error: unknown): void {
    recordError(span, error);
  }

  /** The request is over; at `endTime` (a `performance.now()` reading) when it was measured. */
  end(span: Span, endTime: number | undefined): void {
    this.open--;
    span.end(endTime);
  }
}
