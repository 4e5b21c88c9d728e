import { parseHostHeader, type HttpSemantics } from '../shared/http-semantics';

/**
 * Where an undici request goes, from its `origin`, `path` and Host header, without `new URL`.
 * An app talks to few origins, so each origin is parsed once and cached; per request only the
 * path is looked at.
 */
export interface RequestTarget {
  /** Absolute URL, not redacted yet. */
  url: string;
  /** The path without query or fragment, for the path patterns of OTEL_NODE_EXCLUDED_URLS. */
  path: string;
  /** Index of the `?` starting the query in `url`, or -1. */
  queryStart: number;
  /** `url` carries `user:password@` (only seen in unusual origins and absolute-form paths). */
  userinfo: boolean;
  /** Lower case, without `:`. */
  scheme: string;
  address: string | undefined;
  port: number | undefined;
}

interface Origin {
  /** `scheme://authority`, without a trailing slash. */
  base: string;
  scheme: string;
  userinfo: boolean;
  address: string | undefined;
  port: number | undefined;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, ws: 80, wss: 443 };
/** Bounds the origin cache; an app with more distinct origins just re-parses them. */
const MAX_CACHED_ORIGINS = 256;
const origins = new Map<string, Origin>();

const SLASH = 0x2f;
const QUESTION = 0x3f;
const HASH = 0x23;

/** Index of the first `/`, `?` or `#` at or after `from`, or `text.length`. */
function authorityEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === SLASH || c === QUESTION || c === HASH) return i;
  }
  return text.length;
}

/** Splits `scheme://[userinfo@]host[:port]…` up to where the path starts. */
function parseOrigin(url: string): Origin & { pathStart: number } {
  const schemeEnd = url.indexOf('://');
  const scheme = schemeEnd > 0 ? url.slice(0, schemeEnd).toLowerCase() : '';
  const authorityStart = schemeEnd > 0 ? schemeEnd + 3 : 0;
  const pathStart = authorityEnd(url, authorityStart);
  let authority = url.slice(authorityStart, pathStart);
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  const server = parseHostHeader(authority);
  return {
    base: url.slice(0, pathStart),
    scheme,
    userinfo: at >= 0,
    address: server?.address,
    port: server?.port ?? DEFAULT_PORTS[scheme],
    pathStart,
  };
}

function originText(origin: unknown): string {
  if (typeof origin === 'string') return origin;
  if (origin !== null && typeof origin === 'object' && typeof (origin as URL).origin === 'string') return (origin as URL).origin;
  return String(origin);
}

function cachedOrigin(origin: unknown): Origin {
  const text = originText(origin);
  let parsed: Origin | undefined = origins.get(text);
  if (parsed === undefined) {
    if (origins.size >= MAX_CACHED_ORIGINS) origins.clear();
    parsed = parseOrigin(text);
    origins.set(text, parsed);
  }
  return parsed;
}

function isAbsolute(path: string): boolean {
  return path.startsWith('http://') || path.startsWith('https://');
}

/**
 * `host` is the Host header the caller set, if any: the conventions take `server.address` and
 * `server.port` from it rather than from the connection target.
 */
export function requestTarget(origin: unknown, path: string, host?: string | null): RequestTarget {
  let url: string;
  let server: Origin;
  let pathStart: number;
  if (isAbsolute(path)) {
    // Absolute form, through a proxy that does not tunnel: the path names the real target.
    url = path;
    const parsed = parseOrigin(path);
    server = parsed;
    pathStart = parsed.pathStart;
  } else {
    server = cachedOrigin(origin);
    url = path.charCodeAt(0) === SLASH ? server.base + path : `${server.base}/${path}`;
    pathStart = server.base.length;
  }

  let hash = url.indexOf('#', pathStart);
  if (hash < 0) hash = url.length;
  let queryStart = url.indexOf('?', pathStart);
  if (queryStart > hash) queryStart = -1;
  const pathEnd = queryStart < 0 ? hash : queryStart;

  let address = server.address;
  let port = server.port;
  if (typeof host === 'string' && host.length > 0) {
    const fromHost = parseHostHeader(host);
    if (fromHost !== undefined) {
      address = fromHost.address;
      port = fromHost.port ?? DEFAULT_PORTS[server.scheme];
    }
  }
  return {
    url,
    path: pathEnd > pathStart ? url.slice(pathStart, pathEnd) : '/',
    queryStart,
    userinfo: server.userinfo,
    scheme: server.scheme,
    address,
    port,
  };
}

/**
 * `url.full` with credentials and sensitive query values redacted, by the shared rules: the
 * whole-URL rule only where credentials can be present, else just the query (the common case,
 * a URL without query, costs nothing).
 */
export function redactedUrl(target: RequestTarget, rules: Pick<HttpSemantics, 'redactUrl' | 'redactQuery'>): string {
  const { url, queryStart } = target;
  if (target.userinfo) return rules.redactUrl(url);
  if (queryStart < 0) return url;
  const hash = url.indexOf('#', queryStart);
  const query = hash < 0 ? url.slice(queryStart + 1) : url.slice(queryStart + 1, hash);
  const redacted = rules.redactQuery(query);
  if (redacted === query) return url;
  return url.slice(0, queryStart + 1) + redacted + (hash < 0 ? '' : url.slice(hash));
}

/**
 * `network.protocol.version` from the socket a request is written on: undici speaks HTTP/2 only
 * where ALPN chose `h2`, and HTTP/1.1 everywhere else.
 */
export function protocolVersion(alpnProtocol: string | false | null | undefined): string {
  return alpnProtocol === 'h2' ? '2' : '1.1';
}
