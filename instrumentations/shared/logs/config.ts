/** What the pino, winston and bunyan instrumentations are told by the agent. */
export interface LoggerInstrumentationConfig {
  /**
   * Whether each record is also emitted through the Logs API (OTELITE_LOGS_SEND_LOGGERS, default
   * true). Correlation (the ids in the logger's own output) does not depend on it. Even when true,
   * nothing is converted unless the global LoggerProvider's logger says it is enabled: without a
   * logs SDK (or with OTEL_LOGS_EXPORTER=none) sending costs one call per record.
   */
  readonly send: boolean;
}
