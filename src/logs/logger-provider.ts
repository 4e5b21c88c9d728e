import type { Logger, LoggerOptions, LoggerProvider } from '@opentelemetry/api-logs';
import type { InstrumentationScope } from '../sdk/span-data';
import { SdkLogger, type LoggerShared } from './logger';

/**
 * The Logs SDK's LoggerProvider: one Logger per scope (name, version, schema URL), all handing
 * their records to one processor. After shutdown, loggers still accept records and drop them.
 */
export class SdkLoggerProvider implements LoggerProvider {
  private readonly loggers = new Map<string, SdkLogger>();

  constructor(private readonly shared: LoggerShared) {}

  getLogger(name: string, version?: string, options?: LoggerOptions): Logger {
    const schemaUrl = options?.schemaUrl;
    const key = `${name}\0${version ?? ''}\0${schemaUrl ?? ''}`;
    let logger = this.loggers.get(key);
    if (logger === undefined) {
      const scope: InstrumentationScope = { name: String(name ?? ''), version, schemaUrl };
      logger = new SdkLogger(scope, this.shared);
      this.loggers.set(key, logger);
    }
    return logger;
  }

  forceFlush(): Promise<void> {
    return this.shared.processor.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.shared.processor.shutdown();
  }

  unexported(): string | undefined {
    return this.shared.processor.unexported?.();
  }
}
