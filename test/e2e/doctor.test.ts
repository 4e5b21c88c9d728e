import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, cleanEnv, NODE, runCli } from '../kit/cli';
import { startReceiver, type ReceivedRequest, type Reply } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { closedPort, freePort } from '../kit/servers';

/**
 * `otelite doctor` as users run it (bin/otelite, a clean environment) against real sockets: a
 * receiver that accepts only a valid non-empty export, as a collector does, and servers that
 * fail in each way the doctor must name (wrong protocol on the port, refused, hanging, TLS,
 * rejected, a doubled path).
 */

const OTLP_PATHS = [
  '/v1/traces',
  '/v1/metrics',
  '/v1/logs',
  '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
];

/** A collector's answers: 404 off the OTLP paths, 400 for an export with nothing in it, else the default success. */
function likeACollector(request: ReceivedRequest): Reply | undefined {
  if (!OTLP_PATHS.includes(request.path)) return { status: 404, body: '404 page not found\n', contentType: 'text/plain' };
  const empty = { traces: request.spans, metrics: request.metrics, logs: request.logs }[request.signal].length === 0;
  if (empty) return request.path.endsWith('/Export') ? { grpcStatus: 3, grpcMessage: 'empty request' } : { status: 400 };
  return undefined;
}

/** The first line's end when the metrics and logs probes fail the same way as the traces probe (all go to the same place). */
const METRICS_TOO = '; 2 more problems below';

const firstLine = (stdout: string): string => stdout.split('\n')[0] ?? '';

async function listening<T extends net.Server | http2.Http2Server>(server: T, port = 0): Promise<{ server: T; port: number }> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port: (server.address() as net.AddressInfo).port };
}

