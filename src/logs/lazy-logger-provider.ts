import { createNoopLogger, type Logger, type LoggerOptions, type LoggerProvider } from '@opentelemetry/api-logs';
import { LazySdk } from '../lazy-sdk';
import type { SdkLoggerProvider } from './logger-provider';

/**
 * The LoggerProvider the agent registers at start-up: the Logs SDK (and its exporters) loads when
 * something first asks for a logger.
 */
export class LazyLoggerProvider extends LazySdk<SdkLoggerProvider> implements LoggerProvider {
  getLogger(name: string, version?: string, options?: LoggerOptions): Logger {
    return this.load()?.getLogger(name, version, options) ?? createNoopLogger();
  }

  unexported(): string | undefined {
    return this.real?.unexported();
  }
}
