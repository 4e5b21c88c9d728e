import { prometheusUrl } from '../config/describe';
import type { Config, OtlpConfig } from '../config/types';
import { maskUrl } from '../secrets';

function list(items: readonly string[] | undefined, empty = '(none)'): string {
  if (items === undefined) return empty;
  return items.length === 0 ? empty : items.join(', ');
}

function num(n: number, unit = ''): string {
  if (n === Infinity) return 'unlimited';
  return unit ? `${n} ${unit}` : String(n);
}

function file(f: string | undefined): string {
  return f === undefined || f === '' ? '(none)' : f;
}

function pairs(record: Record<string, string>, mask: boolean): string {
  const keys = Object.keys(record);
  if (keys.length === 0) return '(none)';
  return keys.map((k) => `${k}=${mask ? '***' : record[k]}`).join(', ');
}

function otlpRows(otlp: OtlpConfig): Array<[string, string]> {
  return [
    ['endpoint', maskUrl(otlp.endpoint)],
    ['protocol', otlp.protocol],
    ['timeout', num(otlp.timeoutMs, 'ms')],
    ['compression', otlp.compression],
    ['certificate file', file(otlp.certificateFile)],
    ['client key file', file(otlp.clientKeyFile)],
    ['client certificate file', file(otlp.clientCertificateFile)],
    ['headers', pairs(otlp.headers, true)],
  ];
}

/** The configuration as `otelite doctor` prints it: one section per concern, OTLP header values never shown. */
export function describeConfig(config: Config): string {
  const metrics = config.metrics;
  const sections: Array<[string, Array<[string, string]>]> = [
    [
      'Service / resource',
      [
        ['SDK disabled', String(config.disabled)],
        ['service.name', config.serviceName],
        ['resource attributes', pairs(config.resourceAttributes, false)],
        ['log level', config.logLevel],
      ],
    ],
    [
      'Exporters',
      [
        ['traces exporters', list(config.tracesExporters, 'none (spans are created but not exported)')],
        ['console format', config.consoleFormat],
      ],
    ],
    ['OTLP traces', otlpRows(config.otlp)],
    [
      'Metrics',
      [
        ['metrics exporters', list(metrics.exporters, 'none (instruments record, nothing is exported)')],
        ['export interval', num(metrics.intervalMs, 'ms')],
        ['export timeout', num(metrics.timeoutMs, 'ms')],
        ['temporality preference', metrics.temporalityPreference],
        ['histogram aggregation', metrics.histogramAggregation],
        ['exemplar filter', metrics.exemplarFilter],
        ['console format', metrics.consoleFormat],
        [
          'prometheus endpoint',
          metrics.exporters.includes('prometheus') ? prometheusUrl(metrics.prometheus) : '(not served: prometheus is not a metrics exporter)',
        ],
      ],
    ],
    ['OTLP metrics', otlpRows(metrics.otlp)],
    [
      'Logs',
      [
        ['logs exporters', list(config.logs.exporters, 'none (the Logs API is a no-op)')],
        ['console format', config.logs.consoleFormat],
        ['schedule delay', num(config.logs.batch.scheduleDelayMs, 'ms')],
        ['export timeout', num(config.logs.batch.exportTimeoutMs, 'ms')],
        ['max queue size', num(config.logs.batch.maxQueueSize)],
        ['max export batch size', num(config.logs.batch.maxExportBatchSize)],
        ['attribute value length', num(config.logs.limits.attributeValueLengthLimit)],
        ['attribute count', num(config.logs.limits.attributeCountLimit)],
      ],
    ],
    ['OTLP logs', otlpRows(config.logs.otlp)],
    [
      'Sampler',
      [
        ['sampler', config.sampler.name],
        ['ratio', String(config.sampler.ratio)],
      ],
    ],
    ['Propagation', [['propagators', list(config.propagators, 'none')]]],
    [
      'Batch span processor',
      [
        ['schedule delay', num(config.batch.scheduleDelayMs, 'ms')],
        ['export timeout', num(config.batch.exportTimeoutMs, 'ms')],
        ['max queue size', num(config.batch.maxQueueSize)],
        ['max export batch size', num(config.batch.maxExportBatchSize)],
      ],
    ],
    [
      'Span limits',
      [
        ['attribute value length', num(config.limits.attributeValueLengthLimit)],
        ['attribute count', num(config.limits.attributeCountLimit)],
        ['event count', num(config.limits.eventCountLimit)],
        ['link count', num(config.limits.linkCountLimit)],
        ['event attribute count', num(config.limits.eventAttributeCountLimit)],
        ['link attribute count', num(config.limits.linkAttributeCountLimit)],
      ],
    ],
    [
      'Instrumentations',
      [
        ['enabled', config.enabledInstrumentations === undefined ? 'all' : list(config.enabledInstrumentations)],
        ['disabled', list(config.disabledInstrumentations)],
        ['db spans need a parent', String(config.db.requireParentSpan)],
      ],
    ],
    [
      'HTTP',
      [
        ['excluded URLs', list(config.http.excludedUrls)],
        ['server request headers', list(config.http.serverRequestHeaders)],
        ['server response headers', list(config.http.serverResponseHeaders)],
        ['client request headers', list(config.http.clientRequestHeaders)],
        ['client response headers', list(config.http.clientResponseHeaders)],
        ['known methods', list(config.http.knownMethods)],
        ['redacted query params', list(config.http.redactedQueryParams)],
      ],
    ],
  ];

  // Fields added to Config later still show up (as JSON) until they get a proper line here.
  const known = new Set([
    'disabled',
    'serviceName',
    'resourceAttributes',
    'logLevel',
    'tracesExporters',
    'consoleFormat',
    'otlp',
    'sampler',
    'propagators',
    'batch',
    'limits',
    'enabledInstrumentations',
    'disabledInstrumentations',
    'http',
    'db',
    'metrics',
    'logs',
  ]);
  const other = Object.entries(config).filter(([k]) => !known.has(k));
  if (other.length > 0) sections.push(['Other', other.map(([k, v]) => [k, JSON.stringify(v) ?? String(v)])]);

  const width = Math.max(...sections.flatMap(([, rows]) => rows.map(([k]) => k.length)));
  let out = '';
  for (const [title, rows] of sections) {
    out += `${out === '' ? '' : '\n'}${title}\n`;
    for (const [k, v] of rows) out += `  ${(k + ':').padEnd(width + 1)} ${v}\n`;
  }
  return out;
}
