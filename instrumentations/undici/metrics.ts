import type { Context } from '@opentelemetry/api';
import { HttpMeasure, type HttpDuration } from '../shared/http-metrics';
import { errorTypeOf, type HttpSemantics } from '../shared/http-semantics';
import { protocolVersion, type RequestTarget } from './target';
import type { RequestErrorMessage, RequestMessage, ResponseHeadersMessage, SendHeadersMessage, UndiciRequest } from './types';

/**
 * `http.client.request.duration` of undici and fetch, from the same channel messages as the
 * spans (spans.ts) and ending where the span ends (at the response headers, or the failure),
 * for every request, sampled or not. Kept apart from the spans: a sampled-out request has no
 * span entry but is still measured.
 */
export class UndiciDurations {
  /** Keyed by undici's request object: an abandoned request takes its entry with it. */
  private readonly measures = new WeakMap<object, HttpMeasure>();

  constructor(
    private readonly duration: HttpDuration,
    private readonly http: HttpSemantics,
  ) {}

  /** `undici:request:create` of a request that is measured (requests.ts decided), made in the context `active`. */
  start(request: UndiciRequest, target: RequestTarget, active: Context): void {
    const measure = new HttpMeasure(performance.now(), this.http.methodOf(request.method), target.scheme, target.address, target.port);
    // The exemplar links to the caller's span: the request's own span is not known here.
    measure.context = active;
    this.measures.set(request, measure);
  }

  onSendHeaders({ request, socket }: SendHeadersMessage): void {
    const measure = this.measures.get(request);
    if (measure !== undefined && socket !== undefined) measure.protocolVersion = protocolVersion(socket.alpnProtocol);
  }

  onResponseHeaders({ request, response }: ResponseHeadersMessage): void {
    const measure = this.measures.get(request);
    if (measure === undefined) return;
    const status = response.statusCode;
    // An interim response is followed by the real one; 101 Switching Protocols is final.
    if (status >= 100 && status < 200 && status !== 101) return;
    measure.responded(status, 'client');
    this.finish(request, measure);
  }

  onTrailers({ request }: RequestMessage): void {
    const measure = this.measures.get(request);
    if (measure !== undefined) this.finish(request, measure);
  }

  onError({ request, error }: RequestErrorMessage): void {
    const measure = this.measures.get(request);
    if (measure === undefined) return;
    measure.errorType = errorTypeOf(error);
    this.finish(request, measure);
  }

  private finish(request: object, measure: HttpMeasure): void {
    this.measures.delete(request);
    this.duration.record(measure, performance.now());
  }
}
