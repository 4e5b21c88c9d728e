/** What the logger instrumentations (pino, winston, bunyan, console) are told by the agent. */
export interface LoggerInstrumentationConfig {
  /**
   * Whether each record is also emitted through the Logs API (OTELITE_LOGS_SEND_LOGGERS, default
   * true). Correlation (the ids in the logger's own output) does not depend on it. Even when true,
   * nothing is converted unless the global LoggerProvider's logger says it is enabled: without a
   * logs SDK (or with OTEL_LOGS_EXPORTER=none) sending costs one call per record.
   */
  readonly send: boolean;
  /**
   * Whether `console.*` calls become log records too (OTELITE_LOGS_CONSOLE, default false): the
   * agent says true only when a logs exporter is configured as well. Absent or false, the console
   * is not patched at all.
   */
  readonly captureConsole?: boolean;
}
