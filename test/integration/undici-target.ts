import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The HTTP server the undici fixture apps call, in the test process (which runs no agent). It
 * records the `traceparent` headers each request carried and answers by the last path segment:
 * `notfound` 404; `abort` never answers; `unread` sends headers and 1 MiB of a body it never
 * ends (held until `releaseHeld`); anything else 200 `ok`.
 */
export interface ReceivedCall {
  method: string;
  path: string;
  /** Every traceparent header line received, in order (two lines would mean a double injection). */
  traceparents: string[];
}

export interface TargetServer {
  readonly base: string;
  readonly port: number;
  readonly calls: ReceivedCall[];
  /** Calls whose path (without query) is `path`. */
  callsTo(path: string): ReceivedCall[];
  /** Drops the connections of `abort` and `unread` requests, so the apps can exit. */
  releaseHeld(): void;
  close(): Promise<void>;
}

function traceparentsOf(req: http.IncomingMessage): string[] {
  const out: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i].toLowerCase() === 'traceparent') out.push(req.rawHeaders[i + 1]);
  }
  return out;
}

export async function startTargetServer(): Promise<TargetServer> {
  const calls: ReceivedCall[] = [];
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    calls.push({ method: req.method ?? '', path, traceparents: traceparentsOf(req) });
    const last = path.slice(path.lastIndexOf('/') + 1);
    req.resume();
    req.on('end', () => {
      if (last === 'abort') {
        held.add(res);
      } else if (last === 'unread') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(Buffer.alloc(1 << 20));
        held.add(res);
      } else if (last === 'notfound') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const releaseHeld = (): void => {
    for (const res of held) res.destroy();
    held.clear();
  };
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    calls,
    callsTo: (path) => calls.filter((c) => c.path === path),
    releaseHeld,
    close: () =>
      new Promise<void>((resolve) => {
        releaseHeld();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

