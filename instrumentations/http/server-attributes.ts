import type { Span } from '@opentelemetry/api';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_HEADER_PREFIX,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '../../src/semconv';
import {
  captureHeaders,
  firstListValue,
  forwardedNodeAddress,
  parseForwarded,
  parseHostHeader,
  type ForwardedHop,
  type HttpSemantics,
} from '../shared/http-semantics';

/**
 * The attributes of a SERVER span, read from the request line, headers and socket. Called only
 * for a recording span.
 */

const SLASH = 47;

function isAbsoluteForm(target: string): boolean {
  return target.charCodeAt(0) !== SLASH && target.includes('://');
}

/** The request target split at `?` (origin form), or parsed (absolute form, as sent to proxies). */
interface Target {
  path: string;
  query: string | undefined;
  /** The authority of an absolute-form target. */
  authority: string | undefined;
}

function splitTarget(target: string): Target {
  if (isAbsoluteForm(target)) {
    try {
      const url = new URL(target);
      return { path: url.pathname, query: url.search.length > 0 ? url.search.slice(1) : undefined, authority: url.host };
    } catch {
      // not a URL after all: fall through and treat it as a path
    }
  }
  const q = target.indexOf('?');
  if (q < 0) return { path: target, query: undefined, authority: undefined };
  const hash = target.indexOf('#', q);
  return { path: target.slice(0, q), query: target.slice(q + 1, hash < 0 ? undefined : hash), authority: undefined };
}

/** `url.path` of a request target, for OTEL_NODE_EXCLUDED_URLS (checked before the span starts). */
export function requestPath(target: string): string {
  if (isAbsoluteForm(target)) return splitTarget(target).path;
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

function headerText(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : value;
}

export function setServerAttributes(span: Span, req: IncomingMessage, target: string, method: string, http: HttpSemantics): void {
  http.setMethod(span, method);
  const { path, query, authority } = splitTarget(target);
  span.setAttribute(ATTR_URL_PATH, path);
  if (query !== undefined) span.setAttribute(ATTR_URL_QUERY, http.redactQuery(query));

  const headers: IncomingHttpHeaders = req.headers ?? {};
  const socket: Partial<Socket> & { encrypted?: boolean } = req.socket ?? {};
  const forwarded = headers.forwarded === undefined ? undefined : parseForwarded(headers.forwarded);

  const scheme = schemeOf(headers, socket, forwarded);
  span.setAttribute(ATTR_URL_SCHEME, scheme);

  const host = parseHostHeader(authority ?? forwarded?.host ?? firstListValue(headers['x-forwarded-host']) ?? headers.host);
  if (host !== undefined) {
    span.setAttribute(ATTR_SERVER_ADDRESS, host.address);
    const port = host.port ?? defaultPort(scheme);
    if (port !== undefined) span.setAttribute(ATTR_SERVER_PORT, port);
  } else if (typeof socket.localAddress === 'string') {
    span.setAttribute(ATTR_SERVER_ADDRESS, socket.localAddress);
    if (typeof socket.localPort === 'number') span.setAttribute(ATTR_SERVER_PORT, socket.localPort);
  }

  const peer = peerOf(socket);
  const client =
    forwardedNodeAddress(forwarded?.for) ?? forwardedNodeAddress(firstListValue(headers['x-forwarded-for'])) ?? peer?.address;
  if (client !== undefined) span.setAttribute(ATTR_CLIENT_ADDRESS, client);
  if (peer !== undefined) {
    span.setAttribute(ATTR_NETWORK_PEER_ADDRESS, peer.address);
    if (peer.port !== undefined) span.setAttribute(ATTR_NETWORK_PEER_PORT, peer.port);
  }
  if (typeof req.httpVersion === 'string') span.setAttribute(ATTR_NETWORK_PROTOCOL_VERSION, protocolVersion(req.httpVersion));
  const userAgent = headerText(headers['user-agent']);
  if (userAgent !== undefined) span.setAttribute(ATTR_USER_AGENT_ORIGINAL, userAgent);

  const names = http.config.serverRequestHeaders;
  if (names.length > 0) captureHeaders(span, ATTR_HTTP_REQUEST_HEADER_PREFIX, names, (name) => headers[name]);
}

interface Peer {
  readonly address: string;
  readonly port: number | undefined;
}

/**
 * The other end of each connection, read once: a TCP connection's peer does not change, and each
 * read of `remoteAddress` or `remotePort` goes through net.Socket's getters (about 700
 * instructions each, bench:instructions), for every request a keep-alive connection carries.
 */
const peers = new WeakMap<object, Peer>();

function peerOf(socket: Partial<Socket>): Peer | undefined {
  let peer = peers.get(socket);
  if (peer === undefined) {
    const address = socket.remoteAddress;
    if (typeof address !== 'string') return undefined; // not connected (yet, or any more): not kept
    const port = socket.remotePort;
    peer = { address, port: typeof port === 'number' ? port : undefined };
    peers.set(socket, peer);
  }
  return peer;
}

function defaultPort(scheme: string): number | undefined {
  return scheme === 'https' ? 443 : scheme === 'http' ? 80 : undefined;
}

/** `url.scheme` of a request: what a proxy says it received (Forwarded, X-Forwarded-Proto), else the socket's. */
function schemeOf(headers: IncomingHttpHeaders, socket: { encrypted?: boolean }, forwarded: ForwardedHop | undefined): string {
  const proxied = forwarded?.proto ?? firstListValue(headers['x-forwarded-proto']);
  if (proxied !== undefined) return proxied.toLowerCase();
  return socket.encrypted === true ? 'https' : 'http';
}

/** `url.scheme` for the duration metric, by the span's rule (the Forwarded header is parsed only when present). */
export function requestScheme(req: IncomingMessage): string {
  const headers: IncomingHttpHeaders = req.headers ?? {};
  const forwarded = headers.forwarded === undefined ? undefined : parseForwarded(headers.forwarded);
  return schemeOf(headers, (req.socket ?? {}) as { encrypted?: boolean }, forwarded);
}

/**
 * `network.protocol.version`: Node reports `1.1`, `1.0`, and `2.0` for HTTP/2, which the
 * conventions write `2`. The common ones are returned as constants: Node builds `httpVersion` anew
 * for every request, and the span would keep that copy alive until it is exported.
 */
export function protocolVersion(httpVersion: string): string {
  if (httpVersion === '1.1') return '1.1';
  if (httpVersion === '2.0') return '2';
  return httpVersion === '1.0' ? '1.0' : httpVersion;
}
