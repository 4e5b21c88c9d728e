import { defineInstrumentation, wrapMethod, type AnyFunction, type Instrumentation, type InstrumentationState, type PatchTarget } from '../../src/instrument';
import type { LoggerInstrumentationConfig } from '../shared/logs/config';
import { LogSender } from '../shared/logs/sender';
import type { TraceFields } from '../shared/logs/trace-fields';
import { correlate, sendBunyanRecord } from './record';

/**
 * bunyan 1 and 2: trace ids in every record written inside a span, and each record emitted
 * through the Logs API, from `Logger.prototype._emit`, the one method every record passes
 * through. bunyan is one file, its package's main file: required by the app, or imported from
 * an ES module (the framework's entry-imports.ts offers it then).
 */
export const BUNYAN_INSTRUMENTATION_NAME = 'bunyan';

export function createBunyanInstrumentation(config: LoggerInstrumentationConfig): Instrumentation {
  return defineInstrumentation({
    name: BUNYAN_INSTRUMENTATION_NAME,
    targets: ({ state }) => [bunyanTarget(state, config, new LogSender(`otelite/${BUNYAN_INSTRUMENTATION_NAME}`))],
  });
}

interface BunyanExports {
  prototype?: { _emit?: AnyFunction };
  nameFromLevel?: Record<number, string>;
}

export function bunyanTarget(state: InstrumentationState, config: LoggerInstrumentationConfig, sender: LogSender): PatchTarget {
  return {
    module: 'bunyan',
    versions: '>=1.0.0 <3',
    patch(exports) {
      // The Logger class itself; a namespace whose default it is, should one be given.
      const Logger = (typeof exports === 'function' ? exports : (exports as { default?: unknown }).default) as BunyanExports | undefined;
      const proto = Logger?.prototype;
      if (proto === undefined) return exports;
      const levelName = (level: number): string | undefined => Logger?.nameFromLevel?.[level];
      wrapMethod(proto, '_emit', (original) =>
        function _emit(this: { streams?: unknown }, rec: unknown, noemit: unknown): unknown {
          let added: TraceFields | undefined;
          const record = state.active && rec !== null && typeof rec === 'object' ? (rec as Record<string, unknown>) : undefined;
          if (record !== undefined) {
            try {
              added = correlate(record);
            } catch (error) {
              state.fail(error);
            }
          }
          const result: unknown = original.apply(this, arguments as unknown as unknown[]);
          // `noemit` asks for the serialized line only (the DTrace probes): no record is written.
          if (record !== undefined && config.send && noemit !== true && state.active) {
            try {
              sendBunyanRecord(sender, this, record, added, levelName);
            } catch (error) {
              state.fail(error);
            }
          }
          return result;
        },
      );
      return exports;
    },
  };
}
