/**
 * Test kit: an OTLP trace and metrics receiver on 127.0.0.1 (a random free port), for exporter and
 * end-to-end tests.
 *
 *   const rx = await startReceiver({ protocol: 'http/protobuf' });   // or 'http/json', 'http', 'grpc'
 *   // point the agent at rx.endpoint (http: .../v1/traces; grpc: http://127.0.0.1:PORT)
 *   // and rx.metricsEndpoint (http: .../v1/metrics; grpc: the same as endpoint)
 *   const spans = await rx.waitForSpans(3, 5000);                    // DecodedSpan[] (see otlp-decoder)
 *   const metrics = await rx.waitForMetrics(2, 5000);                // DecodedMetric[]
 *   rx.requests;                                                     // every request, in order
 *   await rx.close();
 *
 * Options:
 * - `protocol`: 'http/protobuf' | 'http/json' | 'http' start the same HTTP receiver (POST /v1/traces
 *   and /v1/metrics, protobuf or JSON by content-type, gzip-aware); 'grpc' starts an HTTP/2 server
 *   implementing the unary TraceService/Export and MetricsService/Export calls itself (framing,
 *   grpc-encoding gzip, status in trailers).
 * - `tls`: `{ key, cert }` (PEM) serves HTTPS / gRPC over TLS; add `ca` and `requestCert: true`
 *   to require client certificates signed by that CA.
 * - `respond(request)`: scripts the answer to each request; return undefined for the default
 *   success. A `Reply` can set an HTTP `status` (with `retryAfter`, `body`, `contentType`), a
 *   `grpcStatus` (+ `grpcMessage`), a `partialSuccess`, `hang: true` (never answer) or
 *   `reset: true` (drop the connection; gRPC `reset: 'stream'` resets only the stream). Spans and
 *   metrics are collected only from requests answered with success (2xx / grpc-status 0), so a
 *   retried batch counts once.
 *
 * `requests` entries: `{ index, remotePort, path, signal, headers, bodyBytes, compressed, contentType, spans, metrics, error?, reply }`.
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import {
  decodeMetricsRequest,
  decodeMetricsRequestJson,
  decodeTraceRequest,
  decodeTraceRequestJson,
  encodeMetricsResponse,
  encodeTraceResponse,
  type DecodedMetric,
  type DecodedSpan,
} from './otlp-decoder';

export type ReceiverProtocol = 'http/protobuf' | 'http/json' | 'http' | 'grpc';

export interface Reply {
  /** HTTP status (HTTP receiver; default 200). */
  status?: number;
  /** Retry-After header value (seconds or an HTTP date). */
  retryAfter?: string;
  /** Raw response body (overrides the default ExportTraceServiceResponse). */
  body?: string | Uint8Array;
  contentType?: string;
  /** gRPC status code (gRPC receiver; default 0). */
  grpcStatus?: number;
  grpcMessage?: string;
  /** gRPC: send the status in the response headers (trailers-only response). Default for non-zero status. */
  trailersOnly?: boolean;
  /** Adds a partial_success to the (successful) response: rejectedSpans for traces, rejectedDataPoints for metrics. */
  partialSuccess?: { rejectedSpans?: number; rejectedDataPoints?: number; errorMessage?: string };
  /** Never answer (the connection stays open until the client gives up or `close()`). */
  hang?: boolean;
  /** Drop the connection (the TCP socket); for gRPC, `'stream'` resets just the stream (RST_STREAM INTERNAL_ERROR). */
  reset?: boolean | 'stream';
}

export interface ReceivedRequest {
  index: number;
  /** The client's port: the same for requests that came over one kept-alive connection. */
  remotePort: number | undefined;
  path: string;
  /** The signal the path names ('traces' for a path of no signal). */
  signal: ReceivedSignal;
  headers: Record<string, string | string[] | undefined>;
  bodyBytes: number;
  compressed: boolean;
  contentType: string;
  /** Decoded spans of a traces request ([] otherwise, or when it could not be decoded; see `error`). */
  spans: DecodedSpan[];
  /** Decoded metrics of a metrics request ([] otherwise). */
  metrics: DecodedMetric[];
  error?: string;
  reply: Reply;
}

