import { trace } from '@opentelemetry/api';
import { stateOf, subscribeGuarded, VERSION, type HttpInstrumentationConfig, type Instrumentation } from '../../src/instrument';
import { HandlerChannel } from './handler-channel';
import type { FastifyDeps } from './hook-call';
import { instrumentInstance } from './instance';
import { RouteRegistry } from './routes';
import type { InitializationMessage } from './types';

/**
 * fastify 4 and 5, with no change to the app and no module hook: every `fastify()` publishes its
 * new instance on the `fastify.initialization` channel (since fastify 3.21), before the app adds
 * a route, and the agent instruments it there (instance.ts) through fastify's own hook API.
 * fastify 5's handlers are traced from fastify's `tracing:fastify.request.handler` channel
 * (handler-channel.ts); fastify 4 has none, and its handlers are wrapped. See README.md.
 */
export const FASTIFY_INSTRUMENTATION_NAME = 'fastify';
export const FASTIFY_SCOPE_NAME = 'otelite/fastify';

export function createFastifyInstrumentation(config: HttpInstrumentationConfig): Instrumentation {
  return {
    name: FASTIFY_INSTRUMENTATION_NAME,
    targets: [],
    enable() {
      const state = stateOf(FASTIFY_INSTRUMENTATION_NAME);
      const deps: FastifyDeps = { tracer: trace.getTracer(FASTIFY_SCOPE_NAME, VERSION), config, state };
      const routes = new RouteRegistry();
      const instanceDeps = { ...deps, routes, handlerChannel: new HandlerChannel(deps, routes) };
      subscribeGuarded<InitializationMessage>(state, 'fastify.initialization', (message) => instrumentInstance(message?.fastify, instanceDeps));
    },
  };
}
