import * as http2 from 'node:http2';
import { gunzipSync } from 'node:zlib';
import { context } from '@opentelemetry/api';
import { VERSION } from '../../version';
import { suppressTracing } from '../../context/suppress';
import { printable, secretsOf } from '../../secrets';
import type { Signal } from './explain';
import { settleOnce, type OtlpTransport, type TlsMaterial } from './transport';
import { GrpcStatus, grpcStatusName, isRetryableGrpcStatus, networkFailure, type AttemptOutcome } from './retry';

/**
 * OTLP/gRPC without a gRPC library: one unary call over node:http2.
 *
 * Request: HEADERS (`:method POST`, `:path` the signal's Export method (GRPC_EXPORT_PATHS),
 * `content-type: application/grpc`, `te: trailers`, `grpc-timeout`, `grpc-encoding: gzip` when
 * compressed, the configured headers as metadata), then one length-prefixed message
 * (1 byte compressed flag, 4 bytes big-endian length, the message).
 * Response: HEADERS, DATA (one length-prefixed Export*ServiceResponse), then trailers with
 * `grpc-status` / `grpc-message`; or a trailers-only response carrying them in the HEADERS.
 *
 * One session is kept and reused (unref'ed, so it never holds the process open) and replaced when
 * it closes, errs or receives GOAWAY. `https:` endpoints use TLS (with the configured CA and client
 * certificate), `http:` endpoints cleartext HTTP/2 (h2c, prior knowledge).
 */

/** The unary Export method of each signal's OTLP service (opentelemetry/proto/collector/). */
const GRPC_EXPORT_PATHS: Readonly<Record<Signal, string>> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};
const MAX_RESPONSE_BYTES = 64 * 1024;

/** Header names that HTTP/2 or gRPC own; user headers with these names are not sent. */
const RESERVED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'content-type',
  'te',
  'user-agent',
  'grpc-timeout',
  'grpc-encoding',
  'grpc-accept-encoding',
]);

/** grpc-status for an HTTP status that came without one (gRPC "HTTP to gRPC status code mapping"). */
function grpcCodeForHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

/** The grpc-message, percent-decoded, made printable (see `printable`), header values masked. */
function decodeGrpcMessage(value: unknown, secrets: readonly string[]): string {
  if (typeof value !== 'string' || value === '') return '';
  let text = value;
  try {
    text = decodeURIComponent(value);
  } catch {
    // not percent-encoded after all: as it came
  }
  return printable(text, secrets);
}

/** The first length-prefixed message of a response body, decompressed; undefined if malformed. */
function firstMessage(data: Buffer, encoding: string | undefined): Uint8Array | undefined {
  if (data.length < 5) return undefined;
  const compressed = data[0] === 1;
  const len = data.readUInt32BE(1);
  if (data.length < 5 + len) return undefined;
  const msg = data.subarray(5, 5 + len);
  if (!compressed) return msg;
  if (encoding !== 'gzip') return undefined;
  try {
    return gunzipSync(msg);
  } catch {
    return undefined;
  }
}

/**
 * A stream that ended without a grpc-status: a reset (RST_STREAM code), mapped as gRPC does
 * (REFUSED_STREAM -> UNAVAILABLE, CANCEL -> CANCELLED, ENHANCE_YOUR_CALM -> RESOURCE_EXHAUSTED,
 * anything else -> INTERNAL), or no reset at all (UNKNOWN).
 */
function resetOutcome(rst: number): AttemptOutcome {
  const c = http2.constants;
  const code =
    rst === 0
      ? GrpcStatus.UNKNOWN
      : rst === c.NGHTTP2_REFUSED_STREAM
        ? GrpcStatus.UNAVAILABLE
        : rst === c.NGHTTP2_CANCEL
          ? GrpcStatus.CANCELLED
          : rst === c.NGHTTP2_ENHANCE_YOUR_CALM
            ? GrpcStatus.RESOURCE_EXHAUSTED
            : GrpcStatus.INTERNAL;
  return {
    ok: false,
    retryable: isRetryableGrpcStatus(code),
    kind: rst !== 0 ? `grpc-rst-${rst}` : 'grpc-no-status',
    error: new Error(
      rst !== 0
        ? `stream reset by the server (HTTP/2 error code ${rst}, taken as ${grpcStatusName(code)})`
        : 'response ended without a grpc-status',
    ),
  };
}

export class GrpcTransport implements OtlpTransport {
  private readonly authority: string;
  private readonly secure: boolean;
  private readonly tls: TlsMaterial;
  private readonly metadata: Record<string, string> = {};
  private readonly secrets: string[];
  private readonly path: string;
  private session: http2.ClientHttp2Session | undefined;
  private closed = false;

