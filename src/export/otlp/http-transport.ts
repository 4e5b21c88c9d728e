import * as http from 'node:http';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '../../context/suppress';
import { secretsOf } from '../../secrets';
import { VERSION } from '../../version';
import { bodySnippet } from './response';
import { settleOnce, type OtlpTransport, type TlsMaterial } from './transport';
import { isRetryableHttpStatus, networkFailure, parseRetryAfter, type AttemptOutcome } from './retry';

/** Most of a response body that is kept (for partial success and error messages). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** OTLP/HTTP (protobuf or JSON) over node:http / node:https with a keep-alive agent. */
export class HttpTransport implements OtlpTransport {
  private readonly url: URL;
  /** node:http, or node:https (loaded only for an https: endpoint: it costs about 4 ms of start-up). */
  private readonly client: Pick<typeof http, 'request'>;
  private readonly agent: http.Agent;
  private readonly baseHeaders: Record<string, string>;
  private readonly compressedHeaders: Record<string, string>;
  private readonly secrets: string[];

  /** Throws on an endpoint that is not an http: or https: URL. */
  constructor(endpoint: string, headers: Record<string, string>, contentType: string, tls: TlsMaterial) {
    this.url = new URL(endpoint);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') {
      throw new Error(`endpoint scheme ${this.url.protocol} is not http: or https:`);
    }
    if (this.url.protocol === 'https:') {
      const https = require('node:https') as typeof import('node:https');
      this.client = https;
      this.agent = new https.Agent({ keepAlive: true, ...tls });
    } else {
      this.client = http;
      this.agent = new http.Agent({ keepAlive: true });
    }
    this.secrets = secretsOf(Object.values(headers));
    this.baseHeaders = { 'user-agent': `otelite/${VERSION}` };
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      if (lower === 'content-length' || lower === 'content-encoding' || lower === 'host') continue;
      this.baseHeaders[name] = value;
    }
    this.baseHeaders['content-type'] = contentType;
    this.compressedHeaders = { ...this.baseHeaders, 'content-encoding': 'gzip' };
  }

  send(body: Uint8Array, options: { timeoutMs: number; compressed: boolean }): Promise<AttemptOutcome> {
    return settleOnce((finish, deadline) => {
      const url = this.url;
      const headers = { ...(options.compressed ? this.compressedHeaders : this.baseHeaders), 'content-length': String(body.length) };
      // The agent's own requests are never traced by its http instrumentation.
      context.with(suppressTracing(context.active()), () => {
        let req: http.ClientRequest;
        try {
          req = this.client.request(
            {
              protocol: url.protocol,
              hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
              port: url.port,
              path: url.pathname + url.search,
              method: 'POST',
              headers,
              agent: this.agent,
            },
            (res) => {
              const chunks: Buffer[] = [];
              let size = 0;
              res.on('data', (chunk: Buffer) => {
                if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
                size += chunk.length;
              });
              res.on('error', (err) => finish(networkFailure(err)));
              res.on('close', () => {
                if (!res.complete) finish(networkFailure(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
              });
              res.on('end', () => {
                const status = res.statusCode ?? 0;
                const responseBody = Buffer.concat(chunks);
                const contentType = res.headers['content-type'];
                if (status >= 200 && status < 300) {
                  finish({ ok: true, retryable: false, kind: 'ok', status, body: responseBody, ...(contentType ? { contentType } : {}) });
                  return;
                }
                const snippet = bodySnippet(responseBody, contentType, this.secrets);
                const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now());
                const outcome: AttemptOutcome = {
                  ok: false,
                  retryable: isRetryableHttpStatus(status),
                  kind: `http-${status}`,
                  status,
                  error: new Error(`HTTP ${status}${res.statusMessage ? ' ' + res.statusMessage : ''}${snippet ? ': ' + snippet : ''}`),
                  body: responseBody,
                  ...(contentType ? { contentType } : {}),
                };
                if (retryAfterMs !== undefined) outcome.retryAfterMs = retryAfterMs;
                finish(outcome);
              });
            },
          );
        } catch (err) {
          finish({ ok: false, retryable: false, kind: 'request', error: new Error(`cannot make the request: ${(err as Error).message}`) });
          return;
        }
        req.on('socket', (socket) => socket.unref());
        req.on('error', (err) => finish(networkFailure(err)));
        deadline(options.timeoutMs, `no response within ${Math.round(options.timeoutMs)} ms`, () => req.destroy());
        req.end(body);
      });
    });
  }

  shutdown(): void {
    this.agent.destroy();
  }
}
