import { maskUrl } from '../secrets';
import { DEFAULTS, DEFAULT_GRPC_ENDPOINT, DEFAULT_HTTP_BASE, type DeepReadonly } from './defaults';
import { keyValueList } from './key-value';
import { TAIL_DEFAULTS, tailSamplerArgs } from './tail';
import {
  EnvReader,
  boolean,
  formatWarning,
  host,
  httpUrl,
  integer,
  list,
  names,
  oneOf,
  port,
  ratio,
  text,
  tokens,
  type Env,
  type GetOptions,
  type Parser,
} from './parse';
import type { ExemplarFilter, HistogramAggregation, TemporalityPreference } from '../metrics/data';
import type {
  BatchConfig,
  Config,
  ConfigResult,
  ConsoleFormat,
  ExporterName,
  LogLevel,
  LogsConfig,
  LogsExporterName,
  MetricsConfig,
  MetricsExporterName,
  OtlpConfig,
  OtlpProtocol,
  PropagatorName,
  SamplerConfig,
  SamplerName,
} from './types';

export { DEFAULTS, DEFAULT_GRPC_ENDPOINT } from './defaults';
export type * from './types';

const LOG_LEVELS: readonly LogLevel[] = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];
const EXPORTERS: readonly ExporterName[] = ['otlp', 'console'];
const METRICS_EXPORTERS: readonly MetricsExporterName[] = ['otlp', 'prometheus', 'console'];
const LOGS_EXPORTERS: readonly LogsExporterName[] = ['otlp', 'console'];
const TEMPORALITY_PREFERENCES: readonly TemporalityPreference[] = ['cumulative', 'delta', 'lowmemory'];
const HISTOGRAM_AGGREGATIONS: readonly HistogramAggregation[] = ['explicit_bucket_histogram', 'base2_exponential_bucket_histogram'];
const EXEMPLAR_FILTERS: readonly ExemplarFilter[] = ['trace_based', 'always_on', 'always_off'];
const CONSOLE_FORMATS: readonly ConsoleFormat[] = ['tree', 'tree-verbose', 'json'];
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];
const COMPRESSIONS: readonly OtlpConfig['compression'][] = ['gzip', 'none'];
const PROPAGATORS: readonly PropagatorName[] = ['tracecontext', 'baggage', 'b3', 'b3multi'];
const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
  'otelite_tail',
];
const RATIO_SAMPLERS: readonly SamplerName[] = ['traceidratio', 'parentbased_traceidratio'];
/** Spec-defined samplers otelite knows of but does not implement. */
const UNSUPPORTED_SAMPLERS = ['jaeger_remote', 'parentbased_jaeger_remote', 'xray'];

const sampler: Parser<SamplerName> = (raw) =>
  UNSUPPORTED_SAMPLERS.includes(raw.toLowerCase())
    ? { ok: false, problem: 'is not supported by otelite' }
    : oneOf(SAMPLERS)(raw);

const positive = integer(1);
const nonNegative = integer(0);
const lower = (s: string) => s.toLowerCase();
const upper = (s: string) => s.toUpperCase();

/**
 * Reads the OTEL_* (and OTELITE_*) environment into a typed Config. Pure: reads only `env`,
 * never throws. Every malformed variable yields exactly one warning naming it, its value
 * (except for secrets) and the value used instead.
 */
export function readConfig(env: Env): ConfigResult {
  const reader = new EnvReader(env ?? {});
  const warnings = () => reader.issues.map(formatWarning);
  try {
    const config = build(reader);
    return { config, warnings: warnings(), issues: reader.issues };
  } catch (err) {
    // Unreachable with a plain object; guards against exotic inputs (throwing getters, proxies).
    const why = err instanceof Error ? err.message : 'unknown error';
    return {
      config: structuredClone(DEFAULTS) as Config,
      warnings: [...warnings(), `could not read the environment (${why}); using defaults`],
      issues: reader.issues,
    };
  }
}

type OtlpSignal = 'traces' | 'metrics' | 'logs';
const SIGNALS: readonly OtlpSignal[] = ['traces', 'metrics', 'logs'];

/** How each OTEL_EXPORTER_OTLP_[<SIGNAL>_]<SUFFIX> setting is read: the one table every signal and the shared settings use. */
type OtlpSettingRows = { [K in keyof OtlpConfig]: { suffix: string; parse: Parser<OtlpConfig[K]>; options?: GetOptions } };

