import type { PinoLoggerSettings } from './settings';
import type { PinoSymbols } from './symbols';

/**
 * The settings of a logger, kept on the timestamp function the agent gave its root logger (child
 * loggers inherit it): one property read per record, no map lookup.
 */
const SETTINGS = Symbol('otelite.pino.settings');

export function attachSettings(time: object, settings: PinoLoggerSettings): void {
  (time as Record<symbol, unknown>)[SETTINGS] = settings;
}

/** Undefined for a logger the agent did not see made (made before the agent, or not by pino()). */
export function settingsOf(logger: Record<symbol, unknown>, symbols: PinoSymbols): PinoLoggerSettings | undefined {
  const time = symbols.time === undefined ? undefined : logger[symbols.time];
  return typeof time === 'function' ? ((time as unknown as Record<symbol, unknown>)[SETTINGS] as PinoLoggerSettings | undefined) : undefined;
}
