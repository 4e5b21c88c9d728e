import { SEVERITY } from '../shared/logs/severity';

/**
 * The console methods that become log records, and the severity of each (the method's name is
 * the severity text). `dir` prints an object to stdout as `log` does. The rest print through
 * these (`assert` through `warn`, `table`, `count`, `timeEnd` and `group` through `log`), so
 * their text arrives under the method that printed it; `trace` prints through `error` but is one
 * record of its own.
 */
export const CONSOLE_SEVERITY = {
  trace: SEVERITY.TRACE,
  debug: SEVERITY.DEBUG,
  log: SEVERITY.INFO,
  info: SEVERITY.INFO,
  dir: SEVERITY.INFO,
  warn: SEVERITY.WARN,
  error: SEVERITY.ERROR,
} as const;

export type ConsoleMethod = keyof typeof CONSOLE_SEVERITY;

export const CONSOLE_METHODS = Object.keys(CONSOLE_SEVERITY) as ConsoleMethod[];
