import { defineInstrumentation, wrapMethod, type AnyFunction, type Instrumentation, type InstrumentationState, type PatchTarget } from '../../src/instrument';
import type { LoggerInstrumentationConfig } from '../shared/logs/config';
import { LogSender } from '../shared/logs/sender';
import { capturing } from './capture';
import { CONSOLE_METHODS } from './methods';
import { nodeTracePrint, type Print } from './trace';

/**
 * `console.*` calls as log records (OTELITE_LOGS_CONSOLE, off by default): the global console's
 * trace, debug, log, info, dir, warn and error also emit what they print, with the active span's
 * context (`otelite/console` scope). Off, it has no target: nothing is patched. See README.md.
 */
export const CONSOLE_INSTRUMENTATION_NAME = 'console';

export function createConsoleInstrumentation(config: LoggerInstrumentationConfig): Instrumentation {
  return defineInstrumentation({
    name: CONSOLE_INSTRUMENTATION_NAME,
    targets: ({ state }) => (config.captureConsole === true ? [consoleTarget(state, new LogSender(`otelite/${CONSOLE_INSTRUMENTATION_NAME}`))] : []),
  });
}

/**
 * `node:console`, a builtin patched at start-up: its exports are the global console itself, and
 * the hooks refresh the builtin's ES module named exports (`import { log } from 'node:console'`).
 */
function consoleTarget(state: InstrumentationState, sender: LogSender): PatchTarget {
  return {
    module: 'console',
    versions: '*',
    patch(exports) {
      const console = exports as Record<PropertyKey, unknown>;
      // Node's own trace only: a trace someone replaced before the agent is theirs to print.
      const tracePrint = isNodeOwn(console.trace) ? nodeTracePrint(console) : undefined;
      for (const method of CONSOLE_METHODS) {
        if (method === 'trace' && tracePrint === undefined) continue;
        wrapMethod(console, method, (original) => {
          const print: Print = method === 'trace' ? tracePrint! : (self, args) => (original as AnyFunction).apply(self, args as unknown as unknown[]) as unknown;
          return capturing(method, print, state, sender);
        });
      }
      return exports;
    },
  };
}

/** The global console's methods are Node's, bound to it: their source reads as native code. */
function isNodeOwn(fn: unknown): boolean {
  return typeof fn === 'function' && Function.prototype.toString.call(fn) === 'function () { [native code] }';
}
