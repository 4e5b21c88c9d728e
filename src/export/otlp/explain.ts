import type { OtlpProtocol } from '../../config/types';
import { printableEndpoint } from '../../secrets';
import type { AttemptOutcome } from './retry';

/**
 * A failed export attempt in the agent's words: one sentence saying what happened and what to
 * change, instead of the transport's raw error (`ERR_HTTP2_ERROR`, `HPE_INVALID_CONSTANT`, an
 * OpenSSL reason). Used by the exporter's failure message and by `otelite doctor`.
 *
 * The sentence holds no secret: the endpoint is printed without credentials or query
 * (`printableEndpoint`), and server text comes from the outcome's error, which the transports
 * already scrubbed of header values.
 */

export type Signal = 'traces' | 'metrics' | 'logs';

export interface ExportTarget {
  /** The endpoint the exporter was given (for http/*: the full URL with `/v1/<signal>`). */
  endpoint: string;
  protocol: OtlpProtocol;
  /** Default 'traces'. */
  signal?: Signal;
}

const GRPC_PORT = 4317;
const HTTP_PORT = 4318;
const USUAL_PORTS = `OTLP/gRPC usually listens on ${GRPC_PORT}, OTLP/HTTP on ${HTTP_PORT}`;

/** What the sentences need to know about the target. */
interface Where {
  /** As printed (printableTarget). */
  url: string;
  host: string;
  hostPort: string;
  port: number;
  tls: boolean;
  grpc: boolean;
  /** 'gRPC' or 'OTLP/HTTP'. */
  speaks: string;
  signal: Signal;
  path: string;
}

/**
 * The endpoint as the sentences print it: the URL for OTLP/HTTP, scheme://host:port for gRPC
 * (which ignores the path); never credentials or a query.
 */
export function printableTarget(target: ExportTarget): string {
  const printed = printableEndpoint(target.endpoint);
  return target.protocol === 'grpc' ? printed.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/]+).*$/i, '$1') : printed;
}

function whereOf(target: ExportTarget): Where {
  const grpc = target.protocol === 'grpc';
  const signal = target.signal ?? 'traces';
  let u: URL | undefined;
  try {
    u = new URL(target.endpoint);
  } catch {
    u = undefined;
  }
  const tls = u?.protocol === 'https:';
  const host = u === undefined ? '(invalid endpoint)' : u.hostname;
  const port = u === undefined ? 0 : u.port !== '' ? Number(u.port) : tls ? 443 : 80;
  return {
    url: printableTarget(target),
    host,
    hostPort: `${host}:${port}`,
    port,
    tls,
    grpc,
    speaks: grpc ? 'gRPC' : 'OTLP/HTTP',
    signal,
    path: u?.pathname ?? '',
  };
}

/** The variable that chooses the protocol (the signal's own one wins, the generic one is what users set). */
const PROTOCOL_VAR = 'OTEL_EXPORTER_OTLP_PROTOCOL';

/** When the port is the other protocol's usual one, the sentence that says so; '' otherwise. */
function otherProtocolsPort(w: Where): string {
  if (w.grpc && w.port === HTTP_PORT) return `; ${HTTP_PORT} is usually OTLP/HTTP's port, OTLP/gRPC's is ${GRPC_PORT}`;
  if (!w.grpc && w.port === GRPC_PORT) return `; ${GRPC_PORT} is usually OTLP/gRPC's port, OTLP/HTTP's is ${HTTP_PORT}`;
  return '';
}

function wrongProtocol(w: Where, evidence: string): string {
  const fix = w.grpc
    ? `point the endpoint at the collector's OTLP/gRPC port, or set ${PROTOCOL_VAR}=http/protobuf`
    : `point the endpoint at the collector's OTLP/HTTP port, or set ${PROTOCOL_VAR}=grpc`;
  return `${w.url} does not speak ${w.speaks} (${evidence}); ${USUAL_PORTS}: ${fix}`;
}

/** The reason inside a transport's TLS error ("TLS connection failed: <reason> (<code>); check …"). */
/** Node 24 and later append advice of their own to a certificate error; the sentence gives ours. */
const NODE_CA_ADVICE = /;? ?if the root CA is installed locally, try running Node\.js with --use-system-ca/;

function tlsReason(message: string): string {
  const m = /^TLS connection failed: (.*?)(?: \([A-Z0-9_]+\))?; check/.exec(message);
  return (m !== null ? m[1]! : message).replace(NODE_CA_ADVICE, '').trim();
}

const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

