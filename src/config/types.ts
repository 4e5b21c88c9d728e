import type { ExemplarFilter, HistogramAggregation, TemporalityPreference } from '../metrics/data';

/** The typed result of reading the OTEL_* environment. Produced by `readConfig` (pure). */

export type LogLevel = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';
export type ExporterName = 'otlp' | 'console';
export type MetricsExporterName = 'otlp' | 'prometheus' | 'console';
export type LogsExporterName = 'otlp' | 'console';
/** The console's metrics form: a table per collection, or one JSON line per data point. */
export type MetricsConsoleFormat = 'table' | 'json';
/** `tree-verbose`: the tree with every attribute, ids, ports and peer addresses included. */
export type ConsoleFormat = 'tree' | 'tree-verbose' | 'json';
export type PropagatorName = 'tracecontext' | 'baggage' | 'b3' | 'b3multi';
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio'
  | 'otelite_tail';

export interface OtlpConfig {
  protocol: OtlpProtocol;
  /** Final URL the exporter talks to (http: includes `/v1/traces`; grpc: scheme://host:port). */
  endpoint: string;
  /** Header values are secrets: never print them. */
  headers: Record<string, string>;
  timeoutMs: number;
  compression: 'gzip' | 'none';
  /** File paths (PEM), read by the exporter, not by config. */
  certificateFile: string | undefined;
  clientKeyFile: string | undefined;
  clientCertificateFile: string | undefined;
}

export interface BatchConfig {
  scheduleDelayMs: number;
  exportTimeoutMs: number;
  maxQueueSize: number;
  maxExportBatchSize: number;
}

export interface SpanLimits {
  /** Infinity means no limit. */
  attributeValueLengthLimit: number;
  attributeCountLimit: number;
  eventCountLimit: number;
  linkCountLimit: number;
  eventAttributeCountLimit: number;
  linkAttributeCountLimit: number;
}

export interface SamplerConfig {
  name: SamplerName;
  /** Only meaningful for the ratio samplers and otelite_tail; in [0, 1]. */
  ratio: number;
  /** otelite_tail only: the rest of OTEL_TRACES_SAMPLER_ARG. */
  tail?: TailSamplingConfig;
}

/** otelite_tail: what keeps a trace besides its head (ratio) decision, and the buffer's bounds. */
export interface TailSamplingConfig {
  keepErrors: boolean;
  /** A local root lasting longer than this keeps its trace; undefined: latency keeps nothing. */
  slowerThanMs: number | undefined;
  /** Kept traces per second at most; undefined: no limit. */
  maxPerSecond: number | undefined;
  /** Caps on what waits for a decision: spans in all, and traces. */
  maxSpans: number;
  maxTraces: number;
  /** A trace whose local root has not ended this long after its first span ended is decided without it. */
  decisionWaitMs: number;
}

/** The metrics SDK, its readers and exporters (OTEL_METRIC*, OTEL_EXPORTER_OTLP_METRICS_*, OTEL_EXPORTER_PROMETHEUS_*). */
export interface MetricsConfig {
  /** Empty when OTEL_METRICS_EXPORTER=none: instruments still work, nothing is read. */
  exporters: MetricsExporterName[];
  /** The periodic reader (otlp and console exporters): time between exports, and one export's limit. */
  intervalMs: number;
  timeoutMs: number;
  /** endpoint: http includes `/v1/metrics`; grpc is scheme://host:port. */
  otlp: OtlpConfig;
  temporalityPreference: TemporalityPreference;
  histogramAggregation: HistogramAggregation;
  exemplarFilter: ExemplarFilter;
  /** From OTELITE_CONSOLE_FORMAT: `json` prints JSON lines, the tree formats a table. */
  consoleFormat: MetricsConsoleFormat;
  /** Where the Prometheus exporter serves `/metrics`. */
  prometheus: { host: string; port: number };
}

/** OTEL_LOGRECORD_ATTRIBUTE_* (falling back to OTEL_ATTRIBUTE_*). */
export interface LogRecordLimits {
  /** Infinity means no limit. */
  attributeValueLengthLimit: number;
  attributeCountLimit: number;
}