export interface ReceiverOptions {
  protocol: ReceiverProtocol;
  tls?: { key: string | Buffer; cert: string | Buffer; ca?: string | Buffer; requestCert?: boolean };
  respond?: (request: ReceivedRequest) => Reply | undefined | Promise<Reply | undefined>;
}

export interface Receiver {
  /** Where to point an exporter: http(s)://127.0.0.1:PORT/v1/traces, or http(s)://127.0.0.1:PORT for gRPC. */
  readonly endpoint: string;
  readonly port: number;
  /** http(s)://127.0.0.1:PORT/v1/metrics, or the same as `endpoint` for gRPC. */
  readonly metricsEndpoint: string;
  /** Spans from successfully answered requests, in arrival order. */
  readonly spans: DecodedSpan[];
  /** Metrics from successfully answered requests, in arrival order. */
  readonly metrics: DecodedMetric[];
  readonly requests: ReceivedRequest[];
  /** Resolves with `spans` once at least `n` arrived; rejects after `timeoutMs` saying how many did. */
  waitForSpans(n: number, timeoutMs?: number): Promise<DecodedSpan[]>;
  /** Resolves with `metrics` once at least `n` arrived; rejects after `timeoutMs` saying how many did. */
  waitForMetrics(n: number, timeoutMs?: number): Promise<DecodedMetric[]>;
  /** Resolves once at least `n` requests arrived (answered or not). */
  waitForRequests(n: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export type ReceivedSignal = 'traces' | 'metrics';

/** The paths each signal is received at. */
const HTTP_PATHS: Record<string, ReceivedSignal> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics' };
const GRPC_PATHS: Record<string, ReceivedSignal> = {
  '/opentelemetry.proto.collector.trace.v1.TraceService/Export': 'traces',
  '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export': 'metrics',
};

interface Decoded {
  spans: DecodedSpan[];
  metrics: DecodedMetric[];
}

function decodeBody(signal: ReceivedSignal, body: Buffer, json: boolean): Decoded {
  if (signal === 'metrics') return { spans: [], metrics: json ? decodeMetricsRequestJson(body) : decodeMetricsRequest(body) };
  return { spans: json ? decodeTraceRequestJson(body) : decodeTraceRequest(body), metrics: [] };
}

/** The success response of a signal's Export call, protobuf or JSON. */
function successBody(signal: ReceivedSignal, json: boolean, ps: Reply['partialSuccess']): Uint8Array | string {
  const rejected = signal === 'metrics' ? ps?.rejectedDataPoints ?? 0 : ps?.rejectedSpans ?? 0;
  const errorMessage = ps?.errorMessage ?? '';
  if (json) {
    const field = signal === 'metrics' ? 'rejectedDataPoints' : 'rejectedSpans';
    return JSON.stringify(ps ? { partialSuccess: { [field]: String(rejected), errorMessage } } : {});
  }
  if (signal === 'metrics') return encodeMetricsResponse(ps ? { rejectedDataPoints: rejected, errorMessage } : undefined);
  return encodeTraceResponse(ps ? { rejectedSpans: rejected, errorMessage } : undefined);
}

export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const spans: DecodedSpan[] = [];
  const metrics: DecodedMetric[] = [];
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const w of [...waiters]) w();
  };
  const hung = new Set<() => void>();

  const record = async (
    remotePort: number | undefined,
    path: string,
    signal: ReceivedSignal,
    headers: Record<string, string | string[] | undefined>,
    raw: Buffer,
    compressed: boolean,
    contentType: string,
    decode: () => Decoded,
  ): Promise<ReceivedRequest> => {
    const req: ReceivedRequest = {
      index: requests.length,
      remotePort,
      path,
      signal,
      headers,
      bodyBytes: raw.length,
      compressed,
      contentType,
      spans: [],
      metrics: [],
      reply: {},
    };
    try {
      const decoded = decode();
      req.spans = decoded.spans;
      req.metrics = decoded.metrics;
    } catch (err) {
      req.error = (err as Error).message;
    }
    requests.push(req);
    req.reply = (await options.respond?.(req)) ?? {};
    notify();
    return req;
  };

  const accept = (req: ReceivedRequest, success: boolean): void => {
    if (success) {
      spans.push(...req.spans);
      metrics.push(...req.metrics);
    }
    notify();
  };

  let server: http.Server | https.Server | http2.Http2Server | http2.Http2SecureServer;
  const sockets = new Set<Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const grpc = options.protocol === 'grpc';
  const tlsOptions = options.tls
    ? {
        key: options.tls.key,
        cert: options.tls.cert,
        ...(options.tls.ca ? { ca: options.tls.ca } : {}),
        ...(options.tls.requestCert ? { requestCert: true, rejectUnauthorized: true } : {}),
      }
    : undefined;

  if (!grpc) {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const raw = Buffer.concat(chunks);
          const compressed = req.headers['content-encoding'] === 'gzip';
          const contentType = String(req.headers['content-type'] ?? '');
          const signal = HTTP_PATHS[req.url ?? ''];
          const json = contentType.includes('json');
          const rec = await record(req.socket.remotePort, req.url ?? '', signal ?? 'traces', { ...req.headers }, raw, compressed, contentType, () => {
            if (req.method !== 'POST') throw new Error(`method ${req.method}`);
            if (signal === undefined) throw new Error(`path ${req.url}`);
            return decodeBody(signal, compressed ? gunzipSync(raw) : raw, json);
          });
          const reply = rec.reply;
          if (reply.hang) {
            hung.add(() => res.destroy());
            return;
          }
          if (reply.reset) {
            if (req.socket.resetAndDestroy !== undefined) req.socket.resetAndDestroy();
            else req.socket.destroy();
            return;
          }
          const status = reply.status ?? (rec.error ? 400 : 200);
          const ok = status >= 200 && status < 300;
          let body: string | Uint8Array;
          if (reply.body !== undefined) body = reply.body;
          else if (!ok) body = json ? JSON.stringify({ code: 3, message: rec.error ?? `status ${status}` }) : Buffer.alloc(0);
          else body = successBody(rec.signal, json, reply.partialSuccess);
          const headers: Record<string, string> = {
            'content-type': reply.contentType ?? (json ? 'application/json' : 'application/x-protobuf'),
          };
          if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
          res.writeHead(status, headers);
          res.end(body);
          accept(rec, ok && !rec.error);
        })();
      });
    };
    server = tlsOptions ? https.createServer(tlsOptions, handler) : http.createServer(handler);
    server.on(tlsOptions ? 'secureConnection' : 'connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    server.keepAliveTimeout = 60_000;
  } else {
    const s = tlsOptions ? http2.createSecureServer(tlsOptions) : http2.createServer();
    s.on('session', (session) => {
      sessions.add(session);
      session.on('close', () => sessions.delete(session));
      session.on('error', () => {});
    });
    s.on('stream', (stream, headers) => {
      stream.on('error', () => {});
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        void (async () => {
          const raw = Buffer.concat(chunks);
          const encoding = headers['grpc-encoding'];
          let compressed = false;
          const path = String(headers[':path'] ?? '');
          const contentType = String(headers['content-type'] ?? '');
          const signal = GRPC_PATHS[path];
          const rec = await record(stream.session?.socket?.remotePort, path, signal ?? 'traces', { ...headers }, raw, false, contentType, () => {
            if (signal === undefined) throw new Error(`path ${path}`);
            if (!contentType.startsWith('application/grpc')) throw new Error(`content-type ${contentType}`);
            if (raw.length < 5) throw new Error('no length-prefixed message');
            compressed = raw[0] === 1;
            const len = raw.readUInt32BE(1);
            if (raw.length !== 5 + len) throw new Error(`frame length ${len} but ${raw.length - 5} bytes`);
            let msg = raw.subarray(5);
            if (compressed) {
              if (encoding !== 'gzip') throw new Error(`compressed flag with grpc-encoding ${String(encoding)}`);
              msg = gunzipSync(msg);
            }
            return decodeBody(signal, msg, false);
          });
          rec.compressed = compressed;
          const reply = rec.reply;
          if (reply.hang) {
            hung.add(() => stream.close(http2.constants.NGHTTP2_CANCEL));
            return;
          }
          if (reply.reset) {
            if (reply.reset === 'stream') stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
            else {
              // the session's socket is a proxy that refuses destroy(): find the real one
              const remotePort = stream.session?.socket?.remotePort;
              const raw = [...sockets].find((sock) => sock.remotePort === remotePort);
              if (raw?.resetAndDestroy !== undefined) raw.resetAndDestroy();
              else if (raw !== undefined) raw.destroy();
              else stream.session?.destroy();
            }
            return;
          }
          if (reply.status !== undefined && reply.status !== 200) {
            stream.respond({ ':status': reply.status, 'content-type': 'text/plain' });
            stream.end(reply.body ?? '');
            return;
          }
          const code = reply.grpcStatus ?? (rec.error ? 13 : 0);
          const message = reply.grpcMessage ?? rec.error;
          const statusHeaders: Record<string, string> = { 'grpc-status': String(code) };
          if (message) statusHeaders['grpc-message'] = encodeURIComponent(message);
          if (code !== 0 && reply.trailersOnly !== false) {
            stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...statusHeaders }, { endStream: true });
            return;
          }
          stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
          stream.on('wantTrailers', () => stream.sendTrailers(statusHeaders));
          const msg = code === 0 ? Buffer.from(successBody(rec.signal, false, reply.partialSuccess)) : Buffer.alloc(0);
          const frame = Buffer.alloc(5 + msg.length);
          frame.writeUInt32BE(msg.length, 1);
          msg.copy(frame, 5);
          stream.end(frame);
          accept(rec, code === 0 && !rec.error);
        })();
      });
    });
    s.on(tlsOptions ? 'secureConnection' : 'connection', (sock: Socket) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
    });
    server = s;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = tlsOptions ? 'https' : 'http';
  const endpoint = grpc ? `${scheme}://127.0.0.1:${port}` : `${scheme}://127.0.0.1:${port}/v1/traces`;
  const metricsEndpoint = grpc ? endpoint : `${scheme}://127.0.0.1:${port}/v1/metrics`;

  const waitFor = <T>(done: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const v = done();
        if (v !== undefined) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  return {
    endpoint,
    metricsEndpoint,
    port,
    spans,
    metrics,
    requests,
    waitForSpans: (n, timeoutMs = 5000) =>
      waitFor(() => (spans.length >= n ? spans : undefined), timeoutMs, () => `${n} spans (got ${spans.length})`),
    waitForMetrics: (n, timeoutMs = 5000) =>
      waitFor(() => (metrics.length >= n ? metrics : undefined), timeoutMs, () => `${n} metrics (got ${metrics.length})`),
    waitForRequests: (n, timeoutMs = 5000) =>
      waitFor(() => (requests.length >= n ? requests : undefined), timeoutMs, () => `${n} requests (got ${requests.length})`),
    close: () =>
      new Promise<void>((resolve) => {
        for (const h of hung) h();
        hung.clear();
        for (const s of sockets) s.destroy();
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
        (server as http.Server).closeAllConnections?.();
      }),
  };
}
