import { defineInstrumentation, type HttpInstrumentationConfig, type Instrumentation } from '../../src/instrument';
import { patchLayer, type LayerPrototype } from './handle';
import { patchRegistration } from './registration';
import { ExpressTracing } from './tracing';
import type { RouterLike } from './types';

/**
 * express 4 and 5. Express publishes no diagnostics channel for its layers (router 2.3 has one,
 * but it reports neither `next()` calls nor the route template, and older routers have none),
 * so the router is patched, in internal files only: an ES module app that imports express is
 * covered without ESM hooks, because express's entry file requires them. See README.md.
 *
 * | express | router code           | registration (`use`, `route`) | per request (layer) |
 * |---------|-----------------------|-------------------------------|---------------------|
 * | 4.x     | `express/lib/router/` | `index.js`                    | `layer.js`          |
 * | 5.x     | the `router` package  | `router` (its main file)      | `lib/layer.js`      |
 */
export const EXPRESS_INSTRUMENTATION_NAME = 'express';

export function createExpressInstrumentation(config: HttpInstrumentationConfig): Instrumentation {
  return defineInstrumentation({
    name: EXPRESS_INSTRUMENTATION_NAME,
    targets({ tracer, state }) {
      const tracing = new ExpressTracing(tracer, config, state);
      return [
        {
          module: 'express',
          file: 'lib/router/index.js',
          versions: '>=4 <5',
          patch: (exports) => patchRegistration(exports as RouterLike, state),
        },
        {
          module: 'express',
          file: 'lib/router/layer.js',
          versions: '>=4 <5',
          patch: (exports) => patchLayer((exports as { prototype?: LayerPrototype }).prototype, 'handle_request', 'handle_error', tracing),
        },
        {
          module: 'router',
          versions: '>=2 <3',
          patch: (exports) => patchRegistration((exports as { prototype?: RouterLike }).prototype, state),
        },
        {
          module: 'router',
          file: 'lib/layer.js',
          versions: '>=2 <3',
          patch: (exports) => patchLayer((exports as { prototype?: LayerPrototype }).prototype, 'handleRequest', 'handleError', tracing),
        },
      ];
    },
  });
}
