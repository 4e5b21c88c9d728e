import { ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import { exchangeOf, openExchange, requestMethod, ServerExchange } from '../../instrumentations/shared/server-exchange';

/**
 * `request` (and `response`) as the http instrumentation leaves them for the frameworks: followed,
 * with `server` as the SERVER span (recording or not) and its context. Returns `request`.
 */
export function followedRequest<T extends object>(request: T, server: Span, response: object = {}): T {
  const exchange = new ServerExchange(trace.setSpan(ROOT_CONTEXT, server), requestMethod(request));
  exchange.span = server;
  openExchange(request, response, exchange);
  return request;
}

/** What the http instrumentation does when a followed response is over: ends its exchange. */
export function responseOver(response: object): void {
  exchangeOf(response)?.end();
}
