import { defineInstrumentation, subscribeGuarded, type HttpInstrumentationConfig, type Instrumentation } from '../../src/instrument';
import { HandlerChannel } from './handler-channel';
import { HookFailures, type FastifyDeps } from './hook-call';
import { instrumentInstance, type InstanceDeps } from './instance';
import { patchRouter } from './route-naming';
import { RouteRegistry } from './routes';
import type { InitializationMessage } from './types';

/**
 * fastify 4 and 5, with no change to the app: every `fastify()` publishes its new instance on
 * the `fastify.initialization` channel (since fastify 3.21), before the app adds a route, and the
 * agent instruments it there (instance.ts) through fastify's own hook API. fastify 5's handlers
 * are traced from fastify's `tracing:fastify.request.handler` channel (handler-channel.ts);
 * fastify 4 has none, and its handlers are wrapped. The SERVER span is named from the route
 * fastify's router (find-my-way) matched (route-naming.ts). See README.md.
 */
export const FASTIFY_INSTRUMENTATION_NAME = 'fastify';

export function createFastifyInstrumentation(config: HttpInstrumentationConfig): Instrumentation {
  return defineInstrumentation({
    name: FASTIFY_INSTRUMENTATION_NAME,
    shared: ({ tracer, state }): InstanceDeps => {
      const deps: FastifyDeps = { tracer, config, state, failures: new HookFailures() };
      const routes = new RouteRegistry();
      return { ...deps, routes, handlerChannel: new HandlerChannel(deps, routes) };
    },
    targets: (_ctx, deps) => [
      {
        // fastify 4 uses find-my-way 8, fastify 5 find-my-way 9.
        module: 'find-my-way',
        versions: '>=8 <10',
        patch: (exports) => patchRouter((exports as { prototype?: object }).prototype, deps),
      },
    ],
    enable({ state }, deps) {
      subscribeGuarded<InitializationMessage>(state, 'fastify.initialization', (message) => instrumentInstance(message?.fastify, deps));
    },
  });
}
