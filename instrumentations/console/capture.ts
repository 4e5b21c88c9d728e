import { context } from '@opentelemetry/api';
import { isTracingSuppressed, type InstrumentationState } from '../../src/instrument';
import type { LogSender } from '../shared/logs/sender';
import { consoleText } from './body';
import { CONSOLE_SEVERITY, type ConsoleMethod } from './methods';
import { traceText, type Print } from './trace';

/** The semantic conventions' stack of a record that is not an exception (`code.stacktrace`). */
const ATTR_CODE_STACKTRACE = 'code.stacktrace';

/**
 * True while a console call is printed and recorded. A console call made meanwhile is part of
 * that one, never a record of its own: `console.trace` printing through `console.error`, an
 * exporter or a diagnostic logger writing to the console while the record is emitted. One flag
 * for every method: console calls are synchronous and a process has one console.
 */
let busy = false;

/**
 * The wrapper of one console method: it prints first, as the method does (same `this`,
 * arguments and result; anything thrown passes on untouched); then, outside the agent's own work
 * (a suppressed context: exports, the Prometheus server), the printed text is emitted as a log
 * record in the active context.
 */
export function capturing(method: ConsoleMethod, print: Print, state: InstrumentationState, sender: LogSender): (...args: never[]) => unknown {
  const severityNumber = CONSOLE_SEVERITY[method];
  const wrapper = function (this: unknown): unknown {
    if (busy || !state.active || isTracingSuppressed(context.active())) return print(this, arguments, wrapper);
    busy = true;
    try {
      const result = print(this, arguments, wrapper);
      record(arguments);
      return result;
    } finally {
      busy = false;
    }
  };

  const record = (args: IArguments): void => {
    let body: string;
    try {
      if (!sender.enabled(severityNumber)) return;
      body = consoleText(method, args);
    } catch {
      // The app's values formatted once for the console and failed the second time (a stateful
      // inspect or Proxy): this one call has no record.
      return;
    }
    try {
      const attributes = method === 'trace' ? { [ATTR_CODE_STACKTRACE]: traceText(body, wrapper) } : {};
      sender.emit({ timeMs: Date.now(), severityNumber, severityText: method, body, attributes });
    } catch (error) {
      state.fail(error);
    }
  };

  return wrapper;
}
