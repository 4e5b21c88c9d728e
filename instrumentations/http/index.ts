import { trace } from '@opentelemetry/api';
import { stateOf, VERSION, wrapMethod, type HttpInstrumentationConfig, type Instrumentation } from '../../src/instrument';
import { createHttpSemantics } from '../shared/http-semantics';
import { wrapClientCall, wrapClientRequestEmit } from './client';
import { wrapIncomingMessageEmit } from './message';
import { wrapServerEmit, wrapServerResponseEmit } from './server';
import type { AnyFunction, HttpDeps } from './shared';

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
export const HTTP_SCOPE_NAME = 'otelite/http';

type HttpModule = typeof import('node:http');

function patchMessages(http: HttpModule, deps: HttpDeps): void {
  wrapMethod(http.ServerResponse.prototype, 'emit', (original) => wrapServerResponseEmit(original as AnyFunction, deps) as never);
  wrapMethod(http.ClientRequest.prototype, 'emit', (original) => wrapClientRequestEmit(original as AnyFunction, deps) as never);
  wrapMethod(http.IncomingMessage.prototype, 'emit', (original) => wrapIncomingMessageEmit(original as AnyFunction, deps) as never);
}

/** Patches one of `http` / `https` (same shape: `Server`, `request`, `get`). */
function patchModule(module: HttpModule, defaultProtocol: 'http:' | 'https:', deps: HttpDeps): void {
  // node:https's ClientRequest, ServerResponse and IncomingMessage are node:http's own classes.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  patchMessages(defaultProtocol === 'http:' ? module : (require('node:http') as HttpModule), deps);
  wrapMethod(module.Server.prototype, 'emit', (original) => wrapServerEmit(original as AnyFunction, deps) as never);
  wrapMethod(module, 'request', (original) => wrapClientCall(original, defaultProtocol, deps) as never);
  wrapMethod(module, 'get', (original) => wrapClientCall(original, defaultProtocol, deps) as never);
}

export function createHttpInstrumentation(config: HttpInstrumentationConfig): Instrumentation {
  let deps: HttpDeps | undefined;
  // Built on first patch: the tracer is taken once the agent has registered its provider.
  const getDeps = (): HttpDeps =>
    (deps ??= {
      tracer: trace.getTracer(HTTP_SCOPE_NAME, VERSION),
      http: createHttpSemantics(config),
      config,
      state: stateOf(HTTP_INSTRUMENTATION_NAME),
      hasExclusions: config.excludedUrls.length > 0,
    });
  return {
    name: HTTP_INSTRUMENTATION_NAME,
    targets: [
      { module: 'http', versions: '*', patch: (exports) => patchModule(exports as HttpModule, 'http:', getDeps()) },
      { module: 'https', versions: '*', patch: (exports) => patchModule(exports as HttpModule, 'https:', getDeps()) },
    ],
  };
}
