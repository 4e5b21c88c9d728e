import { context } from '@opentelemetry/api';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { suppressTracing } from '../../context/suppress';
import { diagOnce } from '../../diag';
import { CONTENT_TYPE } from './format';

/**
 * The HTTP server Prometheus scrapes: `GET /metrics` answers with `render()`'s text.
 * - It never keeps the process alive: the server and every connection (Prometheus keeps its
 *   connection open between scrapes) are unref'ed.
 * - A port already in use, or a host that cannot be bound, is one warning naming the variable to
 *   change; the app runs on without the endpoint.
 * - Its requests are not traced: each event of the server is emitted in a context that
 *   suppresses tracing, which the http instrumentation's patched `emit` honours (no SERVER span,
 *   and nothing the collection does is traced either).
 */

export interface MetricsServer {
  close(): Promise<void>;
}

export function serveMetrics(host: string, port: number, render: () => Promise<string>): MetricsServer {
  const server = createServer((request, response) => void answer(request, response, render));
  const emit = server.emit as (...args: unknown[]) => boolean;
  server.emit = function (this: unknown, ...args: unknown[]): boolean {
    return context.with(suppressTracing(context.active()), () => Reflect.apply(emit, this, args) as boolean);
  } as typeof server.emit;
  server.on('connection', (socket) => socket.unref());
  server.on('error', (error: NodeJS.ErrnoException) => {
    const where = `${host}:${port}`;
    const fix =
      error.code === 'EADDRINUSE'
        ? `port ${port} is already in use; set OTEL_EXPORTER_PROMETHEUS_PORT to a free port`
        : `${error.message}; check OTEL_EXPORTER_PROMETHEUS_HOST and OTEL_EXPORTER_PROMETHEUS_PORT`;
    diagOnce(`prometheus-listen:${where}`, 'warn', `Prometheus: metrics are not served on http://${where}/metrics: ${fix}`);
  });
  server.unref();
  server.listen(port, host);
  return {
    close() {
      if (!server.listening) return Promise.resolve();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function answer(request: IncomingMessage, response: ServerResponse, render: () => Promise<string>): Promise<void> {
  const path = (request.url ?? '').split('?')[0];
  if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are at GET /metrics\n');
    return;
  }
  let body: string;
  try {
    body = await render();
  } catch (error) {
    diagOnce('prometheus-collect', 'warn', `Prometheus: a scrape of /metrics failed: ${(error as Error)?.message ?? String(error)}`);
    response.writeHead(500, { 'content-type': 'text/plain' }).end('collection failed\n');
    return;
  }
  response.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
  response.end(request.method === 'HEAD' ? undefined : body);
}
