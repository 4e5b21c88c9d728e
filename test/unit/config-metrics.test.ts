import assert from 'node:assert/strict';
import { DEFAULTS, readConfig } from '../../src/config';
import { clean, warnedOnce } from '../kit/config-env';

describe('config: metrics', () => {
  it('has the specification defaults', () => {
    assert.deepEqual(clean({}).metrics, {
      exporters: ['otlp'],
      intervalMs: 60000,
      timeoutMs: 30000,
      otlp: {
        protocol: 'http/protobuf',
        endpoint: 'http://localhost:4318/v1/metrics',
        headers: {},
        timeoutMs: 10000,
        compression: 'none',
        certificateFile: undefined,
        clientKeyFile: undefined,
        clientCertificateFile: undefined,
      },
      temporalityPreference: 'cumulative',
      histogramAggregation: 'explicit_bucket_histogram',
      exemplarFilter: 'trace_based',
      consoleFormat: 'table',
      prometheus: { host: 'localhost', port: 9464 },
    });
    assert.deepEqual(DEFAULTS.metrics, clean({}).metrics);
  });

  describe('OTEL_METRICS_EXPORTER', () => {
    it('reads a comma list, case-insensitively, and none as no exporter', () => {
      assert.deepEqual(clean({ OTEL_METRICS_EXPORTER: 'Prometheus, console,prometheus' }).metrics.exporters, ['prometheus', 'console']);
      assert.deepEqual(clean({ OTEL_METRICS_EXPORTER: 'otlp,prometheus,console' }).metrics.exporters, ['otlp', 'prometheus', 'console']);
      assert.deepEqual(clean({ OTEL_METRICS_EXPORTER: 'NONE' }).metrics.exporters, []);
    });

    it('drops an unknown exporter with one warning suggesting the closest name', () => {
      const { config, warning } = warnedOnce({ OTEL_METRICS_EXPORTER: 'promethus,console' }, 'OTEL_METRICS_EXPORTER');
      assert.deepEqual(config.metrics.exporters, ['console']);
      assert.match(warning, /promethus \(did you mean prometheus\?\)/);
      assert.match(warning, /using console$/);
    });

    it('falls back to otlp when nothing valid remains', () => {
      const { config, warning } = warnedOnce({ OTEL_METRICS_EXPORTER: 'statsd' }, 'OTEL_METRICS_EXPORTER');
      assert.deepEqual(config.metrics.exporters, ['otlp']);
      assert.match(warning, /using otlp$/);
    });

    it('is independent of the traces exporters', () => {
      const config = clean({ OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'console' });
      assert.deepEqual(config.tracesExporters, []);
      assert.deepEqual(config.metrics.exporters, ['console']);
    });
  });

  describe('OTEL_METRIC_EXPORT_INTERVAL and OTEL_METRIC_EXPORT_TIMEOUT', () => {
    it('reads both', () => {
      const config = clean({ OTEL_METRIC_EXPORT_INTERVAL: '10000', OTEL_METRIC_EXPORT_TIMEOUT: '5000' });
      assert.equal(config.metrics.intervalMs, 10000);
      assert.equal(config.metrics.timeoutMs, 5000);
    });

    it('warns and uses the default for a malformed or non-positive value', () => {
      for (const bad of ['0', '-5', '1.5', '10s']) {
        const interval = warnedOnce({ OTEL_METRIC_EXPORT_INTERVAL: bad }, 'OTEL_METRIC_EXPORT_INTERVAL');
        assert.equal(interval.config.metrics.intervalMs, 60000);
        assert.match(interval.warning, /using 60000$/);
        const timeout = warnedOnce({ OTEL_METRIC_EXPORT_TIMEOUT: bad }, 'OTEL_METRIC_EXPORT_TIMEOUT');
        assert.equal(timeout.config.metrics.timeoutMs, 30000);
      }
    });

    it('keeps the timeout within the interval: silently for the default, with a warning for a set value', () => {
      assert.equal(clean({ OTEL_METRIC_EXPORT_INTERVAL: '5000' }).metrics.timeoutMs, 5000);
      const { config, warning } = warnedOnce(
        { OTEL_METRIC_EXPORT_INTERVAL: '5000', OTEL_METRIC_EXPORT_TIMEOUT: '8000' },
        'OTEL_METRIC_EXPORT_TIMEOUT',
      );
      assert.equal(config.metrics.timeoutMs, 5000);
      assert.equal(warning, 'OTEL_METRIC_EXPORT_TIMEOUT="8000" is greater than OTEL_METRIC_EXPORT_INTERVAL (5000); using 5000');
    });
  });

  describe('OTLP metrics exporter: the OTEL_EXPORTER_OTLP_METRICS_* variables over the generic ones', () => {
    it('appends /v1/metrics to the generic endpoint over http, and uses it as it is over grpc', () => {
      for (const protocol of ['http/protobuf', 'http/json']) {
        const config = clean({ OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://gw.example.com/otlp/' });
        assert.equal(config.metrics.otlp.endpoint, 'https://gw.example.com/otlp/v1/metrics');
        assert.equal(config.otlp.endpoint, 'https://gw.example.com/otlp/v1/traces');
      }
      const grpc = clean({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317' });
      assert.equal(grpc.metrics.otlp.endpoint, 'https://collector:4317');
      assert.equal(clean({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).metrics.otlp.endpoint, 'http://localhost:4317');
    });

    it('uses OTEL_EXPORTER_OTLP_METRICS_ENDPOINT as it is', () => {
      const config = clean({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://metrics:9000/custom',
      });
      assert.equal(config.metrics.otlp.endpoint, 'http://metrics:9000/custom');
      assert.equal(config.otlp.endpoint, 'http://generic:4318/v1/traces');
    });

    it('lets each metrics variable win over the generic one, leaving the traces exporter alone', () => {
      const config = clean({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-team=core',
        OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_CERTIFICATE: '/etc/ca.pem',
        OTEL_EXPORTER_OTLP_CLIENT_KEY: '/etc/key.pem',
        OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/etc/cert.pem',
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'GRPC',
        OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'api-key=m%20key',
        OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '2500',
        OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'none',
        OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE: '/etc/metrics-ca.pem',
        OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY: '/etc/metrics-key.pem',
        OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE: '/etc/metrics-cert.pem',
      });
      assert.deepEqual(config.metrics.otlp, {
        protocol: 'grpc',
        endpoint: 'http://localhost:4317',
        headers: { 'api-key': 'm key' },
        timeoutMs: 2500,
        compression: 'none',
        certificateFile: '/etc/metrics-ca.pem',
        clientKeyFile: '/etc/metrics-key.pem',
        clientCertificateFile: '/etc/metrics-cert.pem',
      });
      assert.deepEqual(config.otlp, {
        protocol: 'http/json',
        endpoint: 'http://localhost:4318/v1/traces',
        headers: { 'x-team': 'core' },
        timeoutMs: 5000,
        compression: 'gzip',
        certificateFile: '/etc/ca.pem',
        clientKeyFile: '/etc/key.pem',
        clientCertificateFile: '/etc/cert.pem',
      });
    });

    it('inherits every generic value when no metrics variable is set', () => {
      const config = clean({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20t0ken',
        OTEL_EXPORTER_OTLP_TIMEOUT: '7000',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '1000',
      });
      assert.equal(config.metrics.otlp.protocol, 'http/json');
      assert.deepEqual(config.metrics.otlp.headers, { authorization: 'Bearer t0ken' });
      assert.equal(config.metrics.otlp.timeoutMs, 7000, 'the traces timeout is not the metrics one');
      assert.equal(config.metrics.otlp.compression, 'gzip');
    });

    it('falls back to the generic value when a metrics variable is malformed', () => {
      const { config, warning } = warnedOnce(
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'nope' },
        'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
      );
      assert.equal(config.metrics.otlp.endpoint, 'http://generic:4318/v1/metrics');
      assert.match(warning, /using http:\/\/generic:4318\/v1\/metrics$/);
      const protocol = warnedOnce(
        { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grcp' },
        'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL',
      );
      assert.equal(protocol.config.metrics.otlp.protocol, 'grpc');
      assert.match(protocol.warning, /did you mean grpc\?/);
    });

    it('warns once about a malformed generic variable that both signals use', () => {
      for (const [name, value] of [
        ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
        ['OTEL_EXPORTER_OTLP_TIMEOUT', 'soon'],
        ['OTEL_EXPORTER_OTLP_PROTOCOL', 'http'],
        ['OTEL_EXPORTER_OTLP_HEADERS', 'no-equals-sign'],
      ] as const) {
        const { config } = warnedOnce({ [name]: value }, name);
        assert.deepEqual(config.metrics.otlp, { ...DEFAULTS.metrics.otlp }, name);
        assert.deepEqual(config.otlp, { ...DEFAULTS.otlp }, name);
      }
    });

    it('never puts a metrics header value into a warning', () => {
      const SECRET = 'M3tr1csT0k3n';
      const { config, warning } = warnedOnce(
        { OTEL_EXPORTER_OTLP_METRICS_HEADERS: `ok=${SECRET}x,Authorization: Bearer ${SECRET}` },
        'OTEL_EXPORTER_OTLP_METRICS_HEADERS',
      );
      assert.deepEqual(config.metrics.otlp.headers, { ok: `${SECRET}x` });
      assert.ok(!warning.includes(SECRET) && !warning.includes('Bearer'), warning);
    });
  });

  describe('SDK choices', () => {
    it('reads the temporality preference, case-insensitively', () => {
      for (const [raw, expected] of [
        ['delta', 'delta'],
        ['LowMemory', 'lowmemory'],
        ['CUMULATIVE', 'cumulative'],
      ]) {
        assert.equal(clean({ OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: raw }).metrics.temporalityPreference, expected);
      }
      const { config, warning } = warnedOnce(
        { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'detla' },
        'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
      );
      assert.equal(config.metrics.temporalityPreference, 'cumulative');
      assert.equal(
        warning,
        'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE="detla" is not one of cumulative, delta, lowmemory (did you mean delta?); using cumulative',
      );
    });

    it('reads the default histogram aggregation', () => {
      const name = 'OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION';
      assert.equal(clean({ [name]: 'BASE2_EXPONENTIAL_BUCKET_HISTOGRAM' }).metrics.histogramAggregation, 'base2_exponential_bucket_histogram');
      assert.equal(clean({ [name]: 'explicit_bucket_histogram' }).metrics.histogramAggregation, 'explicit_bucket_histogram');
      const { config, warning } = warnedOnce({ [name]: 'base2_exponential_bucket_histgram' }, name);
      assert.equal(config.metrics.histogramAggregation, 'explicit_bucket_histogram');
      assert.match(warning, /did you mean base2_exponential_bucket_histogram\?\); using explicit_bucket_histogram$/);
    });

    it('reads the exemplar filter', () => {
      for (const filter of ['trace_based', 'always_on', 'always_off']) {
        assert.equal(clean({ OTEL_METRICS_EXEMPLAR_FILTER: filter.toUpperCase() }).metrics.exemplarFilter, filter);
      }
      const { config, warning } = warnedOnce({ OTEL_METRICS_EXEMPLAR_FILTER: 'trace-based' }, 'OTEL_METRICS_EXEMPLAR_FILTER');
      assert.equal(config.metrics.exemplarFilter, 'trace_based');
      assert.match(warning, /did you mean trace_based\?\); using trace_based$/);
    });
  });

  describe('Prometheus and console', () => {
    it('reads the host and port the Prometheus exporter serves on', () => {
      const config = clean({ OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0', OTEL_EXPORTER_PROMETHEUS_PORT: '9090' });
      assert.deepEqual(config.metrics.prometheus, { host: '0.0.0.0', port: 9090 });
      assert.equal(clean({ OTEL_EXPORTER_PROMETHEUS_PORT: '65535' }).metrics.prometheus.port, 65535);
    });

    it('takes an IPv6 host with or without brackets, and warns about anything that is not a host', () => {
      assert.equal(clean({ OTEL_EXPORTER_PROMETHEUS_HOST: '[::1]' }).metrics.prometheus.host, '::1');
      assert.equal(clean({ OTEL_EXPORTER_PROMETHEUS_HOST: 'fe80::1%eth0' }).metrics.prometheus.host, 'fe80::1%eth0');
      for (const bad of ['http://localhost', 'localhost/metrics', 'my host', 'a\nb']) {
        const { config, warning } = warnedOnce({ OTEL_EXPORTER_PROMETHEUS_HOST: bad }, 'OTEL_EXPORTER_PROMETHEUS_HOST');
        assert.equal(config.metrics.prometheus.host, 'localhost');
        assert.equal(warning, `OTEL_EXPORTER_PROMETHEUS_HOST=${JSON.stringify(bad)} is not a host name or IP address; using localhost`);
      }
    });

    it('warns and uses 9464 for a port that is not 1 to 65535', () => {
      for (const bad of ['0', '65536', '-1', '80.5', 'http', '99999999999']) {
        const { config, warning } = warnedOnce({ OTEL_EXPORTER_PROMETHEUS_PORT: bad }, 'OTEL_EXPORTER_PROMETHEUS_PORT');
        assert.equal(config.metrics.prometheus.port, 9464, bad);
        assert.equal(warning, `OTEL_EXPORTER_PROMETHEUS_PORT=${JSON.stringify(bad)} is not a port number (1 to 65535); using 9464`);
      }
    });

    it('prints metrics as JSON lines when the console format is json, as a table otherwise', () => {
      assert.equal(clean({ OTELITE_CONSOLE_FORMAT: 'json' }).metrics.consoleFormat, 'json');
      assert.equal(clean({ OTELITE_CONSOLE_FORMAT: 'tree-verbose' }).metrics.consoleFormat, 'table');
      assert.equal(clean({ OTELITE_CONSOLE_FORMAT: 'tree' }).metrics.consoleFormat, 'table');
    });
  });

  it('gives each malformed metrics variable exactly one single-line warning and its default', () => {
    const hostile = ['abc', '\u0000', 'bad\notelite error: forged line', 'x'.repeat(100_000), '-1', 'none2'];
    const variables = [
      'OTEL_METRICS_EXPORTER',
      'OTEL_METRIC_EXPORT_INTERVAL',
      'OTEL_METRIC_EXPORT_TIMEOUT',
      'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
      'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL',
      'OTEL_EXPORTER_OTLP_METRICS_COMPRESSION',
      'OTEL_EXPORTER_OTLP_METRICS_TIMEOUT',
      'OTEL_EXPORTER_OTLP_METRICS_HEADERS',
      'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
      'OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION',
      'OTEL_METRICS_EXEMPLAR_FILTER',
      'OTEL_EXPORTER_PROMETHEUS_PORT',
    ];
    for (const name of variables) {
      for (const value of hostile) {
        const { config, warnings } = readConfig({ [name]: value });
        assert.equal(warnings.length, 1, `${name}=${JSON.stringify(value.slice(0, 20))}: ${JSON.stringify(warnings).slice(0, 300)}`);
        assert.ok(!/[\r\n\u0000]/.test(warnings[0]!) && warnings[0]!.length < 600, warnings[0]!.slice(0, 200));
        assert.deepEqual(config, DEFAULTS, `${name}: the default is used`);
      }
    }
  });
});