function close(server: net.Server | http2.Http2Server): Promise<void> {
  (server as http.Server).closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('otelite doctor (e2e)', function () {
  this.timeout(20_000);

  for (const protocol of ['http/protobuf', 'http/json', 'grpc'] as const) {
    it(`${protocol}: sends one synthetic span, metric point and log record the receiver decodes, says OK first and exits 0`, async function () {
      const rx = await startReceiver({ protocol, respond: likeACollector });
      try {
        const r = await runCli(['--service-name', 'doc-svc', '--protocol', protocol, '--endpoint', rx.endpoint.replace(/\/v1\/traces$/, ''), 'doctor'], {
          OTEL_EXPORTER_OTLP_COMPRESSION: protocol === 'grpc' ? 'gzip' : 'none',
        });
        const status = protocol === 'grpc' ? 'gRPC OK' : 'HTTP 200';
        assert.equal(
          firstLine(r.stdout),
          `otelite doctor: OK — traces reach ${rx.endpoint} (${status}); metrics reach ${rx.metricsEndpoint} (${status}); logs reach ${rx.logsEndpoint} (${status})`,
          r.stdout,
        );
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(rx.requests.length, 3, 'one attempt per signal');
        assert.equal(rx.logs.length, 1);
        const record = rx.logs[0]!;
        assert.match(String(record.body), /^otelite doctor probe/);
        assert.equal(record.severityNumber, 9);
        assert.equal(record.resource.attributes['service.name'], 'doc-svc');
        assert.match(r.stdout, /^ {2}logs: accepted over \S+ by \S+ \(.+\): INFO log record "otelite doctor probe: .*" of service "doc-svc" at \d{4}-/m);
        assert.equal(rx.spans.length, 1);
        assert.equal(rx.metrics.length, 1);
        const metric = rx.metrics[0]!;
        assert.equal(metric.name, 'otelite.doctor.probe');
        assert.equal(metric.type, 'gauge');
        assert.equal(Number(metric.points[0]!.value), 1);
        assert.equal(metric.resource.attributes['service.name'], 'doc-svc');
        assert.match(r.stdout, /^ {2}metrics: accepted over \S+ by \S+ \(.+\): gauge "otelite\.doctor\.probe" = 1 of service "doc-svc" at \d{4}-/m);
        const span = rx.spans[0]!;
        assert.equal(span.name, 'otelite doctor probe');
        assert.equal(span.resource.attributes['service.name'], 'doc-svc');
        // the user can find it in their backend by the trace id the doctor prints
        assert.match(r.stdout, new RegExp(`trace id ${span.traceId}`));
        if (protocol === 'grpc') assert.deepEqual(rx.requests.map((q) => q.compressed), [true, true, true], 'the configured compression is used');
      } finally {
        await rx.close();
      }
    });
  }

  it('authenticates like the exporter, hides header values, and a malformed variable makes it a problem (exit 1)', async function () {
    const rx = await startReceiver({ protocol: 'http/protobuf', respond: likeACollector });
    try {
      const r = await runCli(['--endpoint', rx.endpoint.replace(/\/v1\/traces$/, ''), 'doctor'], {
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20s3cr3t-value',
        OTEL_BSP_MAX_QUEUE_SIZE: 'abc',
      });
      const all = r.stdout + r.stderr;
      assert.match(firstLine(r.stdout), /^otelite doctor: PROBLEM — 1 configuration warning \(see Warnings below\); traces reach /, r.stdout);
      assert.match(r.stdout, /headers:\s+authorization=\*\*\*/);
      assert.ok(!all.includes('s3cr3t-value') && !all.includes('Bearer'), 'secret printed');
      assert.ok(r.stdout.split('\n').some((line) => line.includes('OTEL_BSP_MAX_QUEUE_SIZE')), 'no line names OTEL_BSP_MAX_QUEUE_SIZE');
      assert.equal(r.code, 1);
      assert.equal(rx.requests[0]!.headers.authorization, 'Bearer s3cr3t-value');
    } finally {
      await rx.close();
    }
  });

  it('gRPC against an HTTP/1.1 port: does not speak gRPC, OTLP/gRPC usually on 4317 (exit 1)', async function () {
    const { server, port } = await listening(
      http.createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(404).end('404 page not found\n'));
      }),
    );
    try {
      const r = await runCli(['--protocol', 'grpc', '--endpoint', `http://127.0.0.1:${port}`, 'doctor']);
      assert.equal(
        firstLine(r.stdout),
        `otelite doctor: PROBLEM — traces: http://127.0.0.1:${port} does not speak gRPC (it answered like an HTTP/1.1 server); ` +
          'OTLP/gRPC usually listens on 4317, OTLP/HTTP on 4318: point the endpoint at the collector\'s OTLP/gRPC port, or set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf' +
          METRICS_TOO,
      );
      assert.match(r.stdout, new RegExp(`^ {2}metrics: FAILED over grpc: http://127\\.0\\.0\\.1:${port} does not speak gRPC`, 'm'));
      assert.doesNotMatch(r.stdout, /ERR_HTTP2|reachable|\bok\b/i);
      assert.equal(r.code, 1);
    } finally {
      await close(server);
    }
  });

  it('OTLP/HTTP against an h2c (gRPC) port: does not speak OTLP/HTTP, and which port does (exit 1)', async function () {
    const h2c = http2.createServer();
    h2c.on('stream', (stream) => stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true }));
    const { server, port } = await listening(h2c);
    try {
      const r = await runCli(['--protocol', 'http/protobuf', '--endpoint', `http://127.0.0.1:${port}`, 'doctor']);
      assert.match(firstLine(r.stdout), new RegExp(`^otelite doctor: PROBLEM — traces: http://127\\.0\\.0\\.1:${port}/v1/traces does not speak OTLP/HTTP \\(.*\\); OTLP/gRPC usually listens on 4317, OTLP/HTTP on 4318`), r.stdout);
      assert.match(firstLine(r.stdout), /OTEL_EXPORTER_OTLP_PROTOCOL=grpc/);
      assert.doesNotMatch(r.stdout, /HPE_/);
      assert.equal(r.code, 1);
    } finally {
      await close(server);
    }
  });

  it('a refused port: nothing listens there (exit 1)', async function () {
    const port = await closedPort();
    const r = await runCli(['--endpoint', `http://127.0.0.1:${port}`, 'doctor']);
    assert.equal(
      firstLine(r.stdout),
      `otelite doctor: PROBLEM — traces: nothing listens on 127.0.0.1:${port}: is the collector running (OTLP/HTTP usually listens on 4318)?${METRICS_TOO}`,
    );
    assert.equal(r.code, 1);
  });

  it('a port that accepts and never answers: no answer within 2 s, said in about 2 s (exit 1)', async function () {
    const sockets = new Set<net.Socket>();
    const { server, port } = await listening(net.createServer((s) => sockets.add(s)));
    try {
      const started = Date.now();
      const r = await runCli(['--endpoint', `http://127.0.0.1:${port}`, 'doctor']);
      const took = Date.now() - started;
      assert.match(firstLine(r.stdout), new RegExp(`^otelite doctor: PROBLEM — traces: http://127\\.0\\.0\\.1:${port}/v1/traces did not answer within 2000 ms`), r.stdout);
      assert.match(r.stdout, new RegExp(`^ {2}metrics: FAILED over http/protobuf: http://127\\.0\\.0\\.1:${port}/v1/metrics did not answer within 2000 ms`, 'm'));
      assert.equal(r.code, 1);
      // The two probes wait at the same time: one timeout, not two.
      assert.ok(took >= 2000 && took < 4000, `took ${took} ms`);
    } finally {
      for (const s of sockets) s.destroy();
      await close(server);
    }
  });

  it('TLS: a certificate the doctor does not trust is named, with the variable that fixes it; trusted, it is OK', async function () {
    const cert = path.join(FIXTURES, 'http', 'tls-cert.pem'); // self-signed, for 127.0.0.1
    const rx = await startReceiver({
      protocol: 'http/protobuf',
      tls: { key: fs.readFileSync(path.join(FIXTURES, 'http', 'tls-key.pem')), cert: fs.readFileSync(cert) },
      respond: likeACollector,
    });
    try {
      const untrusted = await runCli(['--endpoint', rx.endpoint.replace(/\/v1\/traces$/, ''), 'doctor']);
      assert.equal(
        firstLine(untrusted.stdout),
        `otelite doctor: PROBLEM — traces: the TLS certificate of 127.0.0.1:${rx.port} is not trusted (self-signed certificate): ` +
          'set OTEL_EXPORTER_OTLP_CERTIFICATE to the PEM file of the CA that signed it' +
          METRICS_TOO,
      );
      assert.equal(untrusted.code, 1);
      const trusted = await runCli(['--endpoint', rx.endpoint.replace(/\/v1\/traces$/, ''), 'doctor'], { OTEL_EXPORTER_OTLP_CERTIFICATE: cert });
      // The generic certificate serves both signals.
      assert.equal(
        firstLine(trusted.stdout),
        `otelite doctor: OK — traces reach ${rx.endpoint} (HTTP 200); metrics reach ${rx.metricsEndpoint} (HTTP 200); logs reach ${rx.logsEndpoint} (HTTP 200)`,
        trusted.stdout,
      );
      assert.equal(trusted.code, 0);
      // plain HTTP against the TLS port
      const plain = await runCli(['--endpoint', `http://127.0.0.1:${rx.port}`, 'doctor']);
      assert.match(firstLine(plain.stdout), new RegExp(`^otelite doctor: PROBLEM — traces: 127\\.0\\.0\\.1:${rx.port} closed the connection without answering; if the collector expects TLS there, use https://`), plain.stdout);
      assert.equal(plain.code, 1);
    } finally {
      await rx.close();
    }
  });

  it('TLS against a plain HTTP port: it does not speak TLS, use http:// (exit 1)', async function () {
    const rx = await startReceiver({ protocol: 'http/protobuf', respond: likeACollector });
    try {
      const r = await runCli(['--endpoint', `https://127.0.0.1:${rx.port}`, 'doctor']);
      assert.equal(
        firstLine(r.stdout),
        `otelite doctor: PROBLEM — traces: 127.0.0.1:${rx.port} does not speak TLS (it answered in plain text): use http:// instead of https:// in the endpoint${METRICS_TOO}`,
      );
      assert.doesNotMatch(r.stdout, /SSL routines|EPROTO/);
      assert.equal(r.code, 1);
    } finally {
      await rx.close();
    }
  });

  it('a rejecting receiver: the status and the body, and what to check (exit 1)', async function () {
    const rx = await startReceiver({
      protocol: 'http/protobuf',
      respond: () => ({ status: 401, body: 'invalid API key', contentType: 'text/plain' }),
    });
    try {
      const r = await runCli(['--endpoint', rx.endpoint.replace(/\/v1\/traces$/, ''), 'doctor']);
      assert.equal(
        firstLine(r.stdout),
        `otelite doctor: PROBLEM — traces: ${rx.endpoint} rejected the export with HTTP 401 Unauthorized: invalid API key: ` +
          'check the credentials in OTEL_EXPORTER_OTLP_HEADERS' +
          METRICS_TOO,
      );
      assert.equal(r.code, 1);
    } finally {
      await rx.close();
    }
  });

  it('a partial success: the receiver answered 200 but rejected the span, which is a problem (exit 1)', async function () {
    const rx = await startReceiver({ protocol: 'http/protobuf', respond: () => ({ partialSuccess: { rejectedSpans: 1, errorMessage: 'span too old' } }) });
    try {
      const r = await runCli(['--endpoint', rx.endpoint.replace(/\/v1\/traces$/, ''), 'doctor']);
      assert.equal(firstLine(r.stdout), `otelite doctor: PROBLEM — traces: ${rx.endpoint} answered HTTP 200 but rejected 1 of 1 spans: span too old`);
      assert.equal(r.code, 1);
    } finally {
      await rx.close();
    }
  });

  it('OTEL_EXPORTER_OTLP_ENDPOINT ending in /v1/traces: the doubled path and the variable to use instead (exit 1)', async function () {
    const rx = await startReceiver({ protocol: 'http/protobuf', respond: likeACollector });
    try {
      const r = await runCli(['doctor'], { OTEL_EXPORTER_OTLP_ENDPOINT: rx.endpoint });
      assert.match(firstLine(r.stdout), new RegExp(`^otelite doctor: PROBLEM — traces: ${rx.endpoint}/v1/traces has /v1/traces twice: `), r.stdout);
      assert.match(firstLine(r.stdout), /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT/);
      assert.equal(rx.requests[0]!.path, '/v1/traces/v1/traces', 'the probe went where the agent would send');
      assert.equal(r.code, 1);
    } finally {
      await rx.close();
    }
  });

  describe('metrics', function () {
    it('go where the OTEL_EXPORTER_OTLP_METRICS_* variables say: their own endpoint, protocol and headers, the header value hidden', async function () {
      const traces = await startReceiver({ protocol: 'http/protobuf', respond: likeACollector });
      const metrics = await startReceiver({ protocol: 'grpc', respond: likeACollector });
      try {
        const r = await runCli(['--endpoint', traces.endpoint.replace(/\/v1\/traces$/, ''), 'doctor'], {
          OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: metrics.endpoint,
          OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc',
          OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-metrics-key=m3tr1cs-s3cret',
        });
        assert.equal(
          firstLine(r.stdout),
          `otelite doctor: OK — traces reach ${traces.endpoint} (HTTP 200); metrics reach ${metrics.endpoint} (gRPC OK); logs reach ${traces.logsEndpoint} (HTTP 200)`,
          r.stdout,
        );
        assert.equal(r.code, 0, r.stdout);
        assert.deepEqual(traces.requests.map((q) => q.path).sort(), ['/v1/logs', '/v1/traces']);
        assert.deepEqual(metrics.requests.map((q) => q.signal), ['metrics']);
        assert.equal(metrics.requests[0]!.headers['x-metrics-key'], 'm3tr1cs-s3cret');
        assert.equal(traces.requests[0]!.headers['x-metrics-key'], undefined, 'the metrics headers are for metrics only');
        assert.ok(!(r.stdout + r.stderr).includes('m3tr1cs-s3cret'), 'secret printed');
        const metricsSection = r.stdout.slice(r.stdout.indexOf('\nOTLP metrics\n'));
        assert.match(metricsSection, /protocol:\s+grpc\n/);
        assert.match(metricsSection, /headers:\s+x-metrics-key=\*\*\*\n/);
      } finally {
        await traces.close();
        await metrics.close();
      }
    });

    it('a metrics endpoint that is down is a problem of its own while traces arrive (exit 1)', async function () {
      const rx = await startReceiver({ protocol: 'http/protobuf', respond: likeACollector });
      const port = await closedPort();
      try {
        const r = await runCli(['--endpoint', rx.endpoint.replace(/\/v1\/traces$/, ''), 'doctor'], {
          OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://127.0.0.1:${port}/v1/metrics`,
        });
        assert.equal(
          firstLine(r.stdout),
          `otelite doctor: PROBLEM — metrics: nothing listens on 127.0.0.1:${port}: is the collector running (OTLP/HTTP usually listens on 4318)?`,
        );
        assert.match(r.stdout, /^ {2}traces: accepted over http\/protobuf/m);
        assert.equal(rx.spans.length, 1);
        assert.equal(r.code, 1);
      } finally {
        await rx.close();
      }
    });

    it('a partial success names the rejected data point, decoded for the metrics signal over http/json (exit 1)', async function () {
      const rx = await startReceiver({
        protocol: 'http/json',
        respond: (q) => (q.signal === 'metrics' ? { partialSuccess: { rejectedDataPoints: 1, errorMessage: 'point too old' } } : undefined),
      });
      try {
        const r = await runCli(['--protocol', 'http/json', '--endpoint', rx.endpoint.replace(/\/v1\/traces$/, ''), 'doctor']);
        assert.equal(firstLine(r.stdout), `otelite doctor: PROBLEM — metrics: ${rx.metricsEndpoint} answered HTTP 200 but rejected 1 of 1 data points: point too old`);
        assert.equal(r.code, 1);
      } finally {
        await rx.close();
      }
    });

    it('prometheus: says which URL will be served and that its port is free, and releases it (exit 0)', async function () {
      const port = await freePort();
      const r = await runCli(['--exporter', 'none', 'doctor'], {
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
      });
      const url = `http://127.0.0.1:${port}/metrics`;
      assert.match(firstLine(r.stdout), new RegExp(`^otelite doctor: OK — Prometheus can scrape ${url.replace(/\./g, '\\.')} \\(port free\\); traces not checked: `), r.stdout);
      assert.match(r.stdout, /^ {2}metrics: skipped: the metrics exporters \(prometheus\) do not include otlp$/m);
      assert.match(r.stdout, new RegExp(`^ {2}prometheus: the app will serve ${url.replace(/\./g, '\\.')} for Prometheus to scrape`, 'm'));
      assert.match(r.stdout, new RegExp(`prometheus endpoint:\\s+${url.replace(/\./g, '\\.')}\n`));
      assert.equal(r.code, 0, r.stdout);
      const { server } = await listening(net.createServer(), port);
      await close(server);
    });

    it('prometheus: a port already in use is a problem, with the variable to change (exit 1)', async function () {
      const { server, port } = await listening(net.createServer());
      try {
        const r = await runCli(['--exporter', 'none', 'doctor'], {
          OTEL_METRICS_EXPORTER: 'otlp,prometheus',
          OTEL_LOGS_EXPORTER: 'none',
          OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
          OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
          OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://127.0.0.1:${await closedPort()}/v1/metrics`,
        });
        const problem =
          `prometheus: cannot serve http://127.0.0.1:${port}/metrics: port ${port} on 127.0.0.1 is already in use ` +
          '(by another process, or by the app already running with otelite); set OTEL_EXPORTER_PROMETHEUS_PORT to a free port';
        assert.match(firstLine(r.stdout), /^otelite doctor: PROBLEM — metrics: nothing listens on /, r.stdout);
        assert.match(firstLine(r.stdout), /; 1 more problem below$/);
        assert.ok(r.stdout.includes(`\n  ${problem.replace('prometheus: ', 'prometheus: FAILED: ')}\n`), r.stdout);
        assert.equal(r.code, 1);
      } finally {
        await close(server);
      }
    });
  });

  describe('logs', function () {
    it('go where the OTEL_EXPORTER_OTLP_LOGS_* variables say, the header value hidden; a partial success names the rejected record (exit 1)', async function () {
      const traces = await startReceiver({ protocol: 'http/protobuf', respond: likeACollector });
      const logs = await startReceiver({
        protocol: 'grpc',
        respond: (q) => likeACollector(q) ?? { partialSuccess: { rejectedLogRecords: 1, errorMessage: 'record too old' } },
      });
      try {
        const r = await runCli(['--endpoint', traces.endpoint.replace(/\/v1\/traces$/, ''), 'doctor'], {
          OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: logs.endpoint,
          OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'grpc',
          OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-logs-key=l0gs-s3cret',
        });
        assert.equal(firstLine(r.stdout), `otelite doctor: PROBLEM — logs: ${logs.endpoint} answered gRPC OK but rejected 1 of 1 log records: record too old`, r.stdout);
        assert.equal(r.code, 1);
        assert.deepEqual(logs.requests.map((q) => q.signal), ['logs']);
        assert.equal(logs.requests[0]!.headers['x-logs-key'], 'l0gs-s3cret');
        assert.deepEqual(traces.requests.map((q) => q.path).sort(), ['/v1/metrics', '/v1/traces']);
        assert.ok(!(r.stdout + r.stderr).includes('l0gs-s3cret'), 'secret printed');
        const logsSection = r.stdout.slice(r.stdout.indexOf('\nOTLP logs\n'));
        assert.match(logsSection, /headers:\s+x-logs-key=\*\*\*\n/);
      } finally {
        await traces.close();
        await logs.close();
      }
    });
  });

  it('OTEL_SDK_DISABLED=true: nothing will be sent, nothing is probed, exit 0', async function () {
    const rx = await startReceiver({ protocol: 'http/protobuf', respond: likeACollector });
    try {
      const r = await runCli(['--endpoint', rx.endpoint.replace(/\/v1\/traces$/, ''), 'doctor'], { OTEL_SDK_DISABLED: 'true' });
      assert.match(firstLine(r.stdout), /^otelite doctor: DISABLED — .*nothing will be sent/, r.stdout);
      assert.match(r.stdout, /traces: skipped/);
      assert.equal(rx.requests.length, 0);
      assert.equal(r.code, 0);
    } finally {
      await rx.close();
    }
  });

  it('--exporter console: the check is skipped, never called ok', async function () {
    const r = await runCli(['--exporter', 'console', 'doctor'], { OTEL_METRICS_EXPORTER: 'console', OTEL_LOGS_EXPORTER: 'console' });
    assert.match(
      firstLine(r.stdout),
      /^otelite doctor: NOTHING CHECKED — traces not checked: the traces exporters \(console\) do not include otlp; metrics not checked: the metrics exporters \(console\) do not include otlp; logs not checked: the logs exporters \(console\) do not include otlp$/,
      r.stdout,
    );
    assert.match(r.stdout, /^ {2}traces: skipped: /m);
    assert.match(r.stdout, /^ {2}metrics: skipped: /m);
    assert.match(r.stdout, /^ {2}logs: skipped: /m);
    assert.doesNotMatch(r.stdout, /\bOK\b|reachable|accepted/);
    assert.equal(r.code, 0, r.stdout);
  });

  it('prints every section of the configuration after the checks', async function () {
    const r = await runCli(['--exporter', 'console', '--protocol', 'grpc', '--disable', 'dns', 'doctor']);
    const sections = ['Checks', 'Service / resource', 'Exporters', 'OTLP traces', 'Metrics', 'OTLP metrics', 'Logs', 'OTLP logs', 'Sampler', 'Propagation', 'Batch span processor', 'Span limits', 'Instrumentations', 'HTTP', 'Warnings'];
    for (const section of sections) {
      assert.match(r.stdout, new RegExp(`^${section}$`, 'm'), `missing section ${section}`);
    }
    assert.doesNotMatch(r.stdout, /^Other$/m, 'every part of the configuration has its own section');
    assert.ok(r.stdout.indexOf('Checks') < r.stdout.indexOf('Service'), 'the checks come before the configuration');
    assert.match(r.stdout, /protocol:\s+grpc/);
    assert.match(r.stdout, /disabled:\s+dns/);
  });

  it('a reader that stops early (otelite doctor | head -1) is no error: no EPIPE stack, the usual exit status', async () => {
    const closed = await closedPort();
    const child = spawn(NODE, [BIN, '--endpoint', `http://127.0.0.1:${closed}`, 'doctor'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // Read the verdict line, then close the pipe, as `head -1` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c: number | null) => resolve(c)));
    assert.doesNotMatch(stderr, /EPIPE|\n\s+at /, stderr);
    assert.equal(code, 1, 'the verdict (a problem) decides the status');
  });
});
