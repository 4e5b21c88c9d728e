/**
 * Test kit: an OTLP trace, metrics and logs receiver on 127.0.0.1 (a random free port), for exporter and
 * end-to-end tests.
 *
 *   const rx = await startReceiver({ protocol: 'http/protobuf' });   // or 'http/json', 'http', 'grpc'
 *   // point the agent at rx.endpoint (http: .../v1/traces; grpc: http://127.0.0.1:PORT)
 *   // and rx.metricsEndpoint / rx.logsEndpoint (http: .../v1/metrics, .../v1/logs; grpc: the same as endpoint)
 *   const spans = await rx.waitForSpans(3, 5000);                    // DecodedSpan[] (see otlp-decoder)
 *   const metrics = await rx.waitForMetrics(2, 5000);                // DecodedMetric[]
 *   const records = await rx.waitForLogs(2, 5000);                   // DecodedLogRecord[]
 *   rx.requests;                                                     // every request, in order
 *   await rx.close();
 *
 * Options:
 * - `protocol`: 'http/protobuf' | 'http/json' | 'http' start the same HTTP receiver (POST /v1/traces,
 *   /v1/metrics and /v1/logs, protobuf or JSON by content-type, gzip-aware); 'grpc' starts an HTTP/2 server
 *   implementing the unary TraceService/Export, MetricsService/Export and LogsService/Export calls itself (framing,
 *   grpc-encoding gzip, status in trailers).
 * - `tls`: `{ key, cert }` (PEM) serves HTTPS / gRPC over TLS; add `ca` and `requestCert: true`
 *   to require client certificates signed by that CA.
 * - `respond(request)`: scripts the answer to each request; return undefined for the default
 *   success. A `Reply` can set an HTTP `status` (with `retryAfter`, `body`, `contentType`), a
 *   `grpcStatus` (+ `grpcMessage`), a `partialSuccess`, `hang: true` (never answer) or
 *   `reset: true` (drop the connection; gRPC `reset: 'stream'` resets only the stream). Spans,
 *   metrics and log records are collected only from requests answered with success (2xx / grpc-status 0), so a
 *   retried batch counts once.
 *
 * `requests` entries: `{ index, remotePort, path, signal, headers, bodyBytes, compressed, contentType, spans, metrics, logs, error?, reply }`.
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import {
  decodeLogsRequest,
  decodeLogsRequestJson,
  decodeMetricsRequest,
  decodeMetricsRequestJson,
  decodeTraceRequest,
  decodeTraceRequestJson,
  encodeLogsResponse,
  encodeMetricsResponse,
  encodeTraceResponse,
  type DecodedLogRecord,
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
  /** Adds a partial_success to the (successful) response: rejectedSpans, rejectedDataPoints or rejectedLogRecords by signal. */
  partialSuccess?: { rejectedSpans?: number; rejectedDataPoints?: number; rejectedLogRecords?: number; errorMessage?: string };
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
  /** Decoded log records of a logs request ([] otherwise). */
  logs: DecodedLogRecord[];
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
  /** http(s)://127.0.0.1:PORT/v1/logs, or the same as `endpoint` for gRPC. */
  readonly logsEndpoint: string;
  /** Spans from successfully answered requests, in arrival order. */
  readonly spans: DecodedSpan[];
  /** Metrics from successfully answered requests, in arrival order. */
  readonly metrics: DecodedMetric[];
  /** Log records from successfully answered requests, in arrival order. */
  readonly logs: DecodedLogRecord[];
  readonly requests: ReceivedRequest[];
  /** Resolves with `spans` once at least `n` arrived; rejects after `timeoutMs` saying how many did. */
  waitForSpans(n: number, timeoutMs?: number): Promise<DecodedSpan[]>;
  /** Resolves with `metrics` once at least `n` arrived; rejects after `timeoutMs` saying how many did. */
  waitForMetrics(n: number, timeoutMs?: number): Promise<DecodedMetric[]>;
  /** Resolves with `logs` once at least `n` records arrived; rejects after `timeoutMs` saying how many did. */
  waitForLogs(n: number, timeoutMs?: number): Promise<DecodedLogRecord[]>;
  /** Resolves once at least `n` requests arrived (answered or not). */
  waitForRequests(n: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export type ReceivedSignal = 'traces' | 'metrics' | 'logs';

/** The paths each signal is received at. */
const HTTP_PATHS: Record<string, ReceivedSignal> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' };
const GRPC_PATHS: Record<string, ReceivedSignal> = {
  '/opentelemetry.proto.collector.trace.v1.TraceService/Export': 'traces',
  '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export': 'metrics',
  '/opentelemetry.proto.collector.logs.v1.LogsService/Export': 'logs',
};

interface Decoded {
  spans: DecodedSpan[];
  metrics: DecodedMetric[];
  logs: DecodedLogRecord[];
}

function decodeBody(signal: ReceivedSignal, body: Buffer, json: boolean): Decoded {
  const none: Decoded = { spans: [], metrics: [], logs: [] };
  if (signal === 'metrics') return { ...none, metrics: json ? decodeMetricsRequestJson(body) : decodeMetricsRequest(body) };
  if (signal === 'logs') return { ...none, logs: json ? decodeLogsRequestJson(body) : decodeLogsRequest(body) };
  return { ...none, spans: json ? decodeTraceRequestJson(body) : decodeTraceRequest(body) };
}

/** Each signal's partial-success count field (the JSON name; the protobuf encoders take the same). */
const REJECTED = { traces: 'rejectedSpans', metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords' } as const;

/** The success response of a signal's Export call, protobuf or JSON. */
function successBody(signal: ReceivedSignal, json: boolean, ps: Reply['partialSuccess']): Uint8Array | string {
  const field = REJECTED[signal];
  const rejected = ps?.[field] ?? 0;
  const errorMessage = ps?.errorMessage ?? '';
  if (json) return JSON.stringify(ps ? { partialSuccess: { [field]: String(rejected), errorMessage } } : {});
  if (signal === 'metrics') return encodeMetricsResponse(ps ? { rejectedDataPoints: rejected, errorMessage } : undefined);
  if (signal === 'logs') return encodeLogsResponse(ps ? { rejectedLogRecords: rejected, errorMessage } : undefined);
  return encodeTraceResponse(ps ? { rejectedSpans: rejected, errorMessage } : undefined);
}

export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const spans: DecodedSpan[] = [];
  const metrics: DecodedMetric[] = [];
  const logs: DecodedLogRecord[] = [];
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
      logs: [],
      reply: {},
    };
    try {
      const decoded = decode();
      req.spans = decoded.spans;
      req.metrics = decoded.metrics;
      req.logs = decoded.logs;
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
      logs.push(...req.logs);
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
  const logsEndpoint = grpc ? endpoint : `${scheme}://127.0.0.1:${port}/v1/logs`;

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
    logsEndpoint,
    port,
    spans,
    metrics,
    logs,
    requests,
    waitForSpans: (n, timeoutMs = 5000) =>
      waitFor(() => (spans.length >= n ? spans : undefined), timeoutMs, () => `${n} spans (got ${spans.length})`),
    waitForMetrics: (n, timeoutMs = 5000) =>
      waitFor(() => (metrics.length >= n ? metrics : undefined), timeoutMs, () => `${n} metrics (got ${metrics.length})`),
    waitForLogs: (n, timeoutMs = 5000) =>
      waitFor(() => (logs.length >= n ? logs : undefined), timeoutMs, () => `${n} log records (got ${logs.length})`),
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
