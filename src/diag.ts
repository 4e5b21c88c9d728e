import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import type { LogLevel } from './config/types';

/**
 * The agent's diagnostic output. Everything the agent says goes through the API's `diag`,
 * so a user who installs their own DiagLogger sees it too.
 */

const LEVELS: Record<LogLevel, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

function write(level: string, message: string, args: unknown[]): void {
  let line = `otelite ${level}: ${message}`;
  for (const arg of args) line += ' ' + (arg instanceof Error ? arg.message : String(arg));
  // One diagnostic, one line: text from a collector or an error cannot forge a second line.
  process.stderr.write(line.replace(/[\r\n]+/g, ' ') + '\n');
}

export const stderrLogger: DiagLogger = {
  error: (m, ...a) => write('error', m, a),
  warn: (m, ...a) => write('warn', m, a),
  info: (m, ...a) => write('info', m, a),
  debug: (m, ...a) => write('debug', m, a),
  verbose: (m, ...a) => write('verbose', m, a),
};

export function installDiagLogger(level: LogLevel): void {
  diag.setLogger(stderrLogger, { logLevel: LEVELS[level], suppressOverrideMessage: true });
}

const said = new Set<string>();

/** Logs a message the first time `key` is seen, and never again: for faults that repeat. */
export function diagOnce(key: string, level: 'error' | 'warn' | 'info' | 'debug', message: string): void {
  if (said.has(key)) return;
  said.add(key);
  diag[level](message);
}
