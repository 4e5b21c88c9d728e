import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { redactedFormOf, type HttpConfig } from '../../src/instrument';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ERROR_TYPE_OTHER,
} from '../../src/semconv';

/**
 * HTTP semantic-convention rules shared by the http and undici instrumentations: method
 * normalisation, URL and query redaction, status rules, URL exclusion and header capture.
 * Everything is compiled once from the configuration; the per-request functions allocate little.
 */

export const REDACTED = 'REDACTED';
const METHOD_OTHER = '_OTHER';

export interface HttpSemantics {
  /** Sets `http.request.method` (and `_original` when it is not a known method). */
  setMethod(span: Span, method: string): string;
  /** `http.request.method` of a method: itself when it is known, `_OTHER` otherwise. */
  methodOf(method: string): string;
  /** `url.full` with credentials and sensitive query values replaced by REDACTED. */
  redactUrl(url: string): string;
  /** A query string (without `?`) with sensitive values replaced by REDACTED. */
  redactQuery(query: string): string;
  /** OTEL_NODE_EXCLUDED_URLS: patterns beginning with `/` match the path, others the full URL. */
  isExcluded(path: string, fullUrl: string | undefined): boolean;
  readonly config: HttpConfig;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

export function createHttpSemantics(config: HttpConfig): HttpSemantics {
  const known = new Set(config.knownMethods);
  const sensitive = new Set(config.redactedQueryParams);
  const pathPatterns = config.excludedUrls.filter((p) => p.startsWith('/')).map(globToRegExp);
  const urlPatterns = config.excludedUrls.filter((p) => !p.startsWith('/')).map(globToRegExp);

  function redactQuery(query: string): string {
    if (sensitive.size === 0 || query.length === 0) return query;
    let changed = false;
    const parts = query.split('&');
    for (let i = 0; i < parts.length; i++) {
      const eq = parts[i].indexOf('=');
      const name = eq < 0 ? parts[i] : parts[i].slice(0, eq);
      if (eq >= 0 && sensitive.has(safeDecode(name))) {
        parts[i] = `${name}=${REDACTED}`;
        changed = true;
      }
    }
    return changed ? parts.join('&') : query;
  }

  return {
    config,
    setMethod(span, method) {
      if (known.has(method)) {
        span.setAttribute(ATTR_HTTP_REQUEST_METHOD, method);
        return method;
      }
      span.setAttribute(ATTR_HTTP_REQUEST_METHOD, METHOD_OTHER);
      span.setAttribute(ATTR_HTTP_REQUEST_METHOD_ORIGINAL, method);
      return METHOD_OTHER;
    },
    methodOf(method) {
      return known.has(method) ? method : METHOD_OTHER;
    },
    redactUrl(url) {
      const schemeEnd = url.indexOf('://');
      let out = url;
      if (schemeEnd > 0) {
        const authorityStart = schemeEnd + 3;
        const pathStart = firstOf(url, authorityStart, '/?#');
        const at = url.lastIndexOf('@', pathStart - 1);
        if (at >= authorityStart) out = `${url.slice(0, authorityStart)}${REDACTED}:${REDACTED}${url.slice(at)}`;
      }
      const q = out.indexOf('?');
      if (q < 0) return out;
      const hash = out.indexOf('#', q);
      const query = hash < 0 ? out.slice(q + 1) : out.slice(q + 1, hash);
      const redacted = redactQuery(query);
      if (redacted === query) return out;
      return `${out.slice(0, q + 1)}${redacted}${hash < 0 ? '' : out.slice(hash)}`;
    },
    redactQuery,
    isExcluded(path, fullUrl) {
      for (const pattern of pathPatterns) if (pattern.test(path)) return true;
      if (fullUrl !== undefined) for (const pattern of urlPatterns) if (pattern.test(fullUrl)) return true;
      return false;
    },
  };
}

function firstOf(text: string, from: number, chars: string): number {
  for (let i = from; i < text.length; i++) if (chars.includes(text[i])) return i;
  return text.length;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Status rules of the HTTP conventions: a server span is an error for 5xx only (a 4xx is the
 * client's fault), a client span for 4xx and 5xx. `error.type` is the status code as a string.
 */
export function setResponseStatus(span: Span, statusCode: number, side: HttpSide): void {
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
  const errorType = statusErrorType(statusCode, side);
  if (errorType !== undefined) {
    span.setAttribute(ATTR_ERROR_TYPE, errorType);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

export type HttpSide = 'server' | 'client';

/** `error.type` of a response status: the code as a string when it is an error for this side. */
export function statusErrorType(statusCode: number, side: HttpSide): string | undefined {
  return statusCode >= (side === 'server' ? 500 : 400) ? String(statusCode) : undefined;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** `error.type` of a thrown or socket error: Node's error code, else the error's name. */
export function errorTypeOf(error: unknown): string {
  const err = asError(error);
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : err.name || ERROR_TYPE_OTHER;
}

/**
 * Records a thrown or socket error: exception event, ERROR status, `error.type`. An error whose
 * text a database instrumentation redacted (a pg error quoting a bound value, thrown on through
 * the app's handler) is recorded with that redacted text, never its raw message.
 */
export function recordError(span: Span, error: unknown): void {
  const err = asError(error);
  const safe = redactedFormOf(error);
  span.recordException(safe ?? err);
  span.setAttribute(ATTR_ERROR_TYPE, errorTypeOf(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: safe === undefined ? err.message : safe.message });
}

/** Header capture: `http.request.header.<name>` as a string array, per the conventions. */
export function captureHeaders(
  span: Span,
  prefix: string,
  names: readonly string[],
  get: (name: string) => string | string[] | number | undefined,
): void {
  for (const name of names) {
    const value = get(name);
    if (value === undefined) continue;
    span.setAttribute(prefix + name, Array.isArray(value) ? value : [String(value)]);
  }
}

/** A Host header or authority split into address and port. Shared: never modified. */
export interface HostAndPort {
  readonly address: string;
  readonly port: number | undefined;
}

/**
 * The last Host header parsed and its result: a server's requests nearly all carry the same one,
 * and a client calls the same few hosts. The parse and the address string are then not redone
 * per request (the address would otherwise be a new string kept by every span).
 */
let lastHost: string | undefined;
let lastParsed: HostAndPort | undefined;

/** Splits a Host header or authority into address and port (IPv6 literals keep their brackets off). */
export function parseHostHeader(host: string | undefined): HostAndPort | undefined {
  if (host === undefined || host.length === 0) return undefined;
  if (host === lastHost) return lastParsed;
  const parsed = splitHost(host);
  lastHost = host;
  lastParsed = parsed === undefined ? undefined : Object.freeze(parsed);
  return lastParsed;
}

function splitHost(host: string): HostAndPort | undefined {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return undefined;
    const port = host[close + 1] === ':' ? Number(host.slice(close + 2)) : undefined;
    return { address: host.slice(1, close), port: Number.isInteger(port) ? port : undefined };
  }
  const colon = host.lastIndexOf(':');
  if (colon < 0) return { address: host, port: undefined };
  const port = Number(host.slice(colon + 1));
  return { address: host.slice(0, colon), port: Number.isInteger(port) ? port : undefined };
}

/** The first hop of a `Forwarded` header (RFC 7239): the one the original client added. */
export interface ForwardedHop {
  for: string | undefined;
  host: string | undefined;
  proto: string | undefined;
}

/**
 * Reads the first element of a `Forwarded` header (`for=192.0.2.60;proto=https;host=a.example,
 * for=10.0.0.1`): parameter names case-insensitive, values plain or quoted. Returns undefined when
 * the header is absent or its first element names none of `for`, `host`, `proto`.
 */
export function parseForwarded(value: string | string[] | undefined): ForwardedHop | undefined {
  if (Array.isArray(value)) value = value[0];
  if (typeof value !== 'string' || value.length === 0) return undefined;
  let hop: ForwardedHop | undefined;
  let i = 0;
  const n = value.length;
  while (i < n) {
    while (i < n && (value[i] === ' ' || value[i] === '\t' || value[i] === ';')) i++;
    const nameStart = i;
    while (i < n && value[i] !== '=' && value[i] !== ';' && value[i] !== ',') i++;
    const name = value.slice(nameStart, i).trim().toLowerCase();
    let parameter = '';
    if (value[i] === '=') {
      i++;
      if (value[i] === '"') {
        i++;
        while (i < n && value[i] !== '"') {
          if (value[i] === '\\' && i + 1 < n) i++;
          parameter += value[i++];
        }
        i++;
        while (i < n && value[i] !== ';' && value[i] !== ',') i++;
      } else {
        const start = i;
        while (i < n && value[i] !== ';' && value[i] !== ',') i++;
        parameter = value.slice(start, i).trim();
      }
    }
    if (parameter.length > 0 && (name === 'for' || name === 'host' || name === 'proto')) {
      hop ??= { for: undefined, host: undefined, proto: undefined };
      if (hop[name] === undefined) hop[name] = parameter;
    }
    if (value[i] === ',') break;
  }
  return hop;
}

/** The first entry of a comma-separated header such as `X-Forwarded-For`, trimmed. */
export function firstListValue(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) value = value[0];
  if (typeof value !== 'string') return undefined;
  const comma = value.indexOf(',');
  const first = (comma < 0 ? value : value.slice(0, comma)).trim();
  return first.length === 0 ? undefined : first;
}

/**
 * A client address from a `Forwarded` `for=` node or an `X-Forwarded-For` entry, without port and
 * brackets: `"[2001:db8::17]:4711"` → `2001:db8::17`, `192.0.2.43:47011` → `192.0.2.43`; a bare
 * IPv6 literal is kept whole. `unknown` (RFC 7239: the proxy does not know) gives undefined.
 */
export function forwardedNodeAddress(node: string | undefined): string | undefined {
  if (node === undefined) return undefined;
  node = node.trim();
  if (node.length === 0 || node.toLowerCase() === 'unknown') return undefined;
  if (node[0] === '[') {
    const close = node.indexOf(']');
    return close > 1 ? node.slice(1, close) : undefined;
  }
  const colon = node.indexOf(':');
  if (colon >= 0 && node.indexOf(':', colon + 1) < 0) return colon > 0 ? node.slice(0, colon) : undefined;
  return node;
}

/**
 * The span name's `{method}` part: the method when it is known, `HTTP` otherwise (the
 * conventions' rule for `_OTHER`).
 */
export function spanNameMethod(config: HttpConfig, method: string): string {
  return config.knownMethods.includes(method) ? method : 'HTTP';
}
