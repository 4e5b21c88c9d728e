import { defineInstrumentation, wrapMethod, type HttpInstrumentationConfig, type Instrumentation } from '../../src/instrument';
import { HttpDuration } from '../shared/http-metrics';
import { createHttpSemantics } from '../shared/http-semantics';
import { wrapClientCall, wrapClientRequestEmit } from './client';
import { wrapIncomingMessageEmit } from './message';
import { ListenerErrors, wrapServerEmit, wrapServerResponseEmit } from './server';
import type { HttpDeps } from './deps';

/**
 * node:http and node:https, server and client, by patching (the builtins' diagnostics channels
 * are incomplete before Node 22.12 and do not let the agent run listeners in a context):
 * - `Server.prototype.emit` of both modules: SERVER spans (server.ts);
 * - `request` and `get` of both modules: CLIENT spans and header injection (client.ts);
 * - `emit` of `ServerResponse`, `ClientRequest` and `IncomingMessage` (shared by both modules):
 *   the events that end the spans, with no listener added per request.
 * Builtins are patched when the agent starts, before the app loads, so ES module named imports
 * (`import { request } from 'node:http'`) see the patched functions too.
 */
export const HTTP_INSTRUMENTATION_NAME = 'http';

type HttpModule = typeof import('node:http');

function patchMessages(http: HttpModule, deps: HttpDeps): void {
  wrapMethod(http.ServerResponse.prototype, 'emit', (original) => wrapServerResponseEmit(original, deps));
  wrapMethod(http.ClientRequest.prototype, 'emit', (original) => wrapClientRequestEmit(original, deps));
  wrapMethod(http.IncomingMessage.prototype, 'emit', (original) => wrapIncomingMessageEmit(original, deps));
}

/** Patches one of `http` / `https` (same shape: `Server`, `request`, `get`). */
function patchModule(module: HttpModule, defaultProtocol: 'http:' | 'https:', deps: HttpDeps): void {
  // node:https's ClientRequest, ServerResponse and IncomingMessage are node:http's own classes.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  patchMessages(defaultProtocol === 'http:' ? module : (require('node:http') as HttpModule), deps);
  wrapMethod(module.Server.prototype, 'emit', (original) => wrapServerEmit(original, deps));
  wrapMethod(module, 'request', (original) => wrapClientCall(original, defaultProtocol, deps));
  wrapMethod(module, 'get', (original) => wrapClientCall(original, defaultProtocol, deps));
}

export function createHttpInstrumentation(config: HttpInstrumentationConfig): Instrumentation {
  return defineInstrumentation({
    name: HTTP_INSTRUMENTATION_NAME,
    metrics: config.metrics,
    targets({ tracer, meter, state }) {
      const deps: HttpDeps = {
        tracer,
        http: createHttpSemantics(config),
        config,
        state,
        hasExclusions: config.excludedUrls.length > 0,
        listenerErrors: new ListenerErrors(state),
        serverDuration: meter === undefined ? undefined : new HttpDuration(meter, 'server'),
        clientDuration: meter === undefined ? undefined : new HttpDuration(meter, 'client'),
      };
      return [
        { module: 'http', versions: '*', patch: (exports) => patchModule(exports as HttpModule, 'http:', deps) },
        { module: 'https', versions: '*', patch: (exports) => patchModule(exports as HttpModule, 'https:', deps) },
      ];
    },
  });
}
