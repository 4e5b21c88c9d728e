import type { Config } from '../config/types';
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

/** The configuration as `otelite doctor` prints it: one section per concern, OTLP header values never shown. */
export function describeConfig(config: Config): string {
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
    [
      'OTLP',
      [
        ['endpoint', maskUrl(config.otlp.endpoint)],
        ['protocol', config.otlp.protocol],
        ['timeout', num(config.otlp.timeoutMs, 'ms')],
        ['compression', config.otlp.compression],
        ['certificate file', file(config.otlp.certificateFile)],
        ['client key file', file(config.otlp.clientKeyFile)],
        ['client certificate file', file(config.otlp.clientCertificateFile)],
        ['headers', pairs(config.otlp.headers, true)],
      ],
    ],
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
