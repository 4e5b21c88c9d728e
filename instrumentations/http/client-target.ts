import { parseHostHeader } from '../shared/http-semantics';

/**
 * Where a node:http client request goes, worked out the way `ClientRequest` does it: fields of
 * the URL argument, overridden by those of the options argument, then the defaults of the module
 * (`http:` / `https:`) and of the agent. Pure; called only for a recording span, a measured
 * request, or when OTEL_NODE_EXCLUDED_URLS needs the URL.
 */
export interface ClientTarget {
  /** Absolute URL without credentials, not yet redacted. */
  url: string;
  /** The URL had a user or password (`url.full` then shows `REDACTED:REDACTED@`). */
  credentials: boolean;
  /** The path without query, for the path patterns of OTEL_NODE_EXCLUDED_URLS. */
  path: string;
  address: string | undefined;
  port: number | undefined;
  /** `url.scheme`: `http`, `https`. */
  scheme: string;
}

/** The subset of `http.RequestOptions` read here; every field may be anything at run time. */
export interface RequestOptionsLike {
  protocol?: unknown;
  hostname?: unknown;
  host?: unknown;
  port?: unknown;
  defaultPort?: unknown;
  path?: unknown;
  auth?: unknown;
  socketPath?: unknown;
  agent?: unknown;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function bracketed(host: string): string {
  return host.includes(':') && host[0] !== '[' ? `[${host}]` : host;
}

function withoutQuery(path: string): string {
  let end = path.indexOf('?');
  const hash = path.indexOf('#');
  if (hash >= 0 && (end < 0 || hash < end)) end = hash;
  return end < 0 ? path : path.slice(0, end);
}

export function clientTarget(url: URL | undefined, options: RequestOptionsLike | undefined, defaultProtocol: string): ClientTarget {
  let protocol: string | undefined;
  let hostname: string | undefined;
  let host: string | undefined;
  let port: unknown;
  let path: string | undefined;
  let credentials = false;
  let defaultPortOption: unknown;
  let agent: unknown;
  let socketPath: string | undefined;

  if (url !== undefined) {
    protocol = url.protocol;
    hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    port = url.port === '' ? undefined : Number(url.port);
    path = `${url.pathname}${url.search}`;
    credentials = url.username !== '' || url.password !== '';
  }
  if (options !== undefined && options !== null) {
    if (options.protocol !== undefined) protocol = text(options.protocol);
    if (options.hostname !== undefined) hostname = text(options.hostname);
    if (options.host !== undefined) host = text(options.host);
    if (options.port !== undefined) port = options.port;
    if (options.path !== undefined) path = options.path === null ? undefined : String(options.path);
    if (options.auth !== undefined) credentials = typeof options.auth === 'string' && options.auth.length > 0;
    defaultPortOption = options.defaultPort;
    agent = options.agent;
    socketPath = text(options.socketPath);
  }

  protocol ??= defaultProtocol;
  const standardPort = protocol === 'https:' ? 443 : 80;
  const agentPort = agent !== null && typeof agent === 'object' ? Number((agent as { defaultPort?: unknown }).defaultPort) : NaN;
  const effectiveDefault = Number(defaultPortOption) || agentPort || standardPort;
  const effectivePort = Number(port) || effectiveDefault;
  const effectivePath = path || '/';

  if (effectivePath.charCodeAt(0) !== 47 && effectivePath.includes('://')) {
    // Absolute form (a request through a forward proxy): the target is the URL in the path.
    try {
      const absolute = new URL(effectivePath);
      const server = parseHostHeader(absolute.host);
      const absoluteCredentials = absolute.username !== '' || absolute.password !== '';
      if (absoluteCredentials) absolute.username = absolute.password = '';
      return {
        url: absolute.href,
        credentials: credentials || absoluteCredentials,
        path: absolute.pathname,
        address: server?.address,
        port: server?.port ?? (absolute.protocol === 'https:' ? 443 : absolute.protocol === 'http:' ? 80 : undefined),
        scheme: schemeOf(absolute.protocol),
      };
    } catch {
      // not a URL: reported as a path below
    }
  }

  if (socketPath !== undefined) {
    const scheme = schemeOf(protocol);
    return { url: `${protocol}//localhost${effectivePath}`, credentials, path: withoutQuery(effectivePath), address: socketPath, port: undefined, scheme };
  }
  const address = hostname ?? host ?? 'localhost';
  const portText = effectivePort === standardPort ? '' : `:${effectivePort}`;
  return {
    url: `${protocol}//${bracketed(address)}${portText}${effectivePath}`,
    credentials,
    path: withoutQuery(effectivePath),
    address,
    port: effectivePort,
    scheme: schemeOf(protocol),
  };
}

/** `https:` → `https`. */
function schemeOf(protocol: string): string {
  return protocol.endsWith(':') ? protocol.slice(0, -1) : protocol;
}
