import { createNoopLogger, type Logger, type LoggerOptions, type LoggerProvider } from '@opentelemetry/api-logs';
import type { SdkLoggerProvider } from './logger-provider';

/**
 * The LoggerProvider the agent registers at start-up: it loads the Logs SDK (and its exporters)
 * only when something first asks for a logger, so an app that never logs through the API pays
 * nothing for logs at start-up.
 */
export class LazyLoggerProvider implements LoggerProvider {
  private real: SdkLoggerProvider | undefined;
  private failed = false;

  constructor(
    private readonly create: () => SdkLoggerProvider,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  getLogger(name: string, version?: string, options?: LoggerOptions): Logger {
    if (this.real === undefined && !this.failed) {
      try {
        this.real = this.create();
      } catch (error) {
        // Logs are off from now on; the app and the other signals go on.
        this.failed = true;
        this.onFailure(error);
      }
    }
    return this.real?.getLogger(name, version, options) ?? createNoopLogger();
  }

  /** Nothing to flush when no logger was ever asked for. */
  forceFlush(): Promise<void> {
    return this.real?.forceFlush() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.real?.shutdown() ?? Promise.resolve();
  }

  unexported(): string | undefined {
    return this.real?.unexported();
  }
}