const OTLP_SETTINGS: OtlpSettingRows = {
  protocol: { suffix: 'PROTOCOL', parse: oneOf(PROTOCOLS) },
  // An endpoint may carry credentials (user info, an API key in the query): masked in warnings.
  endpoint: { suffix: 'ENDPOINT', parse: httpUrl(), options: { display: maskUrl } },
  headers: { suffix: 'HEADERS', parse: keyValueList('headers'), options: { secret: true } },
  timeoutMs: { suffix: 'TIMEOUT', parse: nonNegative },
  compression: { suffix: 'COMPRESSION', parse: oneOf(COMPRESSIONS) },
  certificateFile: { suffix: 'CERTIFICATE', parse: text },
  clientKeyFile: { suffix: 'CLIENT_KEY', parse: text },
  clientCertificateFile: { suffix: 'CLIENT_CERTIFICATE', parse: text },
};

/** One row of OTLP_SETTINGS read under `prefix` (OTEL_EXPORTER_OTLP_ or OTEL_EXPORTER_OTLP_LOGS_). */
function otlpSetting<K extends keyof OtlpConfig, F extends OtlpConfig[K] | undefined>(
  r: EnvReader,
  prefix: string,
  key: K,
  fallback: F,
  options?: GetOptions,
): OtlpConfig[K] | F {
  const row = OTLP_SETTINGS[key];
  return r.get<OtlpConfig[K] | F>(`${prefix}${row.suffix}`, row.parse, fallback, { ...row.options, ...options });
}

/** The generic OTEL_EXPORTER_OTLP_* values: read once, so a malformed one is one warning, and shared by every signal. */
type SharedOtlp = Omit<OtlpConfig, 'endpoint'> & {
  /** The base URL as given; undefined when unset or malformed (each signal then uses its default). */
  endpoint: string | undefined;
};

/** Every setting but the endpoint, read under `prefix`, each falling back to `fallback`'s. */
function readOtlpSettings(r: EnvReader, prefix: string, fallback: Omit<OtlpConfig, 'endpoint'>): Omit<OtlpConfig, 'endpoint'> {
  const out: Partial<Record<keyof OtlpConfig, unknown>> = {};
  for (const key of Object.keys(OTLP_SETTINGS) as (keyof OtlpConfig)[]) {
    if (key !== 'endpoint') out[key] = otlpSetting(r, prefix, key, fallback[key]);
  }
  return out as Omit<OtlpConfig, 'endpoint'>;
}

function readSharedOtlp(r: EnvReader): SharedOtlp {
  const D = DEFAULTS.otlp;
  const settings = readOtlpSettings(r, 'OTEL_EXPORTER_OTLP_', { ...D, headers: {} });
  const paths = SIGNALS.map((signal) => `/v1/${signal}`);
  const defaultEndpoint =
    settings.protocol === 'grpc' ? DEFAULT_GRPC_ENDPOINT : `${DEFAULT_HTTP_BASE}${paths.slice(0, -1).join(', ')} and ${paths[paths.length - 1]}`;
  return { ...settings, endpoint: otlpSetting(r, 'OTEL_EXPORTER_OTLP_', 'endpoint', undefined, { fallbackShown: defaultEndpoint }) };
}

/**
 * The generic endpoint with the signal's path: `/v1/<signal>` appended to the URL's path with one
 * `/`, before any query or fragment (`http://gw/otlp?key=k` → `http://gw/otlp/v1/logs?key=k`).
 */
