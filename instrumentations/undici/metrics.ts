import type { Context } from '@opentelemetry/api';
import { monotonicNow } from '../../src/instrument';
import { HttpMeasure, type HttpDuration } from '../shared/http-metrics';
import { errorTypeOf, type HttpSemantics } from '../shared/http-semantics';
import { protocolVersion, type RequestTarget } from './target';
import type { SendHeadersMessage, UndiciRequest } from './types';

/**
 * `http.client.request.duration` of undici and fetch, from the same channel messages as the
 * spans (requests.ts follows both under one entry per request) and ending where the span ends
 * (at the response headers, or the failure), for every request, sampled or not: a sampled-out
 * request has no span but is still measured.
 */
export class UndiciDurations {
  constructor(
    private readonly duration: HttpDuration,
    private readonly http: HttpSemantics,
  ) {}

  /** `undici:request:create` of a request that is measured (requests.ts decided), made in the context `active`. */
  start(request: UndiciRequest, target: RequestTarget, active: Context): HttpMeasure {
    const measure = new HttpMeasure(monotonicNow(), this.http.methodOf(request.method), target.scheme, target.address, target.port);
    // The exemplar links to the caller's span: the request's own span is not known here.
    measure.context = active;
    return measure;
  }

  onSendHeaders(measure: HttpMeasure, socket: NonNullable<SendHeadersMessage['socket']>): void {
    measure.protocolVersion = protocolVersion(socket.alpnProtocol);
  }

  onError(measure: HttpMeasure, error: unknown): void {
    measure.errorType = errorTypeOf(error);
  }

  /** The request is over at `end` (a `performance.now()` reading). */
  record(measure: HttpMeasure, end: number): void {
    this.duration.record(measure, end);
  }
}
