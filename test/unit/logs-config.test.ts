import assert from 'node:assert/strict';
import { DEFAULTS, readConfig } from '../../src/config';
import { signalEndpoint } from '../../src/config/index';
import { clean, warnedOnce } from '../kit/config-env';

describe('config: logs', () => {
  it('has the specification defaults', () => {
    assert.deepEqual(clean({}).logs, {
      exporters: ['otlp'],
      otlp: {
        protocol: 'http/protobuf',
        endpoint: 'http://localhost:4318/v1/logs',
        headers: {},
        timeoutMs: 10000,
        compression: 'none',
        certificateFile: undefined,
        clientKeyFile: undefined,
        clientCertificateFile: undefined,
      },
      batch: { scheduleDelayMs: 1000, exportTimeoutMs: 30000, maxQueueSize: 2048, maxExportBatchSize: 512 },
      limits: { attributeValueLengthLimit: Infinity, attributeCountLimit: 128 },
      consoleFormat: 'line',
      sendLoggers: true,
      captureConsole: false,
    });
    assert.deepEqual(DEFAULTS.logs, clean({}).logs);
  });

  describe('OTEL_LOGS_EXPORTER', () => {
    it('reads a comma list, case-insensitively, and none as no exporter', () => {
      assert.deepEqual(clean({ OTEL_LOGS_EXPORTER: 'Console, otlp,console' }).logs.exporters, ['console', 'otlp']);
      assert.deepEqual(clean({ OTEL_LOGS_EXPORTER: 'NONE' }).logs.exporters, []);
    });

    it('drops an unknown exporter with one warning suggesting the closest name', () => {
      const { config, warning } = warnedOnce({ OTEL_LOGS_EXPORTER: 'consol,otlp' }, 'OTEL_LOGS_EXPORTER');
      assert.deepEqual(config.logs.exporters, ['otlp']);
      assert.match(warning, /consol \(did you mean console\?\)/);
    });

    it('falls back to otlp when no name is known', () => {
      const { config } = warnedOnce({ OTEL_LOGS_EXPORTER: 'prometheus' }, 'OTEL_LOGS_EXPORTER');
      assert.deepEqual(config.logs.exporters, ['otlp']);
    });

    it('prints JSON lines when OTELITE_CONSOLE_FORMAT=json, one readable line per record otherwise', () => {
      assert.equal(clean({ OTELITE_CONSOLE_FORMAT: 'json' }).logs.consoleFormat, 'json');
      assert.equal(clean({ OTELITE_CONSOLE_FORMAT: 'tree-verbose' }).logs.consoleFormat, 'line');
    });
  });

  describe('OTEL_BLRP_*', () => {
    it('reads the four variables', () => {
      const { batch } = clean({
        OTEL_BLRP_SCHEDULE_DELAY: '200',
        OTEL_BLRP_EXPORT_TIMEOUT: '3000',
        OTEL_BLRP_MAX_QUEUE_SIZE: '100',
        OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '10',
      }).logs;
      assert.deepEqual(batch, { scheduleDelayMs: 200, exportTimeoutMs: 3000, maxQueueSize: 100, maxExportBatchSize: 10 });
    });

    it('keeps the batch within the queue, and says why a larger batch size is refused', () => {
      assert.equal(clean({ OTEL_BLRP_MAX_QUEUE_SIZE: '100' }).logs.batch.maxExportBatchSize, 100);
      const { config, warning } = warnedOnce({ OTEL_BLRP_MAX_QUEUE_SIZE: '100', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '200' }, 'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE');
      assert.equal(config.logs.batch.maxExportBatchSize, 100);
      assert.match(warning, /is greater than OTEL_BLRP_MAX_QUEUE_SIZE \(100\)/);
    });

    it('warns once for a malformed value and uses the default', () => {
      const { config } = warnedOnce({ OTEL_BLRP_SCHEDULE_DELAY: 'soon' }, 'OTEL_BLRP_SCHEDULE_DELAY');
      assert.equal(config.logs.batch.scheduleDelayMs, 1000);
    });

    it('is independent of the span processor variables', () => {
      const config = clean({ OTEL_BSP_MAX_QUEUE_SIZE: '5', OTEL_BSP_SCHEDULE_DELAY: '7' });
      assert.equal(config.logs.batch.maxQueueSize, 2048);
      assert.equal(config.logs.batch.scheduleDelayMs, 1000);
    });
  });

  describe('log record limits', () => {
    it('fall back to the generic attribute limits', () => {
      const { limits } = clean({ OTEL_ATTRIBUTE_COUNT_LIMIT: '5', OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '20' }).logs;
      assert.deepEqual(limits, { attributeCountLimit: 5, attributeValueLengthLimit: 20 });
    });

    it('win over the generic ones', () => {
      const { limits } = clean({
        OTEL_ATTRIBUTE_COUNT_LIMIT: '5',
        OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '20',
        OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT: '3',
        OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT: '8',
      }).logs;
      assert.deepEqual(limits, { attributeCountLimit: 3, attributeValueLengthLimit: 8 });
    });

    it('a malformed one is one warning and the generic value', () => {
      const { config } = warnedOnce({ OTEL_ATTRIBUTE_COUNT_LIMIT: '5', OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT: '-1' }, 'OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT');
      assert.equal(config.logs.limits.attributeCountLimit, 5);
    });
  });

  describe('OTEL_EXPORTER_OTLP_LOGS_*', () => {
    it('appends /v1/logs to the generic endpoint and shares the generic settings', () => {
      const { otlp } = clean({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4318/',
        OTEL_EXPORTER_OTLP_HEADERS: 'api-key=k',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
      }).logs;
      assert.equal(otlp.endpoint, 'https://collector:4318/v1/logs');
      assert.deepEqual(otlp.headers, { 'api-key': 'k' });
      assert.equal(otlp.compression, 'gzip');
      assert.equal(otlp.timeoutMs, 2000);
    });

    it('each of the eight own variables wins over the generic one', () => {
      const { otlp } = clean({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://logs:9999/custom',
        OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'a=1',
        OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: '1234',
        OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE: '/ca.pem',
        OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY: '/key.pem',
        OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE: '/cert.pem',
      }).logs;
      assert.deepEqual(otlp, {
        protocol: 'http/json',
        endpoint: 'http://logs:9999/custom',
        headers: { a: '1' },
        timeoutMs: 1234,
        compression: 'gzip',
        certificateFile: '/ca.pem',
        clientKeyFile: '/key.pem',
        clientCertificateFile: '/cert.pem',
      });
    });

    it('a malformed own value falls back to the generic one, with one warning', () => {
      const { config } = warnedOnce({ OTEL_EXPORTER_OTLP_TIMEOUT: '2000', OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: 'soon' }, 'OTEL_EXPORTER_OTLP_LOGS_TIMEOUT');
      assert.equal(config.logs.otlp.timeoutMs, 2000);
      const { warning } = warnedOnce({ OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'not a header secret-value' }, 'OTEL_EXPORTER_OTLP_LOGS_HEADERS');
      assert.doesNotMatch(warning, /secret-value/);
    });

    it('uses the grpc endpoint as it is', () => {
      const { otlp } = clean({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317' }).logs;
      assert.equal(otlp.endpoint, 'http://collector:4317');
    });
  });

  describe('the generic endpoint with a query string', () => {
    it('gets /v1/<signal> appended to its path, not inside the query', () => {
      const config = clean({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://gateway.example/otlp/?api_key=abc&x=1' });
      assert.equal(config.otlp.endpoint, 'https://gateway.example/otlp/v1/traces?api_key=abc&x=1');
      assert.equal(config.metrics.otlp.endpoint, 'https://gateway.example/otlp/v1/metrics?api_key=abc&x=1');
      assert.equal(config.logs.otlp.endpoint, 'https://gateway.example/otlp/v1/logs?api_key=abc&x=1');
    });

    it('keeps a fragment after the path too, and a plain base gains only the path', () => {
      assert.equal(signalEndpoint('http://h:4318#frag', 'logs'), 'http://h:4318/v1/logs#frag');
      assert.equal(signalEndpoint('http://h:4318', 'traces'), 'http://h:4318/v1/traces');
      assert.equal(signalEndpoint('http://h:4318//?q=/a/', 'metrics'), 'http://h:4318/v1/metrics?q=/a/');
    });
  });

  it('the default endpoint named in a warning lists every signal path', () => {
    const { warnings } = readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'nope' });
    assert.match(warnings[0]!, /using http:\/\/localhost:4318\/v1\/traces, \/v1\/metrics and \/v1\/logs$/);
  });
});