export function signalEndpoint(base: string, signal: OtlpSignal): string {
  const end = base.search(/[?#]/);
  const head = end === -1 ? base : base.slice(0, end);
  const tail = end === -1 ? '' : base.slice(end);
  return `${head.replace(/\/+$/, '')}/v1/${signal}${tail}`;
}

/**
 * One signal's OTLP exporter: each OTEL_EXPORTER_OTLP_<SIGNAL>_<X> wins over the shared
 * OTEL_EXPORTER_OTLP_<X> (a malformed one falls back to it, as if unset). The generic endpoint is
 * a base URL: over http the signal's path is appended (`signalEndpoint`); the signal's own
 * endpoint, and any grpc endpoint, is used as it is.
 */
function readSignalOtlp(r: EnvReader, shared: SharedOtlp, signal: OtlpSignal): OtlpConfig {
  const prefix = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_`;
  const settings = readOtlpSettings(r, prefix, shared);
  const base = shared.endpoint ?? (settings.protocol === 'grpc' ? DEFAULT_GRPC_ENDPOINT : DEFAULT_HTTP_BASE);
  const endpoint = settings.protocol === 'grpc' ? base : signalEndpoint(base, signal);
  return { ...settings, endpoint: otlpSetting(r, prefix, 'endpoint', endpoint) };
}

/**
 * A batch processor's four variables under `prefix` (OTEL_BSP, OTEL_BLRP); the batch size may not
 * exceed the queue.
 */
function readBatch(r: EnvReader, prefix: string, D: DeepReadonly<BatchConfig>): BatchConfig {
  const maxQueueSize = r.get(`${prefix}_MAX_QUEUE_SIZE`, positive, D.maxQueueSize);
  const batchSize: Parser<number> = (raw) => {
    const parsed = positive(raw);
    return parsed.ok && parsed.value > maxQueueSize
      ? { ok: false, problem: `is greater than ${prefix}_MAX_QUEUE_SIZE (${maxQueueSize})` }
      : parsed;
  };
  return {
    scheduleDelayMs: r.get(`${prefix}_SCHEDULE_DELAY`, positive, D.scheduleDelayMs),
    exportTimeoutMs: r.get(`${prefix}_EXPORT_TIMEOUT`, positive, D.exportTimeoutMs),
    maxQueueSize,
    maxExportBatchSize: r.get(`${prefix}_MAX_EXPORT_BATCH_SIZE`, batchSize, Math.min(D.maxExportBatchSize, maxQueueSize)),
  };
}

/** The generic attribute limits, which each signal's own limits fall back to. */
interface GenericLimits {
  count: number;
  length: number;
}

function readLogs(r: EnvReader, sharedOtlp: SharedOtlp, consoleFormat: ConsoleFormat, generic: GenericLimits): LogsConfig {
  const D = DEFAULTS.logs;
  return {
    exporters: r.get('OTEL_LOGS_EXPORTER', names(LOGS_EXPORTERS, D.exporters), [...D.exporters]),
    otlp: readSignalOtlp(r, sharedOtlp, 'logs'),
    batch: readBatch(r, 'OTEL_BLRP', D.batch),
    limits: {
      attributeValueLengthLimit: r.get('OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT', nonNegative, generic.length),
      attributeCountLimit: r.get('OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT', nonNegative, generic.count),
    },
    consoleFormat: consoleFormat === 'json' ? 'json' : 'line',
    sendLoggers: r.get('OTELITE_LOGS_SEND_LOGGERS', boolean, D.sendLoggers),
    captureConsole: r.get('OTELITE_LOGS_CONSOLE', boolean, D.captureConsole),
  };
}

function readMetrics(r: EnvReader, sharedOtlp: SharedOtlp, consoleFormat: ConsoleFormat): MetricsConfig {
  const D = DEFAULTS.metrics;
  const intervalMs = r.get('OTEL_METRIC_EXPORT_INTERVAL', positive, D.intervalMs);
  // An export allowed to outlast the interval would overlap the next one.
  const exportTimeout: Parser<number> = (raw) => {
    const parsed = positive(raw);
    return parsed.ok && parsed.value > intervalMs
      ? { ok: false, problem: `is greater than OTEL_METRIC_EXPORT_INTERVAL (${intervalMs})` }
      : parsed;
  };
  return {
    exporters: r.get('OTEL_METRICS_EXPORTER', names(METRICS_EXPORTERS, D.exporters), [...D.exporters]),
    intervalMs,
    timeoutMs: r.get('OTEL_METRIC_EXPORT_TIMEOUT', exportTimeout, Math.min(D.timeoutMs, intervalMs)),
    otlp: readSignalOtlp(r, sharedOtlp, 'metrics'),
    temporalityPreference: r.get(
      'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
      oneOf(TEMPORALITY_PREFERENCES),
      D.temporalityPreference,
    ),
    histogramAggregation: r.get(
      'OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION',
      oneOf(HISTOGRAM_AGGREGATIONS),
      D.histogramAggregation,
    ),
    exemplarFilter: r.get('OTEL_METRICS_EXEMPLAR_FILTER', oneOf(EXEMPLAR_FILTERS), D.exemplarFilter),
    // One stdout, one form: whoever asked for JSON lines (to pipe them into a tool) gets every line as JSON.
    consoleFormat: consoleFormat === 'json' ? 'json' : 'table',
    prometheus: {
      host: r.get('OTEL_EXPORTER_PROMETHEUS_HOST', host, D.prometheus.host),
      port: r.get('OTEL_EXPORTER_PROMETHEUS_PORT', port, D.prometheus.port),
    },
  };
}

function build(r: EnvReader): Config {
  const D = DEFAULTS;

  const resourceAttributes = r.get('OTEL_RESOURCE_ATTRIBUTES', keyValueList('attributes'), {});
  const sharedOtlp = readSharedOtlp(r);

  const consoleFormat = r.get('OTELITE_CONSOLE_FORMAT', oneOf(CONSOLE_FORMATS), D.consoleFormat);
  const samplerName = r.get('OTEL_TRACES_SAMPLER', sampler, D.sampler.name);

  const attributeCount = r.get('OTEL_ATTRIBUTE_COUNT_LIMIT', nonNegative, D.limits.attributeCountLimit);
  const attributeLength = r.get('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', nonNegative, D.limits.attributeValueLengthLimit);

  const enabled = r.get('OTEL_NODE_ENABLED_INSTRUMENTATIONS', list(lower), undefined);
  const extraRedacted = r.get('OTEL_NODE_REDACTED_QUERY_PARAMS', list(), []);
  const capture = (which: string) =>
    r.get(`OTEL_INSTRUMENTATION_HTTP_${which}`, tokens(lower), [] as string[]);

  const samplerConfig: SamplerConfig =
    samplerName === 'otelite_tail'
      ? { name: samplerName, ...r.get('OTEL_TRACES_SAMPLER_ARG', tailSamplerArgs, TAIL_DEFAULTS, { fallbackShown: 'the defaults' }) }
      : {
          name: samplerName,
          ratio: RATIO_SAMPLERS.includes(samplerName) ? r.get('OTEL_TRACES_SAMPLER_ARG', ratio, D.sampler.ratio) : D.sampler.ratio,
        };

  return {
    disabled: r.get('OTEL_SDK_DISABLED', boolean, D.disabled),
    serviceName: r.get('OTEL_SERVICE_NAME', text, resourceAttributes['service.name'] || D.serviceName),
    resourceAttributes,
    logLevel: r.get('OTEL_LOG_LEVEL', oneOf(LOG_LEVELS), D.logLevel),
    tracesExporters: r.get('OTEL_TRACES_EXPORTER', names(EXPORTERS, D.tracesExporters), [...D.tracesExporters]),
    consoleFormat,
    otlp: readSignalOtlp(r, sharedOtlp, 'traces'),
    sampler: samplerConfig,
    propagators: r.get('OTEL_PROPAGATORS', names(PROPAGATORS, D.propagators), [...D.propagators]),
    batch: readBatch(r, 'OTEL_BSP', D.batch),
    limits: {
      attributeValueLengthLimit: r.get('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', nonNegative, attributeLength),
      attributeCountLimit: r.get('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', nonNegative, attributeCount),
      eventCountLimit: r.get('OTEL_SPAN_EVENT_COUNT_LIMIT', nonNegative, D.limits.eventCountLimit),
      linkCountLimit: r.get('OTEL_SPAN_LINK_COUNT_LIMIT', nonNegative, D.limits.linkCountLimit),
      eventAttributeCountLimit: r.get('OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', nonNegative, attributeCount),
      linkAttributeCountLimit: r.get('OTEL_LINK_ATTRIBUTE_COUNT_LIMIT', nonNegative, attributeCount),
    },
    enabledInstrumentations: enabled && enabled.length > 0 ? enabled : undefined,
    disabledInstrumentations: r.get('OTEL_NODE_DISABLED_INSTRUMENTATIONS', list(lower), []),
    http: {
      excludedUrls: r.get('OTEL_NODE_EXCLUDED_URLS', list(), []),
      serverRequestHeaders: capture('SERVER_CAPTURE_REQUEST_HEADERS'),
      serverResponseHeaders: capture('SERVER_CAPTURE_RESPONSE_HEADERS'),
      clientRequestHeaders: capture('CLIENT_CAPTURE_REQUEST_HEADERS'),
      clientResponseHeaders: capture('CLIENT_CAPTURE_RESPONSE_HEADERS'),
      knownMethods: r.get('OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS', tokens(upper), [...D.http.knownMethods]),
      redactedQueryParams: [...new Set([...D.http.redactedQueryParams, ...extraRedacted])],
    },
    db: {
      requireParentSpan: r.get('OTEL_NODE_DB_REQUIRE_PARENT_SPAN', boolean, D.db.requireParentSpan),
    },
    metrics: readMetrics(r, sharedOtlp, consoleFormat),
    logs: readLogs(r, sharedOtlp, consoleFormat, { count: attributeCount, length: attributeLength }),
  };
}
