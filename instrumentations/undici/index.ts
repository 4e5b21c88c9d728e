import { defineInstrumentation, subscribeGuarded, type HttpInstrumentationConfig, type Instrumentation } from '../../src/instrument';
import { HttpDuration } from '../shared/http-metrics';
import { createHttpSemantics } from '../shared/http-semantics';
import { UndiciDurations } from './metrics';
import { UndiciRequests } from './requests';
import { UndiciSpans } from './spans';
import type { RequestErrorMessage, RequestMessage, ResponseHeadersMessage, SendHeadersMessage } from './types';

/**
 * undici and Node's global `fetch` (undici bundled inside Node), through undici's own
 * diagnostics channels: no module hook, no patch, so it covers every copy of undici in the
 * process, however it was loaded (require, import, or Node's built-in fetch).
 *
 * Supported: the `undici` package 5.x to 8.x (the request channels exist since 5.x; 8.x needs
 * Node >= 22.19) and the global `fetch` of Node 20 to 26. Older undici publishes nothing, so it
 * is simply not traced.
 */
export const UNDICI_INSTRUMENTATION_NAME = 'undici';

export function createUndiciInstrumentation(config: HttpInstrumentationConfig): Instrumentation {
  return defineInstrumentation({
    name: UNDICI_INSTRUMENTATION_NAME,
    metrics: config.metrics,
    enable({ tracer, meter, state }) {
      const http = createHttpSemantics(config);
      const durations = meter === undefined ? undefined : new UndiciDurations(new HttpDuration(meter, 'client'), http);
      const requests = new UndiciRequests(http, new UndiciSpans(tracer, http), durations);
      subscribeGuarded<RequestMessage>(state, 'undici:request:create', (message) => requests.onCreate(message));
      subscribeGuarded<SendHeadersMessage>(state, 'undici:client:sendHeaders', (message) => requests.onSendHeaders(message));
      subscribeGuarded<ResponseHeadersMessage>(state, 'undici:request:headers', (message) => requests.onResponseHeaders(message));
      subscribeGuarded<RequestMessage>(state, 'undici:request:trailers', (message) => requests.onTrailers(message));
      subscribeGuarded<RequestErrorMessage>(state, 'undici:request:error', (message) => requests.onError(message));
    },
  });
}
