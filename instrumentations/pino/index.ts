import { defineInstrumentation, wrapMethod, type AnyFunction, type Instrumentation, type InstrumentationState, type PatchTarget } from '../../src/instrument';
import type { LoggerInstrumentationConfig } from '../shared/logs/config';
import { LogSender } from '../shared/logs/sender';
import { correlatingMixin } from './mixin';
import { rememberBindings, sendPinoRecord } from './send';
import { settingsFromOptions } from './settings';
import { readPinoSymbols, type PinoSymbols } from './symbols';

/**
 * pino 5.14 to 10: trace ids in every record written inside a span (a mixin chained with the
 * app's), and each record emitted through the Logs API. Three internal files, which pass through
 * the require hook for ES module apps too. See README.md.
 */
export const PINO_INSTRUMENTATION_NAME = 'pino';
const PINO_VERSIONS = '>=5.14.0 <11';

export function createPinoInstrumentation(config: LoggerInstrumentationConfig): Instrumentation {
  return defineInstrumentation({
    name: PINO_INSTRUMENTATION_NAME,
    targets: ({ state }) => pinoTargets(state, config, new LogSender(`otelite/${PINO_INSTRUMENTATION_NAME}`)),
  });
}

type Normalize = (...args: unknown[]) => unknown;

export function pinoTargets(state: InstrumentationState, config: LoggerInstrumentationConfig, sender: LogSender): PatchTarget[] {
  const symbols: PinoSymbols = {};

  // pino's symbols, loaded before the files that use them.
  const symbolsFile: PatchTarget = {
    module: 'pino',
    file: 'lib/symbols.js',
    versions: PINO_VERSIONS,
    patch(exports) {
      readPinoSymbols(exports, symbols);
      return exports;
    },
  };

  // The options normalizer every pino() call goes through: its result is a fresh copy of the
  // app's options, where the agent's mixin replaces (and calls) the app's.
  const tools: PatchTarget = {
    module: 'pino',
    file: 'lib/tools.js',
    versions: PINO_VERSIONS,
    patch(exports) {
      const tools = exports as { createArgsNormalizer?: AnyFunction };
      wrapMethod(tools, 'createArgsNormalizer', (original) =>
        function createArgsNormalizer(this: unknown, ...args: unknown[]): unknown {
          const normalize = original.apply(this, args) as Normalize;
          if (typeof normalize !== 'function') return normalize;
          return function normalizeArgs(this: unknown, ...normalizeArgs: unknown[]): unknown {
            const result = normalize.apply(this, normalizeArgs);
            if (state.active) {
              try {
                const opts = (result as { opts?: Record<string, unknown> } | undefined)?.opts;
                if (opts !== null && typeof opts === 'object') opts.mixin = correlatingMixin(opts.mixin, settingsFromOptions(opts), state, symbols);
              } catch (error) {
                state.fail(error);
              }
            }
            return result;
          };
        },
      );
      return exports;
    },
  };

  // The logger prototype: its internal write (every record, after pino has written it) and child.
  const proto: PatchTarget = {
    module: 'pino',
    file: 'lib/proto.js',
    versions: PINO_VERSIONS,
    patch(exports) {
      if (!config.send) return exports;
      // pino 5 exports the prototype, later versions a function that makes an object on it.
      const prototype = (typeof exports === 'function' ? Object.getPrototypeOf((exports as () => object)()) : exports) as Record<PropertyKey, unknown>;
      const write = symbols.write;
      if (write === undefined || typeof prototype[write] !== 'function') return exports;
      wrapMethod(prototype, write, (original) =>
        function write(this: Record<symbol, unknown>, obj: unknown, msg: unknown, level: unknown): unknown {
          const result: unknown = original.apply(this, arguments as unknown as unknown[]);
          if (state.active && typeof level === 'number') {
            try {
              sendPinoRecord(sender, symbols, this, obj, msg, level);
            } catch (error) {
              state.fail(error);
            }
          }
          return result;
        },
      );
      wrapMethod(prototype, 'child', (child) =>
        function (this: object, ...args: unknown[]): unknown {
          const made = child.apply(this, args);
          if (state.active) rememberBindings(made, this, args[0]);
          return made;
        },
      );
      return exports;
    },
  };

  return [symbolsFile, tools, proto];
}
