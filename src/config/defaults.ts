import type { Config } from './types';

/** Deeply read-only view of a value, so nobody mutates the shared defaults by accident. */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value as DeepReadonly<T>;
}

/** OTLP/gRPC default target, every signal alike. */
export const DEFAULT_GRPC_ENDPOINT = 'http://localhost:4317';
/** OTLP/HTTP default base: each signal's endpoint is it plus `/v1/<signal>`. */
export const DEFAULT_HTTP_BASE = 'http://localhost:4318';

const otlpDefaults = (signal: 'traces' | 'metrics' | 'logs'): Config['otlp'] => ({
  protocol: 'http/protobuf',
  endpoint: `${DEFAULT_HTTP_BASE}/v1/${signal}`,
  headers: {},
  timeoutMs: 10_000,
  compression: 'none',
  certificateFile: undefined,
  clientKeyFile: undefined,
  clientCertificateFile: undefined,
});

/**
 * The one place listing every default: `readConfig({}).config` deep-equals this object.
 * Values follow the OpenTelemetry environment-variable specification unless noted.
 */
export const DEFAULTS: DeepReadonly<Config> = deepFreeze<Config>({
  disabled: false,
  serviceName: 'unknown_service:node',
  resourceAttributes: {},
  logLevel: 'warn',
  tracesExporters: ['otlp'],
  consoleFormat: 'tree', // OTELITE_CONSOLE_FORMAT, not part of the spec
  otlp: otlpDefaults('traces'),
  sampler: { name: 'parentbased_always_on', ratio: 1 },
  propagators: ['tracecontext', 'baggage'],
  batch: {
    scheduleDelayMs: 5_000,
    exportTimeoutMs: 30_000,
    maxQueueSize: 2_048,
    maxExportBatchSize: 512,
  },
  limits: {
    attributeValueLengthLimit: Infinity,
    attributeCountLimit: 128,
    eventCountLimit: 128,
    linkCountLimit: 128,
    eventAttributeCountLimit: 128,
    linkAttributeCountLimit: 128,
  },
  enabledInstrumentations: undefined,
  disabledInstrumentations: [],
  http: {
    excludedUrls: [],
    serverRequestHeaders: [],
    serverResponseHeaders: [],
    clientRequestHeaders: [],
    clientResponseHeaders: [],
    // RFC 9110 methods, PATCH (RFC 5789) and QUERY, as the HTTP semantic conventions define "known".
    knownMethods: ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', 'QUERY'],
    // The semantic conventions' list (first four), plus common signed-URL and token parameters.
    redactedQueryParams: [
      'AWSAccessKeyId',
      'Signature',
      'sig',
      'X-Goog-Signature',
      'X-Amz-Signature',
      'X-Amz-Credential',
      'X-Amz-Security-Token',
      'token',
      'access_token',
      'signature',
    ],
  },
  db: { requireParentSpan: false },
  metrics: {
    exporters: ['otlp'],
    intervalMs: 60_000,
    timeoutMs: 30_000,
    otlp: otlpDefaults('metrics'),
    temporalityPreference: 'cumulative',
    histogramAggregation: 'explicit_bucket_histogram',
    exemplarFilter: 'trace_based',
    consoleFormat: 'table', // follows OTELITE_CONSOLE_FORMAT: json there means json here
    prometheus: { host: 'localhost', port: 9464 },
  },
  logs: {
    exporters: ['otlp'],
    otlp: otlpDefaults('logs'),
    batch: {
      scheduleDelayMs: 1_000,
      exportTimeoutMs: 30_000,
      maxQueueSize: 2_048,
      maxExportBatchSize: 512,
    },
    limits: { attributeValueLengthLimit: Infinity, attributeCountLimit: 128 },
    consoleFormat: 'line', // follows OTELITE_CONSOLE_FORMAT: json there means json here
    sendLoggers: true,
    captureConsole: false,
  },
});
