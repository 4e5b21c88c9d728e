import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFile, execFileSync } from 'node:child_process';
import * as dc from 'node:diagnostics_channel';
import * as fs from 'node:fs';
import * as http2 from 'node:http2';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  type Context,
  type ContextManager,
} from '@opentelemetry/api';
import { OtlpTraceExporter } from '../../src/export/otlp/exporter';
import { isTracingSuppressed } from '../../src/context/suppress';
import type { InstrumentationScope, ResourceData, SpanData } from '../../src/sdk/span-data';
import { startReceiver } from '../kit/otlp-receiver';
import { spanData } from '../kit/recording';
import { closedPort } from '../kit/servers';
import { exporterSession, lines, linesFor, otlpConfig as config, PROTOCOLS, SECRET } from '../kit/exporter-harness';

const execFileAsync = promisify(execFile);

const resource: ResourceData = { attributes: { 'service.name': 'e2e-svc' }, schemaUrl: undefined };
const scope: InstrumentationScope = { name: 'otelite/e2e', version: '1.0.0', schemaUrl: undefined };

function makeSpans(n: number, prefix = 'span'): SpanData[] {
  const out: SpanData[] = [];
  const t = Date.now();
  for (let i = 0; i < n; i++) {
    out.push(
      spanData({
        name: `${prefix}-${i}`,
        kind: SpanKind.SERVER,
        traceId: 'a'.repeat(24) + (0x10000000 + i).toString(16),
        spanId: (0x10000000 + i).toString(16).padStart(16, '0'),
        startTime: t + i,
        endTime: t + i + 1.5,
        attributeKeys: ['i', 'http.route'],
        attributeValues: [i, '/x/:id'],
        scope,
        resource,
      }),
    );
  }
  return out;
}