function explainTls(code: string, message: string, w: Where): string {
  const reason = tlsReason(message);
  if (/NO_APPLICATION_PROTOCOL/.test(code)) {
    return wrongProtocol(w, w.grpc ? 'its TLS server offers no HTTP/2, which gRPC needs' : 'its TLS server speaks only HTTP/2, as gRPC servers do');
  }
  if (UNTRUSTED.has(code)) {
    return `the TLS certificate of ${w.hostPort} is not trusted (${reason}): set OTEL_EXPORTER_OTLP_CERTIFICATE to the PEM file of the CA that signed it`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `the TLS certificate of ${w.hostPort} is not valid now (${reason}): the collector needs a current certificate`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /HOSTNAME_MISMATCH/.test(code)) {
    return `the TLS certificate of ${w.hostPort} is not issued for ${w.host} (hostname mismatch): use a host name the certificate names in the endpoint`;
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long|http request/i.test(reason)) {
    return `${w.hostPort} does not speak TLS (it answered in plain text): use http:// instead of https:// in the endpoint`;
  }
  if (/certificate required|bad certificate|unknown ca/i.test(reason)) {
    return `${w.hostPort} refused the TLS connection without a client certificate it accepts (${reason}): set OTEL_EXPORTER_OTLP_CLIENT_KEY and OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`;
  }
  return `the TLS handshake with ${w.hostPort} failed (${reason}): check OTEL_EXPORTER_OTLP_CERTIFICATE, OTEL_EXPORTER_OTLP_CLIENT_KEY and OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`;
}

function explainNetwork(code: string, message: string, w: Where): string {
  switch (code) {
    case 'ECONNREFUSED': {
      const usual = w.grpc ? GRPC_PORT : HTTP_PORT;
      const hint = w.port === usual ? '' : ` (${w.speaks} usually listens on ${usual})`;
      return `nothing listens on ${w.hostPort}: is the collector running${hint}?`;
    }
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name ${w.host} does not resolve (${code}): check the endpoint's host`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${w.hostPort} (${code}): check the endpoint's address and the network`;
    case 'ETIMEDOUT':
      return `the connection to ${w.hostPort} timed out (ETIMEDOUT): is the host up, and is the port open through any firewall?`;
    case 'ECONNRESET':
    case 'EPIPE': {
      const tlsHint = w.tls ? '' : '; if the collector expects TLS there, use https://';
      return `${w.hostPort} closed the connection without answering${tlsHint}${otherProtocolsPort(w)}`;
    }
  }
  // An HTTP/1.1 client reading what an h2c (gRPC) server sends: its SETTINGS frame is no status line.
  if (!w.grpc && code.startsWith('HPE_')) return wrongProtocol(w, 'its answer was not HTTP/1.1: it answered like an HTTP/2-only gRPC server');
  // An HTTP/2 client reading what an HTTP/1.1 server sends.
  if (w.grpc && (code === 'ERR_HTTP2_ERROR' || code === 'ERR_HTTP2_SESSION_ERROR')) {
    return wrongProtocol(w, 'it answered like an HTTP/1.1 server');
  }
  return `the connection to ${w.hostPort} failed: ${message}`;
}

function explainHttpStatus(status: number, message: string, w: Where): string {
  if (status === 400 && /HTTP request to an HTTPS server|plain HTTP request was sent to HTTPS/i.test(message)) {
    return `${w.hostPort} expects TLS: use https:// instead of http:// in the endpoint`;
  }
  if (status === 403 && /ALPN|expected `?h2`?/i.test(message)) {
    return wrongProtocol(w, 'its TLS server speaks only HTTP/2, as gRPC servers do');
  }
  if (status === 505) return wrongProtocol(w, 'it refused HTTP/1.1');
  const rejected = `${w.url} rejected the export with ${message}`;
  switch (status) {
    case 401:
    case 403:
      return `${rejected}: check the credentials in OTEL_EXPORTER_OTLP_HEADERS`;
    case 404:
    case 405:
      return `${rejected}: OTLP/HTTP receives ${w.signal} at the path /v1/${w.signal}${otherProtocolsPort(w)}`;
    case 413:
      return `${rejected}: the request is larger than the collector accepts`;
    case 415:
      return `${rejected}: the collector does not accept this encoding; try ${PROTOCOL_VAR}=http/protobuf`;
  }
  return rejected;
}

/** HTTP/2 error codes (RFC 9113, section 7), for the RST_STREAM a gRPC call ended with. */
const HTTP2_ERRORS = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];
const HTTP2_CANCEL = 8;

/**
 * The gRPC status the transport took an answer without one as (its message ends "(taken as
 * UNAVAILABLE)"): 'taken as gRPC status UNAVAILABLE', or '' when the message does not say.
 */
function takenAs(message: string): string {
  const m = /taken as ([A-Z_]+)/.exec(message);
  return m !== null ? `taken as gRPC status ${m[1]}` : '';
}