/** The Logs SDK and its exporters (OTEL_LOGS_EXPORTER, OTEL_BLRP_*, OTEL_LOGRECORD_*, OTEL_EXPORTER_OTLP_LOGS_*). */
export interface LogsConfig {
  /** Empty when OTEL_LOGS_EXPORTER=none: no LoggerProvider is registered, the API's loggers are no-ops. */
  exporters: LogsExporterName[];
  /** endpoint: http includes `/v1/logs`; grpc is scheme://host:port. */
  otlp: OtlpConfig;
  /** The batch log record processor (OTEL_BLRP_*). */
  batch: BatchConfig;
  limits: LogRecordLimits;
  /** From OTELITE_CONSOLE_FORMAT: `json` prints JSON lines, the tree formats one readable line per record. */
  consoleFormat: 'line' | 'json';
  /**
   * OTELITE_LOGS_SEND_LOGGERS: pino, winston and bunyan records are also emitted as log records.
   * `false` keeps the trace ids in their lines and stops sending.
   */
  sendLoggers: boolean;
  /** OTELITE_LOGS_CONSOLE: `console.*` calls become log records too (off by default). */
  captureConsole: boolean;
}

/** The OTEL_* settings of the HTTP instrumentations, as read from the environment. */
export interface HttpConfig {
  /** OTEL_NODE_EXCLUDED_URLS: patterns matched against the request path (server) or URL (client). */
  excludedUrls: string[];
  /** Lower-cased header names to capture as span attributes. */
  serverRequestHeaders: string[];
  serverResponseHeaders: string[];
  clientRequestHeaders: string[];
  clientResponseHeaders: string[];
  /** Upper-case methods treated as known; others become `_OTHER`. */
  knownMethods: string[];
  /** Query parameter names whose values are replaced by `REDACTED` (case-sensitive, as the spec lists them). */
  redactedQueryParams: string[];
}

/** What the HTTP instrumentations are given: the settings, and one fact the agent adds. */
export interface HttpInstrumentationConfig extends HttpConfig {
  /**
   * The sampler drops every trace that starts here (always_off, parentbased_always_off, a ratio
   * of 0). A request that brings no trace context then gets no span and no context at all: with
   * nothing to record and nothing to propagate, it runs as if there were no agent. Computed by
   * the agent from its sampler, and false when another SDK was registered first.
   */
  newTracesDropped: boolean;
  /** The agent exports metrics: the instrumentations measure requests (added by the agent). */
  metrics: boolean;
}

/** The OTEL_* settings of the database instrumentations, as read from the environment. */
export interface DbConfig {
  /**
   * OTEL_NODE_DB_REQUIRE_PARENT_SPAN: when true, a query or command made outside any active span
   * makes no span. One rule for pg, node-redis and ioredis alike.
   */
  requireParentSpan: boolean;
}

/** What the database instrumentations are given: the settings, and whether metrics are exported. */
export interface DbInstrumentationConfig extends DbConfig {
  metrics: boolean;
}

/** What the runtime instrumentation (metrics only) is given. */
export interface RuntimeInstrumentationConfig {
  metrics: boolean;
}

export interface Config {
  disabled: boolean;
  serviceName: string;
  /** From OTEL_RESOURCE_ATTRIBUTES, percent-decoded. `service.name` here loses to OTEL_SERVICE_NAME. */
  resourceAttributes: Record<string, string>;
  logLevel: LogLevel;
  /** Empty when OTEL_TRACES_EXPORTER=none: spans are still created and context still propagates. */
  tracesExporters: ExporterName[];
  consoleFormat: ConsoleFormat;
  otlp: OtlpConfig;
  sampler: SamplerConfig;
  /** Empty when OTEL_PROPAGATORS=none. */
  propagators: PropagatorName[];
  batch: BatchConfig;
  limits: SpanLimits;
  /** undefined = all instrumentations enabled (subject to `disabledInstrumentations`). */
  enabledInstrumentations: string[] | undefined;
  disabledInstrumentations: string[];
  http: HttpConfig;
  db: DbConfig;
  metrics: MetricsConfig;
  logs: LogsConfig;
}

/** A malformed variable, as the warning about it says it. */
export interface ConfigIssue {
  variable: string;
  /** The value as a warning shows it (quoted; an endpoint's credentials masked); undefined for a secret. */
  shown: string | undefined;
  /** What is wrong with it, e.g. `is not one of gzip, none (did you mean gzip?)`. */
  problem: string;
  /** What is done instead, e.g. `using none`, `dropped it`. */
  outcome: string;
}

export interface ConfigResult {
  config: Config;
  /** One human-readable line per malformed value, naming the variable and the value used instead. */
  warnings: string[];
  /** The same, one record per malformed variable (the CLI names its option instead of the variable). */
  issues: ConfigIssue[];
}