  /** Throws on an endpoint that is not an http: or https: URL. */
  constructor(endpoint: string, headers: Record<string, string>, tls: TlsMaterial, signal: Signal) {
    this.path = GRPC_EXPORT_PATHS[signal];
    const url = new URL(endpoint);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`endpoint scheme ${url.protocol} is not http: or https:`);
    }
    this.secure = url.protocol === 'https:';
    this.authority = `${url.protocol}//${url.host}`;
    this.tls = tls;
    this.secrets = secretsOf(Object.values(headers));
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      if (lower.startsWith(':') || RESERVED.has(lower)) continue;
      this.metadata[lower] = value;
    }
  }

  private getSession(): http2.ClientHttp2Session {
    const current = this.session;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const session = http2.connect(this.authority, this.secure ? { ...this.tls } : {});
    session.unref();
    const forget = (): void => {
      if (this.session === session) this.session = undefined;
    };
    // Errors reach the pending streams too; here they only retire the session.
    session.on('error', forget);
    session.on('close', forget);
    session.on('goaway', () => {
      forget();
      session.close();
    });
    this.session = session;
    return session;
  }

  send(body: Uint8Array, options: { timeoutMs: number; compressed: boolean }): Promise<AttemptOutcome> {
    return settleOnce((finish, deadline, settled) => {
      if (this.closed) {
        finish({ ok: false, retryable: false, kind: 'shutdown', error: new Error('transport is shut down') });
        return;
      }
      context.with(suppressTracing(context.active()), () => {
        let session: http2.ClientHttp2Session;
        let stream: http2.ClientHttp2Stream;
        const timeoutMs = Math.max(1, Math.ceil(options.timeoutMs));
        try {
          session = this.getSession();
          const headers: http2.OutgoingHttpHeaders = {
            ...this.metadata,
            ':method': 'POST',
            ':path': this.path,
            'content-type': 'application/grpc',
            te: 'trailers',
            'user-agent': `otelite/${VERSION}`,
            // at most 8 digits: milliseconds below ~27 hours, seconds beyond
            'grpc-timeout': timeoutMs < 1e8 ? `${timeoutMs}m` : `${Math.min(99_999_999, Math.ceil(timeoutMs / 1000))}S`,
            'grpc-accept-encoding': 'identity,gzip',
          };
          if (options.compressed) headers['grpc-encoding'] = 'gzip';
          stream = session.request(headers);
        } catch (err) {
          this.session?.destroy();
          finish(networkFailure(err));
          return;
        }

        let httpStatus: number | undefined;
        let grpcStatus: number | undefined;
        let grpcMessage = '';
        let encoding: string | undefined;
        const chunks: Buffer[] = [];
        let size = 0;
        const readStatus = (h: http2.IncomingHttpHeaders): void => {
          const s = h['grpc-status'];
          if (s !== undefined) {
            grpcStatus = Number(Array.isArray(s) ? s[0] : s);
            grpcMessage = decodeGrpcMessage(h['grpc-message'], this.secrets);
          }
        };
        stream.on('response', (h) => {
          httpStatus = Number(h[':status']);
          const enc = h['grpc-encoding'];
          encoding = typeof enc === 'string' ? enc : undefined;
          readStatus(h); // trailers-only response
        });
        stream.on('trailers', readStatus);
        stream.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        stream.on('error', (err) => {
          // A broken session is not reused.
          if (session.destroyed || session.closed) {
            if (this.session === session) this.session = undefined;
          }
          if ((err as { code?: string }).code === 'ERR_HTTP2_STREAM_ERROR' && stream.rstCode) {
            finish(resetOutcome(stream.rstCode));
          } else {
            finish(networkFailure(err));
          }
        });
        stream.on('close', () => {
          if (settled()) return;
          if (grpcStatus === undefined) {
            if (httpStatus !== undefined && httpStatus !== 200) {
              const code = grpcCodeForHttpStatus(httpStatus);
              finish({
                ok: false,
                retryable: isRetryableGrpcStatus(code),
                kind: `grpc-http-${httpStatus}`,
                error: new Error(`HTTP/2 status ${httpStatus} without grpc-status (taken as ${grpcStatusName(code)})`),
              });
              return;
            }
            finish(resetOutcome(stream.rstCode ?? 0));
            return;
          }
          const response = firstMessage(Buffer.concat(chunks), encoding);
          if (grpcStatus === GrpcStatus.OK) {
            finish({ ok: true, retryable: false, kind: 'ok', ...(response ? { body: response } : {}) });
            return;
          }
          // RESOURCE_EXHAUSTED is also how gRPC servers refuse a message above their size limit
          // ("received message larger than max"): retrying the same bytes is pointless, the
          // exporter splits the batch instead (kind 'grpc-too-large').
          const tooLarge = grpcStatus === GrpcStatus.RESOURCE_EXHAUSTED && /larger than max|too large/i.test(grpcMessage);
          finish({
            ok: false,
            retryable: !tooLarge && isRetryableGrpcStatus(grpcStatus),
            kind: tooLarge ? 'grpc-too-large' : `grpc-${grpcStatus}`,
            error: new Error(`gRPC status ${grpcStatusName(grpcStatus)} (${grpcStatus})${grpcMessage ? ': ' + grpcMessage : ''}`),
          });
        });

        deadline(timeoutMs, `no response within ${timeoutMs} ms (DEADLINE_EXCEEDED)`, () => stream.close(http2.constants.NGHTTP2_CANCEL));

        const prefix = Buffer.allocUnsafe(5);
        prefix[0] = options.compressed ? 1 : 0;
        prefix.writeUInt32BE(body.length, 1);
        stream.write(prefix);
        stream.end(body);
      });
    });
  }

  shutdown(): void {
    this.closed = true;
    const s = this.session;
    this.session = undefined;
    if (s !== undefined && !s.destroyed) s.destroy();
  }
}
