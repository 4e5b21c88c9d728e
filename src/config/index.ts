import { maskUrl } from '../secrets';
import { DEFAULTS, DEFAULT_GRPC_ENDPOINT, DEFAULT_HTTP_BASE } from './defaults';
import { keyValueList } from './key-value';
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
  Config,
  ConfigResult,
  ConsoleFormat,
  ExporterName,
  LogLevel,
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

type OtlpSignal = 'traces' | 'metrics';

/** The generic OTEL_EXPORTER_OTLP_* values: read once, so a malformed one is one warning, and shared by every signal. */
type SharedOtlp = Omit<OtlpConfig, 'endpoint'> & {
  /** The base URL as given; undefined when unset or malformed (each signal then uses its default). */
  endpoint: string | undefined;
};

function readSharedOtlp(r: EnvReader): SharedOtlp {
  const D = DEFAULTS.otlp;
  const generic = <T>(suffix: string, parse: Parser<T>, fallback: T, options?: GetOptions): T =>
    r.get(`OTEL_EXPORTER_OTLP_${suffix}`, parse, fallback, options);
  const protocol = generic('PROTOCOL', oneOf(PROTOCOLS), D.protocol);
  const defaultEndpoint = protocol === 'grpc' ? DEFAULT_GRPC_ENDPOINT : `${DEFAULT_HTTP_BASE}/v1/traces and /v1/metrics`;
  return {
    protocol,
    // An endpoint may carry credentials (user info, an API key in the query): masked in warnings.
    endpoint: generic('ENDPOINT', httpUrl(), undefined, { display: maskUrl, fallbackShown: defaultEndpoint }),
    headers: generic('HEADERS', keyValueList('headers'), {}, { secret: true }),
    timeoutMs: generic('TIMEOUT', nonNegative, D.timeoutMs),
    compression: generic('COMPRESSION', oneOf(COMPRESSIONS), D.compression),
    certificateFile: generic('CERTIFICATE', text, D.certificateFile),
    clientKeyFile: generic('CLIENT_KEY', text, D.clientKeyFile),
    clientCertificateFile: generic('CLIENT_CERTIFICATE', text, D.clientCertificateFile),
  };
}

/**
 * One signal's OTLP exporter: each OTEL_EXPORTER_OTLP_<SIGNAL>_<X> wins over the shared
 * OTEL_EXPORTER_OTLP_<X> (a malformed one falls back to it, as if unset). The generic endpoint is
 * a base URL: over http the signal's path `/v1/<signal>` is appended with one `/`; the signal's own
 * endpoint, and any grpc endpoint, is used as it is.
 */
function readSignalOtlp(r: EnvReader, shared: SharedOtlp, signal: OtlpSignal): OtlpConfig {
  const own = <T>(suffix: string, parse: Parser<T>, fallback: T, options?: GetOptions): T =>
    r.get(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_${suffix}`, parse, fallback, options);
  const protocol = own('PROTOCOL', oneOf(PROTOCOLS), shared.protocol);
  const base = shared.endpoint ?? (protocol === 'grpc' ? DEFAULT_GRPC_ENDPOINT : DEFAULT_HTTP_BASE);
  const endpoint = protocol === 'grpc' ? base : `${base.replace(/\/+$/, '')}/v1/${signal}`;
  return {
    protocol,
    endpoint: own('ENDPOINT', httpUrl(), endpoint, { display: maskUrl }),
    headers: own('HEADERS', keyValueList('headers'), shared.headers, { secret: true }),
    timeoutMs: own('TIMEOUT', nonNegative, shared.timeoutMs),
    compression: own('COMPRESSION', oneOf(COMPRESSIONS), shared.compression),
    certificateFile: own('CERTIFICATE', text, shared.certificateFile),
    clientKeyFile: own('CLIENT_KEY', text, shared.clientKeyFile),
    clientCertificateFile: own('CLIENT_CERTIFICATE', text, shared.clientCertificateFile),
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

  const maxQueueSize = r.get('OTEL_BSP_MAX_QUEUE_SIZE', positive, D.batch.maxQueueSize);
  const batchSize: Parser<number> = (raw) => {
    const parsed = positive(raw);
    return parsed.ok && parsed.value > maxQueueSize
      ? { ok: false, problem: `is greater than OTEL_BSP_MAX_QUEUE_SIZE (${maxQueueSize})` }
      : parsed;
  };

  const attributeCount = r.get('OTEL_ATTRIBUTE_COUNT_LIMIT', nonNegative, D.limits.attributeCountLimit);
  const attributeLength = r.get('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', nonNegative, D.limits.attributeValueLengthLimit);

  const enabled = r.get('OTEL_NODE_ENABLED_INSTRUMENTATIONS', list(lower), undefined);
  const extraRedacted = r.get('OTEL_NODE_REDACTED_QUERY_PARAMS', list(), []);
  const capture = (which: string) =>
    r.get(`OTEL_INSTRUMENTATION_HTTP_${which}`, tokens(lower), [] as string[]);

  const samplerConfig: SamplerConfig = {
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
    batch: {
      scheduleDelayMs: r.get('OTEL_BSP_SCHEDULE_DELAY', positive, D.batch.scheduleDelayMs),
      exportTimeoutMs: r.get('OTEL_BSP_EXPORT_TIMEOUT', positive, D.batch.exportTimeoutMs),
      maxQueueSize,
      maxExportBatchSize: r.get(
        'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
        batchSize,
        Math.min(D.batch.maxExportBatchSize, maxQueueSize),
      ),
    },
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
  };
}
