import { defineInstrumentation, wrapMethod, type AnyFunction, type Instrumentation, type InstrumentationState, type PatchTarget } from '../../src/instrument';
import type { LoggerInstrumentationConfig } from '../shared/logs/config';
import { LogSender } from '../shared/logs/sender';
import { correlateInfo } from './correlate';
import { winstonLegacyTarget } from './legacy';
import { sendWinstonInfo } from './send';

/**
 * winston 1 to 3: trace ids in every record written inside a span, and each record emitted
 * through the Logs API, from `lib/winston/logger.js` (an internal file: ES module apps pass
 * through the require hook too): winston 3's stream methods here, winston 1 and 2's rewriters in
 * legacy.ts. Nothing is added to `logger.format` or `logger.transports`. See README.md.
 */
export const WINSTON_INSTRUMENTATION_NAME = 'winston';

export function createWinstonInstrumentation(config: LoggerInstrumentationConfig): Instrumentation {
  return defineInstrumentation({
    name: WINSTON_INSTRUMENTATION_NAME,
    targets: ({ state }) => {
      const sender = new LogSender(`otelite/${WINSTON_INSTRUMENTATION_NAME}`);
      return [winston3Target(state, config, sender), winstonLegacyTarget(state, config, sender)];
    },
  });
}

interface LoggerPrototype {
  _transform?: AnyFunction;
  push?: AnyFunction;
}

export function winston3Target(state: InstrumentationState, config: LoggerInstrumentationConfig, sender: LogSender): PatchTarget {
  return {
    module: 'winston',
    file: 'lib/winston/logger.js',
    versions: '>=3.0.0 <4',
    patch(exports) {
      const proto = (exports as { prototype?: LoggerPrototype }).prototype;
      if (proto === undefined) return exports;
      // Every record enters the logger's stream here, before the logger's format runs.
      wrapMethod(proto, '_transform', (original) =>
        function _transform(this: unknown, ...args: unknown[]): unknown {
          const info = args[0];
          if (state.active && info !== null && typeof info === 'object') {
            try {
              correlateInfo(info as Record<PropertyKey, unknown>);
            } catch (error) {
              state.fail(error);
            }
          }
          return original.apply(this, args);
        },
      );
      if (!config.send) return exports;
      // ...and leaves it here, formatted, on its way to the transports (a format that filters a
      // record out returns false: nothing is sent for it either).
      wrapMethod(proto, 'push', (original) =>
        function push(this: object, ...args: unknown[]): unknown {
          const info = args[0];
          if (state.active && info !== null && typeof info === 'object') {
            try {
              sendWinstonInfo(sender, this, info as Record<PropertyKey, unknown>);
            } catch (error) {
              state.fail(error);
            }
          }
          return original.apply(this, args);
        },
      );
      return exports;
    },
  };
}
