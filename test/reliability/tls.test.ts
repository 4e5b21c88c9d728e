import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startReceiver } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { runApp } from '../kit/process';

/**
 * TLS to the collector, configured the way users do it: through OTEL_EXPORTER_OTLP_CERTIFICATE,
 * OTEL_EXPORTER_OTLP_CLIENT_KEY and OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE, in a real app process
 * with the agent, against an HTTPS and a gRPC-over-TLS receiver with a self-signed CA
 * (test/fixtures/http/tls-cert.pem: CA:TRUE, for 127.0.0.1). The exporter-level TLS tests
 * (verification, wrong CA, mutual TLS, unreadable files, each protocol) are in
 * test/e2e/otlp-export.test.ts; these add the environment variables and the whole process: the
 * app is unaffected, and a failure is one clear diagnostic line, never an unhandled error.
 */

const APP = path.join(FIXTURES, 'api-app.cjs');
const CERT = path.join(FIXTURES, 'http', 'tls-cert.pem');
const KEY = path.join(FIXTURES, 'http', 'tls-key.pem');

describe('reliability: TLS to the collector through the OTEL_EXPORTER_OTLP_* certificate variables', function () {
  this.timeout(30_000);
  let dir: string;
  let otherCa: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otelite-tls-'));
    otherCa = path.join(dir, 'other-ca.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(dir, 'other-ca.key'),
      '-out', otherCa, '-days', '2', '-subj', '/CN=otelite other CA'], { stdio: 'pipe' });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const protocol of ['http/protobuf', 'grpc'] as const) {
    const tls = { key: fs.readFileSync(KEY), cert: fs.readFileSync(CERT) };
    const env = (endpoint: string, extra: Record<string, string>) => ({
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      // Spans are what these tests follow; metrics would be one more failing signal per case.
      OTEL_METRICS_EXPORTER: 'none',
      ...(protocol === 'grpc' ? { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } : { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint }),
      ...extra,
    });

    it(`${protocol}: the CA from OTEL_EXPORTER_OTLP_CERTIFICATE verifies the collector; the spans arrive`, async () => {
      const receiver = await startReceiver({ protocol, tls });
      try {
        const exit = await runApp({ file: APP, preload: '--require', env: env(receiver.endpoint, { OTEL_EXPORTER_OTLP_CERTIFICATE: CERT }) });
        assert.equal(exit.code, 0, exit.stderr);
        assert.equal(exit.stderr, '');
        assert.ok(receiver.endpoint.startsWith('https://'));
        assert.equal(receiver.spans.length, 3);
      } finally {
        await receiver.close();
      }
    });

    it(`${protocol}: mutual TLS with OTEL_EXPORTER_OTLP_CLIENT_KEY and _CLIENT_CERTIFICATE; refused without them, clearly`, async () => {
      const receiver = await startReceiver({ protocol, tls: { ...tls, ca: fs.readFileSync(CERT), requestCert: true } });
      try {
        const withCert = await runApp({
          file: APP,
          preload: '--require',
          env: env(receiver.endpoint, { OTEL_EXPORTER_OTLP_CERTIFICATE: CERT, OTEL_EXPORTER_OTLP_CLIENT_KEY: KEY, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: CERT }),
        });
        assert.equal(withCert.code, 0, withCert.stderr);
        assert.equal(withCert.stderr, '');
        assert.equal(receiver.spans.length, 3);

        const without = await runApp({ file: APP, preload: '--require', env: env(receiver.endpoint, { OTEL_EXPORTER_OTLP_CERTIFICATE: CERT }) });
        assert.equal(without.code, 0, without.stderr);
        assert.match(without.stdout, /DONE/);
        assert.equal(receiver.spans.length, 3, 'nothing more arrived');
        // One line, the exporter's: the queue does not repeat it.
        assert.deepEqual(without.stderr.trimEnd().split('\n'), [
          `otelite error: traces export to ${receiver.endpoint} failed: 127.0.0.1:${receiver.port} refused the TLS connection without a client ` +
            'certificate it accepts (tlsv13 alert certificate required): set OTEL_EXPORTER_OTLP_CLIENT_KEY and OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE; ' +
            '3 spans lost (said once for this kind of failure; later losses are counted)',
        ]);
        assert.doesNotMatch(without.stderr, /Unhandled|^\s+at /m);
      } finally {
        await receiver.close();
      }
    });

    it(`${protocol}: a wrong CA fails with one clear diagnostic naming the variable, the app unaffected`, async () => {
      const receiver = await startReceiver({ protocol, tls });
      try {
        const exit = await runApp({ file: APP, preload: '--require', env: env(receiver.endpoint, { OTEL_EXPORTER_OTLP_CERTIFICATE: otherCa }) });
        assert.equal(exit.code, 0, exit.stderr);
        assert.match(exit.stdout, /DONE/);
        assert.equal(receiver.spans.length, 0);
        // One line, the exporter's: the queue does not repeat it.
        assert.deepEqual(exit.stderr.trimEnd().split('\n'), [
          `otelite error: traces export to ${receiver.endpoint} failed: the TLS certificate of 127.0.0.1:${receiver.port} is not trusted ` +
            '(self-signed certificate): set OTEL_EXPORTER_OTLP_CERTIFICATE to the PEM file of the CA that signed it; ' +
            '3 spans lost (said once for this kind of failure; later losses are counted)',
        ]);
        assert.doesNotMatch(exit.stderr, /Unhandled|^\s+at /m);
      } finally {
        await receiver.close();
      }
    });
  }
});
