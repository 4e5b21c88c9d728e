import { maskUrl } from '../secrets';
import { DEFAULTS, DEFAULT_GRPC_ENDPOINT } from './defaults';
import { keyValueList } from './key-value';
import {
  EnvReader,
  boolean,
  formatWarning,
  httpUrl,
  integer,
  list,
  names,
  oneOf,
  ratio,
  text,
  tokens,
  type Env,
  type GetOptions,
  type Parser,
} from './parse';
import type {
  Config,
  ConfigResult,
  ConsoleFormat,
  ExporterName,
  LogLevel,
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

/** OTEL_EXPORTER_OTLP_ENDPOINT is a base URL: http exporters append `v1/traces` with one `/`. */
const appendTracesPath = (base: string): string => base.replace(/\/+$/, '') + '/v1/traces';

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

function build(r: EnvReader): Config {
  const D = DEFAULTS;

  /** OTEL_EXPORTER_OTLP_TRACES_<suffix> wins over OTEL_EXPORTER_OTLP_<suffix>. */
  const otlpVar = <T>(suffix: string, parse: Parser<T>, fallback: T, options?: GetOptions): T =>
    r.get(
      `OTEL_EXPORTER_OTLP_TRACES_${suffix}`,
      parse,
      r.get(`OTEL_EXPORTER_OTLP_${suffix}`, parse, fallback, options),
      options,
    );

  const resourceAttributes = r.get('OTEL_RESOURCE_ATTRIBUTES', keyValueList('attributes'), {});

  const protocol = otlpVar('PROTOCOL', oneOf(PROTOCOLS), D.otlp.protocol);
  const isHttp = protocol !== 'grpc';
  // An endpoint may carry credentials (user info, an API key in the query): masked in warnings.
  const baseEndpoint = r.get(
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    httpUrl(isHttp ? appendTracesPath : undefined),
    isHttp ? D.otlp.endpoint : DEFAULT_GRPC_ENDPOINT,
    { display: maskUrl },
  );

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
    consoleFormat: r.get('OTELITE_CONSOLE_FORMAT', oneOf(CONSOLE_FORMATS), D.consoleFormat),
    otlp: {
      protocol,
      endpoint: r.get('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', httpUrl(), baseEndpoint, { display: maskUrl }),
      headers: otlpVar('HEADERS', keyValueList('headers'), {}, { secret: true }),
      timeoutMs: otlpVar('TIMEOUT', nonNegative, D.otlp.timeoutMs),
      compression: otlpVar('COMPRESSION', oneOf(COMPRESSIONS), D.otlp.compression),
      certificateFile: otlpVar('CERTIFICATE', text, D.otlp.certificateFile),
      clientKeyFile: otlpVar('CLIENT_KEY', text, D.otlp.clientKeyFile),
      clientCertificateFile: otlpVar('CLIENT_CERTIFICATE', text, D.otlp.clientCertificateFile),
    },
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
  };
}
