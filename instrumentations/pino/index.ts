import { defineInstrumentation, wrapMethod, type AnyFunction, type Instrumentation, type InstrumentationState, type PatchTarget } from '../../src/instrument';
import type { LoggerInstrumentationConfig } from '../shared/logs/config';
import { LogSender } from '../shared/logs/sender';
import { nextLine, timeWithFragment, traceFragment } from './fragment';
import { attachSettings, settingsOf } from './logger-settings';
import { correlatingMixin } from './mixin';
import { rememberBindings, sendPinoRecord } from './send';
import { DEFAULT_SETTINGS, settingsFromOptions } from './settings';
import { readPinoSymbols, type PinoSymbols } from './symbols';

/**
 * pino 5.14 to 10: trace ids in every line written inside a span (through pino's timestamp
 * extension point, or a mixin chained with the app's), and each record emitted through the Logs
 * API. Four internal files, which pass through the require hook for ES module apps too. See
 * README.md.
 */
export const PINO_INSTRUMENTATION_NAME = 'pino';
const PINO_VERSIONS = '>=5.14.0 <11';

export function createPinoInstrumentation(config: LoggerInstrumentationConfig): Instrumentation {
  return defineInstrumentation({
    name: PINO_INSTRUMENTATION_NAME,
    targets: ({ state }) => pinoTargets(state, config, new LogSender(`otelite/${PINO_INSTRUMENTATION_NAME}`)),
  });
}

type TimeFunction = (this: unknown) => unknown;

interface NormalizedArgs {
  opts?: Record<string, unknown>;
  stream?: unknown;
}

function pinoTargets(state: InstrumentationState, config: LoggerInstrumentationConfig, sender: LogSender): PatchTarget[] {
  const symbols: PinoSymbols = {};
  const times: { epochTime?: TimeFunction; nullTime?: TimeFunction } = {};

  // pino's symbols and default time functions, loaded before the files that use them.
  const symbolsFile: PatchTarget = {
    module: 'pino',
    file: 'lib/symbols.js',
    versions: PINO_VERSIONS,
    patch(exports) {
      readPinoSymbols(exports, symbols);
      return exports;
    },
  };
  const timeFile: PatchTarget = {
    module: 'pino',
    file: 'lib/time.js',
    versions: PINO_VERSIONS,
    patch(exports) {
      const time = exports as Record<string, unknown>;
      if (typeof time.epochTime === 'function') times.epochTime = time.epochTime as TimeFunction;
      if (typeof time.nullTime === 'function') times.nullTime = time.nullTime as TimeFunction;
      return exports;
    },
  };

  /** What every new root logger gets, in the fresh copy of its options pino's normalizer returns. */
  const prepare = (normalized: NormalizedArgs): void => {
    const opts = normalized.opts;
    if (opts === null || typeof opts !== 'object') return;
    // pino's own choice of time function (pino.js: a function, or true/false for its defaults).
    const base = typeof opts.timestamp === 'function' ? (opts.timestamp as TimeFunction) : opts.timestamp === false ? times.nullTime : times.epochTime;
    if (base === undefined) return;
    const settings = settingsFromOptions(opts, normalized.stream);
    if (!settings.fragment) opts.mixin = correlatingMixin(opts.mixin, state, symbols);
    const time = timeWithFragment(base);
    attachSettings(time, settings);
    opts.timestamp = time;
  };

  // The options normalizer every pino() call goes through.
  const tools: PatchTarget = {
    module: 'pino',
    file: 'lib/tools.js',
    versions: PINO_VERSIONS,
    patch(exports) {
      wrapMethod(exports as { createArgsNormalizer?: AnyFunction }, 'createArgsNormalizer', (original) =>
        function createArgsNormalizer(this: unknown, ...args: unknown[]): unknown {
          const normalize = original.apply(this, args) as unknown;
          if (typeof normalize !== 'function') return normalize;
          return function normalizeArgs(this: unknown, ...normalizeArgs: unknown[]): unknown {
            const result = (normalize as AnyFunction).apply(this, normalizeArgs) as unknown;
            if (state.active && result !== null && typeof result === 'object') {
              try {
                prepare(result as NormalizedArgs);
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

  /** The line pino's `asJson` made for the record being written: set by its wrapper, taken (and cleared) when the write returns. */
  const writtenLine: { line: string | undefined } = { line: undefined };

  // The logger prototype: its internal write (every record) and child (the bindings, for sending).
  const proto: PatchTarget = {
    module: 'pino',
    file: 'lib/proto.js',
    versions: PINO_VERSIONS,
    patch(exports) {
      // pino 5 exports the prototype, later versions a function that makes an object on it.
      const prototype = (typeof exports === 'function' ? Object.getPrototypeOf((exports as () => object)()) : exports) as Record<PropertyKey, unknown>;
      const write = symbols.write;
      if (write === undefined || typeof prototype[write] !== 'function') return exports;
      wrapMethod(prototype, write, (original) =>
        function write(this: Record<symbol, unknown>, obj: unknown, msg: unknown, level: unknown): unknown {
          const settings = state.active ? settingsOf(this, symbols) : undefined;
          if (settings?.fragment === true) {
            try {
              nextLine.fragment = traceFragment(obj, symbols.chindings === undefined ? undefined : this[symbols.chindings]);
            } catch (error) {
              state.fail(error);
            }
          }
          let result: unknown;
          let line: string | undefined;
          try {
            result = original.apply(this, arguments as unknown as unknown[]);
          } finally {
            nextLine.fragment = '';
            line = writtenLine.line;
            writtenLine.line = undefined;
          }
          if (config.send && state.active && typeof level === 'number') {
            try {
              sendPinoRecord(sender, symbols, settings ?? DEFAULT_SETTINGS, this, obj, msg, level, line);
            } catch (error) {
              state.fail(error);
            }
          }
          return result;
        },
      );
      const asJson = symbols.asJson;
      if (config.send && asJson !== undefined && typeof prototype[asJson] === 'function') {
        // The line the internal write makes, kept for sending: the fields pino serialized are read
        // from it rather than serialized a second time (send.ts).
        wrapMethod(prototype, asJson, (original) =>
          function asJson(this: unknown): unknown {
            const line: unknown = original.apply(this, arguments as unknown as unknown[]);
            writtenLine.line = typeof line === 'string' ? line : undefined;
            return line;
          },
        );
      }
      if (config.send) {
        wrapMethod(prototype, 'child', (child) =>
          function (this: object, ...args: unknown[]): unknown {
            const made = child.apply(this, args) as unknown;
            if (state.active) rememberBindings(made, this, args[0]);
            return made;
          },
        );
      }
      return exports;
    },
  };

  return [symbolsFile, timeFile, tools, proto];
}
