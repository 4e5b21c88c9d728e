import { context } from '@opentelemetry/api';
import { isTracingSuppressed } from '../../src/instrument';
import type { HttpSemantics } from '../shared/http-semantics';
import type { UndiciDurations } from './metrics';
import type { UndiciSpans } from './spans';
import { requestTarget } from './target';
import type { RequestErrorMessage, RequestMessage, ResponseHeadersMessage, SendHeadersMessage } from './types';

/**
 * The one subscriber of each undici channel: decides once per request whether it is followed
 * (not a proxy CONNECT, not in a suppressed context, not excluded by OTEL_NODE_EXCLUDED_URLS),
 * works out its target once, and hands both to the spans and, when metrics are on, the durations.
 */
export class UndiciRequests {
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
    this.spans.start(request, target, active);
    this.durations?.start(request, target, active);
  }

  onSendHeaders(message: SendHeadersMessage): void {
    this.spans.onSendHeaders(message);
    this.durations?.onSendHeaders(message);
  }

  onResponseHeaders(message: ResponseHeadersMessage): void {
    this.spans.onResponseHeaders(message);
    this.durations?.onResponseHeaders(message);
  }

  onTrailers(message: RequestMessage): void {
    this.spans.onTrailers(message);
    this.durations?.onTrailers(message);
  }

  onError(message: RequestErrorMessage): void {
    this.spans.onError(message);
    this.durations?.onError(message);
  }
}