describe('OTLP exporter against the receiver kit (e2e)', function () {
  this.timeout(30_000);
  const session = exporterSession((rx, protocol, over) => new OtlpTraceExporter(config(rx.endpoint, protocol, over)));

  for (const protocol of PROTOCOLS) {
    describe(protocol, () => {
      for (const compression of ['none', 'gzip'] as const) {
        it(`delivers spans and custom headers (compression ${compression})`, async () => {
          const { rx, exporter } = await session.setup(protocol, {}, { compression });
          const spans = makeSpans(20);
          const result = await exporter.export(spans);
          assert.deepEqual(result, { ok: true });
          assert.equal(rx.requests.length, 1);
          const got = rx.spans;
          assert.equal(got.length, 20);
          assert.deepEqual(
            got.map((s) => s.name),
            spans.map((s) => s.name),
          );
          assert.equal(got[3]!.traceId, spans[3]!.traceId);
          assert.equal(got[3]!.spanId, spans[3]!.spanId);
          assert.equal(got[3]!.attributes['i'], 3);
          assert.equal(got[0]!.resource.attributes['service.name'], 'e2e-svc');
          assert.equal(got[0]!.scope.name, 'otelite/e2e');
          const req = rx.requests[0]!;
          assert.equal(req.headers['x-api-key'], SECRET);
          assert.equal(req.headers['x-tenant'], 'acme');
          assert.match(String(req.headers['user-agent']), /^otelite\//);
          if (protocol === 'grpc') {
            assert.equal(req.headers['content-type'], 'application/grpc');
            assert.equal(req.headers['te'], 'trailers');
            assert.equal(req.compressed, compression === 'gzip');
            assert.equal(req.headers['grpc-encoding'], compression === 'gzip' ? 'gzip' : undefined);
          } else {
            assert.equal(req.contentType, protocol === 'http/json' ? 'application/json' : 'application/x-protobuf');
            assert.equal(req.compressed, compression === 'gzip');
          }
        });
      }

      it('reuses one connection across exports', async () => {
        const { rx, exporter } = await session.setup(protocol);
        for (let i = 0; i < 3; i++) assert.equal((await exporter.export(makeSpans(2, `b${i}`))).ok, true);
        assert.equal(rx.spans.length, 6);
        assert.equal(rx.requests.length, 3);
        assert.ok(rx.requests[0]!.remotePort !== undefined);
        assert.deepEqual(new Set(rx.requests.map((r) => r.remotePort)).size, 1, 'one connection');
      });

      it('never keeps the process alive (idle connection, or an export in flight: lifecycle.ts holds it at exit)', async () => {
        const { rx } = await session.setup(protocol, { respond: (r) => (r.index === 1 ? { hang: true } : undefined) });
        const script = `
          const { OtlpTraceExporter } = require(${JSON.stringify(require.resolve('../../src/export/otlp/exporter'))});
          const e = new OtlpTraceExporter(${JSON.stringify(config(rx.endpoint, protocol, { timeoutMs: 60000 }))});
          const span = ${JSON.stringify(makeSpans(1)[0])};
          const keep = setInterval(() => {}, 1000); // the app's own work, during the first export
          e.export([span]).then((r) => {
            clearInterval(keep);
            process.stdout.write('first:' + r.ok + '\\n');
            e.export([span]).then(() => process.stdout.write('second finished\\n'));
          });
        `;
        const t0 = Date.now();
        // async: the receiver lives in this process
        const { stdout: out } = await execFileAsync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 15_000 });
        assert.equal(out, 'first:true\n');
        assert.ok(Date.now() - t0 < 5000, `exited after ${Date.now() - t0} ms`);
        await rx.waitForRequests(2);
      });

      it('retries a throttled export and delivers it once', async () => {
        let n = 0;
        const { rx, exporter } = await session.setup(protocol, {
          respond: () => (n++ === 0 ? (protocol === 'grpc' ? { grpcStatus: 14, grpcMessage: 'overloaded' } : { status: 503, retryAfter: '1' }) : undefined),
        });
        const t0 = Date.now();
        const result = await exporter.export(makeSpans(5));
        const elapsed = Date.now() - t0;
        assert.equal(result.ok, true);
        assert.equal(rx.requests.length, 2);
        assert.equal(rx.spans.length, 5);
        // Retry-After: 1 (HTTP) or the first backoff of 1 s +-20 % (gRPC)
        assert.ok(elapsed >= 780 && elapsed < 3000, `elapsed ${elapsed}`);
      });

      it('does not retry a permanent failure, and says so once however many exports fail', async () => {
        const { rx, exporter } = await session.setup(protocol, {
          respond: () =>
            protocol === 'grpc'
              ? { grpcStatus: 3, grpcMessage: `bad request, your key was ${SECRET}` }
              : { status: 400, body: JSON.stringify({ code: 3, message: `bad request, your key was ${SECRET}` }), contentType: 'application/json' },
        });
        const before = lines.length;
        for (let i = 0; i < 4; i++) {
          const result = await exporter.export(makeSpans(3));
          assert.equal(result.ok, false);
          assert.ok(result.error instanceof Error);
          assert.ok(!result.error.message.includes(SECRET), result.error.message);
        }
        assert.equal(rx.requests.length, 4, 'one request per export: no retries');
        assert.equal(rx.spans.length, 0);
        const said = lines.slice(before);
        assert.equal(said.length, 1, said.join('\n'));
        assert.match(said[0]!, protocol === 'grpc' ? /INVALID_ARGUMENT/ : /HTTP 400/);
        assert.match(said[0]!, /bad request/);
        assert.ok(!said[0]!.includes(SECRET), 'header value leaked: ' + said[0]);
        assert.ok(!said[0]!.includes('acme'));
      });

      it('gives up within about the timeout when the receiver hangs', async () => {
        const { rx, exporter } = await session.setup(protocol, { respond: () => ({ hang: true }) }, { timeoutMs: 1000 });
        const t0 = Date.now();
        const result = await exporter.export(makeSpans(2));
        const elapsed = Date.now() - t0;
        assert.equal(result.ok, false);
        assert.ok(elapsed >= 900 && elapsed < 2000, `elapsed ${elapsed}`);
        assert.equal(rx.requests.length, 1);
        const said = linesFor(rx.endpoint);
        assert.equal(said.length, 1, said.join('\n'));
        // One attempt: the timeout is the whole export's, so there is no time left to retry.
        // The limit of the one attempt: what was left of the 1000 ms export timeout when it started.
        const start = `warn traces export to ${rx.endpoint} failed: ${rx.endpoint} did not answer within `;
        assert.ok(said[0]!.startsWith(start), said[0]);
        const ms = Number(/^(\d+) ms: /.exec(said[0]!.slice(start.length))?.[1]);
        assert.ok(ms > 900 && ms <= 1000, said[0]);
        assert.match(said[0]!, /; 2 spans lost \(said once for this kind of failure; later losses are counted\)$/);
      });

      it('recovers after the receiver resets the connection', async () => {
        let n = 0;
        const { rx, exporter } = await session.setup(protocol, { respond: () => (n++ === 0 ? { reset: true } : undefined) });
        const result = await exporter.export(makeSpans(4));
        assert.equal(result.ok, true, String(result.error));
        assert.equal(rx.spans.length, 4);
        assert.equal(rx.requests.length, 2);
      });

      if (protocol === 'grpc') {
        it('takes a stream reset with INTERNAL_ERROR as INTERNAL: not retried', async () => {
          const { rx, exporter } = await session.setup(protocol, { respond: () => ({ reset: 'stream' }) });
          const result = await exporter.export(makeSpans(1));
          assert.equal(result.ok, false);
          assert.match(String(result.error?.message), /\(HTTP\/2 error INTERNAL_ERROR \(2\), taken as gRPC status INTERNAL\)/);
          assert.equal(rx.requests.length, 1, 'INTERNAL is not retried');
        });

        it('maps an HTTP/2 error status without grpc-status (503 -> UNAVAILABLE, retried)', async () => {
          let n = 0;
          const { rx, exporter } = await session.setup(protocol, { respond: () => (n++ === 0 ? { status: 503 } : undefined) });
          const result = await exporter.export(makeSpans(1));
          assert.equal(result.ok, true, String(result.error));
          assert.equal(rx.requests.length, 2);
        });
      }

      it('fails cleanly when nothing listens on the port', async () => {
        const port = await closedPort();
        const endpoint = protocol === 'grpc' ? `http://127.0.0.1:${port}` : `http://127.0.0.1:${port}/v1/traces`;
        const exporter = session.ownExporter(new OtlpTraceExporter(config(endpoint, protocol, { timeoutMs: 1500 })));
        const unhandled: unknown[] = [];
        const onUnhandled = (e: unknown): void => void unhandled.push(e);
        process.on('unhandledRejection', onUnhandled);
        try {
          const t0 = Date.now();
          const result = await exporter.export(makeSpans(2));
          assert.equal(result.ok, false);
          assert.ok(Date.now() - t0 < 2500);
          await new Promise((r) => setTimeout(r, 50));
          assert.deepEqual(unhandled, []);
          const said = linesFor(endpoint);
          assert.equal(said.length, 1, said.join('\n'));
          const hostPort = `127.0.0.1:${port}`;
          const usual = protocol === 'grpc' ? 'gRPC usually listens on 4317' : 'OTLP/HTTP usually listens on 4318';
          // Refused is retried (a collector may be starting): the second attempt after the ~1 s back-off, then the deadline.
          assert.equal(
            said[0],
            `warn traces export to ${endpoint} failed (after 2 attempts): nothing listens on ${hostPort}: is the collector running (${usual})?; ` +
              '2 spans lost (said once for this kind of failure; later losses are counted)',
          );
        } finally {
          process.off('unhandledRejection', onUnhandled);
        }
      });

      it('logs a partial success once and still reports success', async () => {
        const { rx, exporter } = await session.setup(protocol, {
          respond: () => ({ partialSuccess: { rejectedSpans: 2, errorMessage: 'spans too old' } }),
        });
        assert.equal((await exporter.export(makeSpans(5))).ok, true);
        assert.equal((await exporter.export(makeSpans(5))).ok, true);
        const said = linesFor(rx.endpoint);
        assert.equal(said.length, 1, said.join('\n'));
        assert.match(said[0]!, /rejected 2 of 5 spans: spans too old/);
      });

      it('refuses exports after shutdown, at once', async () => {
        const { rx, exporter } = await session.setup(protocol);
        assert.equal((await exporter.export(makeSpans(1))).ok, true);
        await exporter.shutdown();
        const t0 = Date.now();
        const result = await exporter.export(makeSpans(1));
        assert.equal(result.ok, false);
        assert.ok(Date.now() - t0 < 50);
        assert.equal(rx.requests.length, 1);
      });
    });
  }

  describe('tracing suppression', () => {
    class TestContextManager implements ContextManager {
      private readonly als = new AsyncLocalStorage<Context>();
      active(): Context {
        return this.als.getStore() ?? ROOT_CONTEXT;
      }
      with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
        return this.als.run(ctx, () => fn.apply(thisArg, args));
      }
      bind<T>(_ctx: Context, target: T): T {
        return target;
      }
      enable(): this {
        return this;
      }
      disable(): this {
        return this;
      }
    }

    before(() => context.setGlobalContextManager(new TestContextManager()));
    after(() => context.disable());

    it('makes its HTTP requests in a suppressed context', async () => {
      const { exporter } = await session.setup('http/protobuf');
      const seen: boolean[] = [];
      const onStart = (): void => void seen.push(isTracingSuppressed(context.active()));
      dc.subscribe('http.client.request.start', onStart);
      try {
        assert.equal((await exporter.export(makeSpans(1))).ok, true);
      } finally {
        dc.unsubscribe('http.client.request.start', onStart);
      }
      assert.deepEqual(seen, [true]);
    });

    it('makes its gRPC calls in a suppressed context', async () => {
      const seen: boolean[] = [];
      // The module object itself (not an import binding), so that its `connect` can be replaced.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require('node:http2') as typeof http2;
      const original = mod.connect;
      mod.connect = ((...args: Parameters<typeof http2.connect>) => {
        seen.push(isTracingSuppressed(context.active()));
        const session = original(...args);
        const request = session.request.bind(session);
        session.request = ((...a: Parameters<typeof session.request>) => {
          seen.push(isTracingSuppressed(context.active()));
          return request(...a);
        }) as typeof session.request;
        return session;
      }) as typeof http2.connect;
      try {
        const { exporter } = await session.setup('grpc');
        assert.equal((await exporter.export(makeSpans(1))).ok, true);
      } finally {
        mod.connect = original;
      }
      assert.deepEqual(seen, [true, true]);
    });
  });

  describe('TLS', () => {
    let dir: string;
    const file = (name: string): string => path.join(dir, name);
    const read = (name: string): Buffer => fs.readFileSync(file(name));

    before(function () {
      this.timeout(30_000);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otelite-tls-'));
      const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
      const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
      for (const ca of ['ca', 'other-ca']) {
        ssl('req', '-x509', ...ec, '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '2', '-subj', `/CN=otelite test ${ca}`,
          '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
      }
      fs.writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
      fs.writeFileSync(file('client.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
      for (const who of ['server', 'client']) {
        ssl('req', ...ec, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who === 'server' ? '127.0.0.1' : 'otelite client'}`);
        ssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.crt`, '-days', '2',
          '-extfile', `${who}.ext`);
      }
    });
    after(() => {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    for (const protocol of ['http/protobuf', 'grpc'] as const) {
      it(`${protocol}: verifies the receiver with OTEL_EXPORTER_OTLP_CERTIFICATE`, async () => {
        const { rx, exporter } = await session.setup(
          protocol,
          { tls: { key: read('server.key'), cert: read('server.crt') } },
          { certificateFile: file('ca.crt'), compression: 'gzip' },
        );
        assert.ok(rx.endpoint.startsWith('https://'));
        const result = await exporter.export(makeSpans(3));
        assert.equal(result.ok, true, String(result.error));
        assert.equal(rx.spans.length, 3);
      });

      it(`${protocol}: fails clearly, without retrying, against a certificate from another CA`, async () => {
        const { rx, exporter } = await session.setup(
          protocol,
          { tls: { key: read('server.key'), cert: read('server.crt') } },
          { certificateFile: file('other-ca.crt') },
        );
        const t0 = Date.now();
        const result = await exporter.export(makeSpans(3));
        assert.equal(result.ok, false);
        assert.ok(Date.now() - t0 < 900, 'not retried');
        assert.equal(rx.spans.length, 0);
        const said = linesFor(rx.endpoint);
        assert.equal(said.length, 1, said.join('\n'));
        assert.equal(
          said[0],
          `error traces export to ${rx.endpoint} failed: the TLS certificate of ${new URL(rx.endpoint).host} is not trusted ` +
            '(unable to verify the first certificate): set OTEL_EXPORTER_OTLP_CERTIFICATE to the PEM file of the CA that signed it; ' +
            '3 spans lost (said once for this kind of failure; later losses are counted)',
        );
      });

      it(`${protocol}: presents the client certificate and key (mutual TLS)`, async () => {
        const tls = { key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt'), requestCert: true };
        const { rx, exporter } = await session.setup(
          protocol,
          { tls },
          { certificateFile: file('ca.crt'), clientKeyFile: file('client.key'), clientCertificateFile: file('client.crt') },
        );
        const result = await exporter.export(makeSpans(2));
        assert.equal(result.ok, true, String(result.error));
        assert.equal(rx.spans.length, 2);
      });

      it(`${protocol}: http:// against the TLS port says to use https://`, async () => {
        const tlsRx = await startReceiver({ protocol, tls: { key: read('server.key'), cert: read('server.crt') } });
        session.ownReceiver(tlsRx);
        const plain = tlsRx.endpoint.replace(/^https:/, 'http:');
        const plainExporter = new OtlpTraceExporter(config(plain, protocol, { timeoutMs: 1500 }));
        session.ownExporter(plainExporter);
        const result = await plainExporter.export(makeSpans(2));
        assert.equal(result.ok, false);
        assert.equal(tlsRx.spans.length, 0);
        const said = linesFor(plain);
        assert.equal(said.length, 1, said.join('\n'));
        // The TLS server drops the clear-text connection: HTTP/1.1 sees the socket close, an
        // HTTP/2 client sees its stream cancelled with the connection. Both are retried.
        const explanation =
          protocol === 'grpc'
            ? `${plain} closed the gRPC call before answering (HTTP/2 error CANCEL (8), taken as gRPC status CANCELLED)`
            : `${new URL(plain).host} closed the connection without answering`;
        assert.equal(
          said[0],
          `warn traces export to ${plain} failed (after 2 attempts): ${explanation}; if the collector expects TLS there, use https://; ` +
            '2 spans lost (said once for this kind of failure; later losses are counted)',
        );
      });
    }

    it('disables the exporter, saying so once, when a certificate file cannot be read', async () => {
      const missing = path.join(os.tmpdir(), `otelite-missing-${process.pid}.pem`);
      const before = lines.length;
      const exp = new OtlpTraceExporter(config('https://127.0.0.1:4318/v1/traces', 'http/protobuf', { certificateFile: missing }));
      session.ownExporter(exp);
      for (let i = 0; i < 3; i++) {
        const result = await exp.export(makeSpans(1));
        assert.equal(result.ok, false);
        assert.match(String(result.error?.message), /OTEL_EXPORTER_OTLP_CERTIFICATE/);
      }
      const said = lines.slice(before);
      assert.equal(said.length, 1, said.join('\n'));
      assert.match(said[0]!, /cannot read OTEL_EXPORTER_OTLP_CERTIFICATE file .*ENOENT/);
    });
  });
});