function explainGrpcStatus(outcome: AttemptOutcome, message: string, w: Where): string {
  const kind = outcome.kind;
  const taken = takenAs(message);
  const httpStatus = /^grpc-http-(\d+)$/.exec(kind);
  if (httpStatus !== null) {
    const status = Number(httpStatus[1]);
    const answered = `${w.url} answered HTTP/2 status ${status} without a gRPC status${taken === '' ? '' : ` (${taken})`}`;
    if (status === 401 || status === 403) return `${answered}: check the credentials in OTEL_EXPORTER_OTLP_HEADERS`;
    // 429, 502, 503, 504: what a proxy or load balancer in front of the collector answers for it.
    if (outcome.retryable) return `${answered}: a proxy or load balancer there could not pass the call to the collector (down, overloaded or limiting requests)`;
    return wrongProtocol(w, `it answered HTTP/2 status ${status} without a gRPC status: an HTTP server, not a gRPC one`);
  }
  if (kind === 'grpc-no-status') return `${w.url} ended the call without a gRPC status: is it an OTLP/gRPC receiver?${otherProtocolsPort(w)}`;
  const rst = /^grpc-rst-(\d+)$/.exec(kind);
  if (rst !== null) {
    const code = Number(rst[1]);
    const name = HTTP2_ERRORS[code];
    const how = `HTTP/2 error ${name === undefined ? '' : `${name} `}(${code})${taken === '' ? '' : `, ${taken}`}`;
    // A TLS server given clear text drops the connection, and the client cancels its streams; a
    // server that reset the stream with any other code understood HTTP/2 in clear text.
    const tlsHint = w.tls || code !== HTTP2_CANCEL ? '' : '; if the collector expects TLS there, use https://';
    return `${w.url} closed the gRPC call before answering (${how})${tlsHint}${otherProtocolsPort(w)}`;
  }
  const rejected = `${w.url} rejected the export with ${message}`;
  if (kind === 'grpc-too-large') return `${rejected}: the request is larger than the collector accepts`;
  switch (kind) {
    case 'grpc-16':
    case 'grpc-7':
      return `${rejected}: check the credentials in OTEL_EXPORTER_OTLP_HEADERS`;
    case 'grpc-12':
      return `${rejected}: the gRPC server there has no OTLP ${w.signal} service${otherProtocolsPort(w)}`;
  }
  return rejected;
}

/**
 * A path with a signal's suffix given in the base: OTEL_EXPORTER_OTLP_ENDPOINT set to
 * `…/v1/traces`, to which the agent appends `/v1/traces` (`/v1/traces/v1/traces`) or another
 * signal's suffix (`/v1/traces/v1/metrics`).
 */
function doubledPath(w: Where): string | undefined {
  const suffix = `/v1/${w.signal}`;
  const given = /(\/v1\/(?:traces|metrics|logs))\/v1\/[a-z]+$/.exec(w.path.replace(/\/+$/, ''))?.[1];
  if (w.grpc || given === undefined || !w.path.replace(/\/+$/, '').endsWith(suffix)) return undefined;
  const variable = `OTEL_EXPORTER_OTLP_${w.signal.toUpperCase()}_ENDPOINT`;
  const what = given === suffix ? `has ${suffix} twice` : `has ${given} before ${suffix}`;
  return (
    `${w.url} ${what}: OTEL_EXPORTER_OTLP_ENDPOINT is a base URL to which the agent appends ${suffix}, ` +
    `so drop ${given} from it, or give the full URL in ${variable}`
  );
}

/** One sentence (no final period) saying why `outcome` failed against `target` and what to do. */
export function explainFailure(outcome: AttemptOutcome, target: ExportTarget): string {
  const w = whereOf(target);
  const kind = outcome.kind;
  const message = outcome.error?.message ?? kind;
  const doubled = doubledPath(w);
  // Whatever 4xx the receiver gives a path it does not know (404 from the collector), the doubled suffix is the cause.
  if (doubled !== undefined && /^http-4\d\d$/.test(kind)) return doubled;

  if (kind === 'timeout') {
    const ms = /(\d+) ms/.exec(message);
    const within = ms !== null ? ` within ${ms[1]} ms` : '';
    return `${w.url} did not answer${within}: something there accepts connections but does not answer ${w.speaks} (a proxy, a firewall, another service), or the collector is overloaded${otherProtocolsPort(w)}`;
  }
  if (kind.startsWith('tls-')) return explainTls(kind.slice(4), message, w);
  if (kind.startsWith('network-')) return explainNetwork(kind.slice(8), message, w);
  if (kind.startsWith('http-')) return explainHttpStatus(outcome.status ?? Number(kind.slice(5)), message, w);
  if (kind.startsWith('grpc-')) return explainGrpcStatus(outcome, message, w);
  return `the export to ${w.url} failed: ${message}`;
}
