import { context, type Span } from '@opentelemetry/api';
import { isTracingSuppressed, monotonicNow } from '../../src/instrument';
import type { HttpMeasure } from '../shared/http-metrics';
import type { HttpSemantics } from '../shared/http-semantics';
import type { UndiciDurations } from './metrics';
import type { UndiciSpans } from './spans';
import { requestTarget } from './target';
import type { RequestErrorMessage, RequestMessage, ResponseHeadersMessage, SendHeadersMessage, UndiciRequest } from './types';

/** What is followed of one request: its span when it records, its measurement when metrics are on. */
interface Followed {
  readonly span: Span | undefined;
  readonly measure: HttpMeasure | undefined;
}

/**
 * The one subscriber of each undici channel: decides once per request whether it is followed
 * (not a proxy CONNECT, not in a suppressed context, not excluded by OTEL_NODE_EXCLUDED_URLS),
 * works out its target once, and hands both to the spans and, when metrics are on, the durations.
 * A followed request has one entry for both, and its span and measurement end at the same
 * instant (the span lasts what was measured).
 */
export class UndiciRequests {
  /**
   * Keyed by undici's request object: an abandoned request takes its entry with it. One map for
   * the span and the measurement: each WeakMap entry costs an insertion, lookups and a removal.
   */
  private readonly followed = new WeakMap<UndiciRequest, Followed>();

  constructor(
    private readonly http: HttpSemantics,
    private readonly spans: UndiciSpans,
    private readonly durations: UndiciDurations | undefined,
  ) {}

  /** `undici:request:create`: published synchronously in the caller's context. */
  onCreate({ request }: RequestMessage): void {
    // A CONNECT is a proxy tunnel being opened for the request that follows, not a request of
    // the app's own.
    if (request.method === 'CONNECT') return;
    const active = context.active();
    if (isTracingSuppressed(active)) return;
    const target = requestTarget(request.origin, request.path, request.host);
    if (this.http.isExcluded(target.path, target.url)) return;
    const measure = this.durations?.start(request, target, active);
    const span = this.spans.start(request, target, active, measure?.start);
    if (span !== undefined || measure !== undefined) this.followed.set(request, { span, measure });
  }

  onSendHeaders({ request, socket }: SendHeadersMessage): void {
    const followed = this.followed.get(request);
    if (followed === undefined || socket === undefined) return;
    if (followed.span !== undefined) this.spans.onSendHeaders(followed.span, socket);
    if (followed.measure !== undefined) this.durations!.onSendHeaders(followed.measure, socket);
  }

  onResponseHeaders({ request, response }: ResponseHeadersMessage): void {
    const followed = this.followed.get(request);
    if (followed === undefined) return;
    const status = response.statusCode;
    // An interim response (100 Continue, 103 Early Hints) is followed by the real one; 101
    // Switching Protocols is final.
    if (status >= 100 && status < 200 && status !== 101) return;
    if (followed.span !== undefined) this.spans.onResponseHeaders(followed.span, response);
    followed.measure?.responded(status, 'client');
    this.finish(request, followed);
  }

  /** `undici:request:trailers`: ends a request whose headers event never came. */
  onTrailers({ request }: RequestMessage): void {
    const followed = this.followed.get(request);
    if (followed !== undefined) this.finish(request, followed);
  }

  onError({ request, error }: RequestErrorMessage): void {
    const followed = this.followed.get(request);
    if (followed === undefined) return;
    if (followed.span !== undefined) this.spans.onError(followed.span, error);
    if (followed.measure !== undefined) this.durations!.onError(followed.measure, error);
    this.finish(request, followed);
  }

  private finish(request: UndiciRequest, { span, measure }: Followed): void {
    this.followed.delete(request);
    if (measure === undefined) {
      if (span !== undefined) this.spans.end(span, undefined);
      return;
    }
    const end = monotonicNow();
    this.durations!.record(measure, end);
    if (span !== undefined) this.spans.end(span, end);
  }
}
