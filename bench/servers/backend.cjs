'use strict';
/**
 * The "second service" the realistic route calls with fetch: plain node:http, never run under an
 * agent. GET /profiles/:id answers a small JSON body. Exits on SIGTERM/SIGINT, when its stdin
 * closes (its parent died) or after BENCH_MAX_LIFETIME_MS.
 */
const http = require('node:http');

const server = http.createServer((req, res) => {
  const url = req.url || '';
  const id = url.startsWith('/profiles/') ? url.slice('/profiles/'.length) : '0';
  const body = JSON.stringify({ id, plan: 'pro', country: 'NL', since: '2021-03-04' });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60_000;

const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
setTimeout(stop, Number(process.env.BENCH_MAX_LIFETIME_MS) || 30 * 60_000).unref();

server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT=${server.address().port}\n`));
