import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from '../kit/cli';
import { closedPort } from '../kit/servers';

describe('otelite doctor (e2e)', function () {
  let server: http.Server;
  let port: number;
  let requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; bodyLength: number }>;

  before(async function () {
    server = http.createServer((req, res) => {
      let length = 0;
      req.on('data', (chunk: Buffer) => (length += chunk.length));
      req.on('end', () => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyLength: length });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  beforeEach(function () {
    requests = [];
  });
  after(async function () {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('hides header values, reports malformed variables and exits 1', async function () {
    const r = await runCli(['--endpoint', `http://127.0.0.1:${port}`, 'doctor'], {
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20s3cr3t-value',
      OTEL_BSP_MAX_QUEUE_SIZE: 'abc',
    });
    const all = r.stdout + r.stderr;
    assert.match(r.stdout, /authorization/);
    assert.ok(!all.includes('s3cr3t-value'), 'secret printed');
    assert.ok(!all.includes('Bearer'), 'secret printed');
    assert.ok(
      r.stdout.split('\n').some((line) => line.includes('OTEL_BSP_MAX_QUEUE_SIZE')),
      'no line names OTEL_BSP_MAX_QUEUE_SIZE',
    );
    assert.equal(r.code, 1);
    // The probe did authenticate like the exporter would.
    assert.equal(requests.length, 1);
    assert.equal(requests[0].headers.authorization, 'Bearer s3cr3t-value');
  });

  it('reports a live endpoint as reachable and exits 0', async function () {
    const r = await runCli(['--service-name', 'doc-svc', '--endpoint', `http://127.0.0.1:${port}`, 'doctor']);
    assert.match(r.stdout, /^\s*reachable\b/m, r.stdout);
    assert.doesNotMatch(r.stdout, /unreachable/);
    assert.match(r.stdout, /doc-svc/);
    assert.match(r.stdout, /HTTP 200/);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(requests.length, 1);
    assert.equal(requests[0].method, 'POST');
    assert.equal(requests[0].url, '/v1/traces');
    assert.equal(requests[0].bodyLength, 0);
    assert.equal(requests[0].headers['content-type'], 'application/x-protobuf');
  });

  it('reports a closed port as unreachable and exits 1', async function () {
    const closed = await closedPort();
    const r = await runCli(['--endpoint', `http://127.0.0.1:${closed}`, 'doctor']);
    assert.match(r.stdout, /^\s*unreachable: .*ECONNREFUSED/m, r.stdout);
    assert.equal(r.code, 1);
  });

  it('prints every section of the configuration', async function () {
    const r = await runCli(['--protocol', 'grpc', '--endpoint', `http://127.0.0.1:${port}`, '--disable', 'dns', 'doctor']);
    for (const section of ['Service', 'Exporters', 'OTLP', 'Sampler', 'Propagation', 'Batch', 'Span limits', 'Instrumentations', 'HTTP', 'Warnings']) {
      assert.match(r.stdout, new RegExp(`^${section}`, 'm'), `missing section ${section}`);
    }
    assert.match(r.stdout, /protocol:\s+grpc/);
    assert.match(r.stdout, /disabled:\s+dns/);
    // grpc: TCP only, no HTTP request.
    assert.match(r.stdout, /^\s*reachable/m);
    assert.equal(requests.length, 0);
  });

  it('skips the endpoint check when otlp is not an exporter', async function () {
    const r = await runCli(['--exporter', 'console', 'doctor']);
    assert.match(r.stdout, /skipped/);
    assert.doesNotMatch(r.stdout, /reachable/);
    assert.equal(r.code, 0, r.stdout);
  });
});
