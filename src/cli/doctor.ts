import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { readConfig } from '../config/index';
import { readTlsMaterial } from '../export/otlp/transport';
import { maskSecrets, maskUrl, secretsOf } from '../secrets';
import type { Config, OtlpConfig } from '../config/types';
import { VERSION } from '../version';

/**
 * `otelite doctor`: prints the configuration the agent would use with this environment, the
 * warnings about malformed variables, and whether the OTLP endpoint answers.
 * Returns the exit status: 0 when there were no warnings and the endpoint answered.
 */

const CHECK_TIMEOUT_MS = 2000;

export interface EndpointCheck {
  ok: boolean;
  /** `reachable (...)` or `unreachable: <reason>`. */
  message: string;
}

export async function doctor(env: NodeJS.ProcessEnv, write: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  let result: ReturnType<typeof readConfig>;
  try {
    result = readConfig(env);
  } catch (err) {
    write(`otelite doctor: reading the configuration failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const { config, warnings } = result;

  write(`otelite ${VERSION} doctor (node ${process.version})\n\n`);
  write(describeConfig(config));

  write('\nWarnings\n');
  if (warnings.length === 0) write('  (none)\n');
  const secrets = secretValues(env, config);
  for (const w of warnings) write(`  - ${maskSecrets(w, secrets)}\n`);

  write('\nOTLP endpoint check\n');
  let endpointOk = true;
  if (!config.tracesExporters.includes('otlp')) {
    write(`  skipped: the traces exporters (${list(config.tracesExporters)}) do not include otlp\n`);
  } else {
    write(`  ${config.otlp.protocol} ${maskUrl(config.otlp.endpoint)}\n`);
    const check = await checkEndpoint(config.otlp);
    endpointOk = check.ok;
    write(`  ${check.message}\n`);
  }

  const ok = warnings.length === 0 && endpointOk;
  write(`\n${ok ? 'OK' : 'Problems found'}: ${warnings.length} warning(s), endpoint ${endpointOk ? 'ok' : 'not ok'}\n`);
  return ok ? 0 : 1;
}

const HEADER_VARS = ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'];

/**
 * Everything that may be a header value: the parsed values, plus the raw pieces of the header
 * variables (a warning about a malformed entry might quote it).
 */
function secretValues(env: NodeJS.ProcessEnv, config: Config): string[] {
  const out = new Set<string>(Object.values(config.otlp.headers));
  for (const name of HEADER_VARS) {
    const raw = env[name];
    if (!raw) continue;
    for (const entry of raw.split(',')) {
      const eq = entry.indexOf('=');
      const value = (eq === -1 ? entry : entry.slice(eq + 1)).trim();
      out.add(value);
      try {
        out.add(decodeURIComponent(value));
      } catch {
        // malformed percent-encoding: the raw value is already in the set
      }
    }
  }
  return secretsOf(out);
}

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

/** The configuration, one section per concern. OTLP header values are never shown. */
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

function errorReason(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

function tcpConnect(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(CHECK_TIMEOUT_MS);
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no TCP connection to ${host}:${port} within ${CHECK_TIMEOUT_MS / 1000} s`));
    });
    socket.once('error', (err) => {
      socket.destroy();
      reject(err);
    });
  });
}

interface HttpAnswer {
  status: number;
  statusText: string;
}

/** POSTs an empty ExportTraceServiceRequest (zero bytes in protobuf, `{}` in JSON). */
function postEmptyExport(url: URL, otlp: OtlpConfig): Promise<HttpAnswer> {
  const json = otlp.protocol === 'http/json';
  const body = json ? '{}' : '';
  const options: https.RequestOptions = {
    method: 'POST',
    headers: {
      ...otlp.headers,
      'content-type': json ? 'application/json' : 'application/x-protobuf',
      'content-length': String(Buffer.byteLength(body)),
    },
    timeout: CHECK_TIMEOUT_MS,
  };
  // The exporter's own reading of the certificate variables (an unreadable file is named).
  if (url.protocol === 'https:') Object.assign(options, readTlsMaterial(otlp));
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, options, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '' });
    });
    req.once('timeout', () => req.destroy(new Error(`no HTTP answer within ${CHECK_TIMEOUT_MS / 1000} s`)));
    req.once('error', reject);
    req.end(body);
  });
}

export async function checkEndpoint(otlp: OtlpConfig): Promise<EndpointCheck> {
  let url: URL;
  try {
    url = new URL(otlp.endpoint);
  } catch {
    return { ok: false, message: `unreachable: ${JSON.stringify(otlp.endpoint)} is not a valid URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, message: `unreachable: unsupported URL scheme ${url.protocol} (expected http: or https:)` };
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1'); // IPv6 literals come bracketed
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;

  try {
    await tcpConnect(host, port);
  } catch (err) {
    return { ok: false, message: `unreachable: ${errorReason(err)}` };
  }

  if (otlp.protocol === 'grpc') {
    return { ok: true, message: `reachable (TCP connection to ${host}:${port} accepted; gRPC itself not probed)` };
  }

  let answer: HttpAnswer;
  try {
    answer = await postEmptyExport(url, otlp);
  } catch (err) {
    return { ok: false, message: `unreachable: TCP connection accepted, but POST failed: ${errorReason(err)}` };
  }
  const status = `HTTP ${answer.status}${answer.statusText ? ' ' + answer.statusText : ''}`;
  if (answer.status >= 200 && answer.status < 300) {
    return { ok: true, message: `reachable (POST of an empty export answered ${status})` };
  }
  return { ok: false, message: `unreachable: the endpoint answered an empty export with ${status}` };
}
