import assert from 'node:assert/strict';
import { DEFAULTS, DEFAULT_GRPC_ENDPOINT, readConfig } from '../../src/config';
import { closest, didYouMean, editDistance } from '../../src/config/suggest';
import { clean, warnedOnce, type Env } from '../kit/config-env';

const ALL_VARIABLES = [
  'OTEL_SDK_DISABLED',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_LOG_LEVEL',
  'OTEL_TRACES_EXPORTER',
  'OTELITE_CONSOLE_FORMAT',
  ...['ENDPOINT', 'HEADERS', 'TIMEOUT', 'COMPRESSION', 'PROTOCOL', 'CERTIFICATE', 'CLIENT_KEY', 'CLIENT_CERTIFICATE'].flatMap(
    (suffix) => [`OTEL_EXPORTER_OTLP_${suffix}`, `OTEL_EXPORTER_OTLP_TRACES_${suffix}`, `OTEL_EXPORTER_OTLP_METRICS_${suffix}`],
  ),
  'OTEL_METRICS_EXPORTER',
  'OTEL_METRIC_EXPORT_INTERVAL',
  'OTEL_METRIC_EXPORT_TIMEOUT',
  'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
  'OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION',
  'OTEL_METRICS_EXEMPLAR_FILTER',
  'OTEL_EXPORTER_PROMETHEUS_HOST',
  'OTEL_EXPORTER_PROMETHEUS_PORT',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_PROPAGATORS',
  'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_BSP_EXPORT_TIMEOUT',
  'OTEL_BSP_MAX_QUEUE_SIZE',
  'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
  'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_SPAN_EVENT_COUNT_LIMIT',
  'OTEL_SPAN_LINK_COUNT_LIMIT',
  'OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_LINK_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
  'OTEL_NODE_DISABLED_INSTRUMENTATIONS',
  'OTEL_NODE_EXCLUDED_URLS',
  'OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_REQUEST_HEADERS',
  'OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_RESPONSE_HEADERS',
  'OTEL_INSTRUMENTATION_HTTP_CLIENT_CAPTURE_REQUEST_HEADERS',
  'OTEL_INSTRUMENTATION_HTTP_CLIENT_CAPTURE_RESPONSE_HEADERS',
  'OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS',
  'OTEL_NODE_REDACTED_QUERY_PARAMS',
  'OTEL_NODE_DB_REQUIRE_PARENT_SPAN',
];

describe('config: readConfig', () => {
  describe('defaults, empty values and robustness', () => {
    it('returns DEFAULTS and no warning for an empty environment', () => {
      assert.deepEqual(clean({}), DEFAULTS);
      assert.equal(DEFAULTS.otlp.endpoint, 'http://localhost:4318/v1/traces');
      assert.equal(DEFAULTS.serviceName, 'unknown_service:node');
      assert.equal(DEFAULTS.limits.attributeValueLengthLimit, Infinity);
    });

    it('treats every variable set to "" or whitespace as unset, without warnings', () => {
      for (const value of ['', '   ', '\t']) {
        const env = Object.fromEntries(ALL_VARIABLES.map((name) => [name, value]));
        assert.deepEqual(clean(env), DEFAULTS, `value ${JSON.stringify(value)}`);
      }
    });

    it('ignores unrelated variables', () => {
      assert.deepEqual(clean({ PATH: '/usr/bin', OTEL_UNKNOWN_THING: 'x' }), DEFAULTS);
    });

    it('freezes DEFAULTS and returns fresh objects that callers may mutate', () => {
      assert.ok(Object.isFrozen(DEFAULTS));
      assert.ok(Object.isFrozen(DEFAULTS.http.knownMethods));
      const first = clean({});
      first.tracesExporters.push('console');
      first.http.knownMethods.length = 0;
      first.resourceAttributes['x'] = 'y';
      assert.deepEqual(clean({}), DEFAULTS);
      assert.deepEqual(DEFAULTS.tracesExporters, ['otlp']);
    });

    it('never throws, even for exotic input', () => {
      const throwing = new Proxy({}, {
        get() {
          throw new Error('boom');
        },
      }) as Env;
      const result = readConfig(throwing);
      assert.deepEqual(result.config, DEFAULTS);
      assert.equal(result.warnings.length, 1);
      assert.match(result.warnings[0]!, /boom/);

      assert.deepEqual(readConfig(null as unknown as Env).config, DEFAULTS);
      assert.deepEqual(readConfig(undefined as unknown as Env).config, DEFAULTS);
      // Non-string values are treated as unset.
      assert.deepEqual(clean({ OTEL_BSP_MAX_QUEUE_SIZE: 12 as unknown as string }), DEFAULTS);
    });

    it('trims surrounding whitespace', () => {
      const config = clean({ OTEL_SERVICE_NAME: '  checkout  ', OTEL_LOG_LEVEL: ' debug\n', OTEL_BSP_MAX_QUEUE_SIZE: ' 100 ' });
      assert.equal(config.serviceName, 'checkout');
      assert.equal(config.logLevel, 'debug');
      assert.equal(config.batch.maxQueueSize, 100);
    });

    it('gives one warning per malformed variable, each naming its variable', () => {
      const env: Env = {
        OTEL_SDK_DISABLED: 'yes',
        OTEL_LOG_LEVEL: 'loud',
        OTEL_TRACES_EXPORTER: 'zipkin',
        OTEL_EXPORTER_OTLP_TIMEOUT: 'soon',
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_PROPAGATORS: 'jaeger',
        OTEL_BSP_SCHEDULE_DELAY: '0',
        OTEL_ATTRIBUTE_COUNT_LIMIT: 'many',
        OTEL_RESOURCE_ATTRIBUTES: 'a=1,oops,b=2',
      };
      const { warnings } = readConfig(env);
      assert.equal(warnings.length, Object.keys(env).length, JSON.stringify(warnings));
      for (const name of Object.keys(env)) {
        assert.equal(warnings.filter((w) => w.startsWith(`${name}=`)).length, 1, `one warning for ${name}`);
      }
    });

    it('formats a warning as NAME="value" problem; using fallback', () => {
      const { warning } = warnedOnce({ OTEL_BSP_MAX_QUEUE_SIZE: 'abc' }, 'OTEL_BSP_MAX_QUEUE_SIZE');
      assert.equal(warning, 'OTEL_BSP_MAX_QUEUE_SIZE="abc" is not a positive integer; using 2048');
    });
  });

  describe('OTEL_SDK_DISABLED', () => {
    it('is true only for case-insensitive "true"', () => {
      for (const value of ['true', 'TRUE', 'True', ' true ']) assert.equal(clean({ OTEL_SDK_DISABLED: value }).disabled, true);
      for (const value of ['false', 'FALSE']) assert.equal(clean({ OTEL_SDK_DISABLED: value }).disabled, false);
    });

    it('warns and uses false for anything else', () => {
      for (const value of ['yes', '1', 'on', 'truee']) {
        const { config, warning } = warnedOnce({ OTEL_SDK_DISABLED: value }, 'OTEL_SDK_DISABLED');
        assert.equal(config.disabled, false);
        assert.ok(warning.includes(JSON.stringify(value)), warning);
        assert.match(warning, /using false$/);
      }
    });
  });

  describe('OTEL_NODE_DB_REQUIRE_PARENT_SPAN', () => {
    it('defaults to false (database calls outside a span make root spans) and reads true', () => {
      assert.equal(clean({}).db.requireParentSpan, false);
      assert.equal(clean({ OTEL_NODE_DB_REQUIRE_PARENT_SPAN: 'true' }).db.requireParentSpan, true);
    });

    it('warns once and uses false for a malformed value', () => {
      const { config } = warnedOnce({ OTEL_NODE_DB_REQUIRE_PARENT_SPAN: 'maybe' }, 'OTEL_NODE_DB_REQUIRE_PARENT_SPAN');
      assert.equal(config.db.requireParentSpan, false);
    });
  });

  describe('OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES', () => {
    it('uses OTEL_SERVICE_NAME, then service.name from the resource attributes, then the default', () => {
      assert.equal(clean({ OTEL_SERVICE_NAME: 'cart' }).serviceName, 'cart');
      assert.equal(clean({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=orders' }).serviceName, 'orders');
      const both = clean({ OTEL_SERVICE_NAME: 'cart', OTEL_RESOURCE_ATTRIBUTES: 'service.name=orders' });
      assert.equal(both.serviceName, 'cart');
      assert.equal(both.resourceAttributes['service.name'], 'orders');
      assert.equal(clean({ OTEL_RESOURCE_ATTRIBUTES: 'team=core' }).serviceName, 'unknown_service:node');
    });

    it('parses key=value pairs, trimmed and percent-decoded', () => {
      const config = clean({
        OTEL_RESOURCE_ATTRIBUTES: ' deployment.environment = prod , k%20ey=v%2C1%3Dx ,emoji=%F0%9F%9A%80,,eq=a=b,empty=',
      });
      assert.deepEqual(config.resourceAttributes, {
        'deployment.environment': 'prod',
        'k ey': 'v,1=x',
        emoji: '🚀',
        eq: 'a=b',
        empty: '',
      });
    });

    it('lets a later duplicate key win', () => {
      assert.deepEqual(clean({ OTEL_RESOURCE_ATTRIBUTES: 'a=1,a=2' }).resourceAttributes, { a: '2' });
    });

    it('drops one malformed pair with one warning and keeps the others', () => {
      for (const badPair of ['novalue', '=orphan', 'bad%zz=1', 'k=%E0%A4%A', ' = x']) {
        const { config, warning } = warnedOnce(
          { OTEL_RESOURCE_ATTRIBUTES: `a=1,${badPair},b=2` },
          'OTEL_RESOURCE_ATTRIBUTES',
        );
        assert.deepEqual(config.resourceAttributes, { a: '1', b: '2' }, badPair);
        assert.ok(warning.includes(JSON.stringify(badPair.trim())), warning);
        assert.match(warning, /dropped it$/);
      }
    });

    it('gives a single warning for several malformed pairs', () => {
      const { config, warning } = warnedOnce({ OTEL_RESOURCE_ATTRIBUTES: 'x,a=1,y,=z' }, 'OTEL_RESOURCE_ATTRIBUTES');
      assert.deepEqual(config.resourceAttributes, { a: '1' });
      assert.match(warning, /"x".*"y".*"=z".*dropped them/);
    });

    it('keeps a __proto__ key as a plain own property', () => {
      const config = clean({ OTEL_RESOURCE_ATTRIBUTES: '__proto__=evil,a=1' });
      assert.equal(Object.getPrototypeOf(config.resourceAttributes), Object.prototype);
      assert.deepEqual(Object.keys(config.resourceAttributes), ['__proto__', 'a']);
      assert.equal(({} as Record<string, unknown>)['evil'], undefined);
    });
  });

  describe('OTEL_LOG_LEVEL', () => {
    it('accepts every level, case-insensitively', () => {
      for (const level of ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'] as const) {
        assert.equal(clean({ OTEL_LOG_LEVEL: level.toUpperCase() }).logLevel, level);
      }
    });

    it('warns and uses the default, warn, for an unknown level', () => {
      assert.equal(clean({}).logLevel, 'warn');
      const { config, warning } = warnedOnce({ OTEL_LOG_LEVEL: 'loud' }, 'OTEL_LOG_LEVEL');
      assert.equal(config.logLevel, 'warn');
      assert.match(warning, /"loud".*using warn$/);
    });
  });

  describe('OTEL_TRACES_EXPORTER and OTELITE_CONSOLE_FORMAT', () => {
    it('parses the list, case-insensitively, collapsing duplicates', () => {
      assert.deepEqual(clean({ OTEL_TRACES_EXPORTER: 'console' }).tracesExporters, ['console']);
      assert.deepEqual(clean({ OTEL_TRACES_EXPORTER: 'otlp, console' }).tracesExporters, ['otlp', 'console']);
      assert.deepEqual(clean({ OTEL_TRACES_EXPORTER: 'OTLP,otlp , Otlp' }).tracesExporters, ['otlp']);
    });

    it('maps none to no exporter', () => {
      assert.deepEqual(clean({ OTEL_TRACES_EXPORTER: 'none' }).tracesExporters, []);
      assert.deepEqual(clean({ OTEL_TRACES_EXPORTER: 'NONE' }).tracesExporters, []);
    });

    it('ignores unknown exporters with one warning naming them', () => {
      const { config, warning } = warnedOnce({ OTEL_TRACES_EXPORTER: 'console,zipkin,jaeger' }, 'OTEL_TRACES_EXPORTER');
      assert.deepEqual(config.tracesExporters, ['console']);
      assert.match(warning, /zipkin, jaeger/);
      assert.match(warning, /using console$/);
    });

    it('falls back to otlp when nothing valid remains', () => {
      const { config, warning } = warnedOnce({ OTEL_TRACES_EXPORTER: 'zipkin' }, 'OTEL_TRACES_EXPORTER');
      assert.deepEqual(config.tracesExporters, ['otlp']);
      assert.match(warning, /using otlp$/);
    });

    it('ignores none mixed with other exporters, with a warning', () => {
      const { config } = warnedOnce({ OTEL_TRACES_EXPORTER: 'none,console' }, 'OTEL_TRACES_EXPORTER');
      assert.deepEqual(config.tracesExporters, ['console']);
    });

    it('reads the console format', () => {
      assert.equal(clean({ OTELITE_CONSOLE_FORMAT: 'JSON' }).consoleFormat, 'json');
      assert.equal(clean({ OTELITE_CONSOLE_FORMAT: 'tree' }).consoleFormat, 'tree');
      assert.equal(clean({ OTELITE_CONSOLE_FORMAT: 'Tree-Verbose' }).consoleFormat, 'tree-verbose');
      const { config } = warnedOnce({ OTELITE_CONSOLE_FORMAT: 'xml' }, 'OTELITE_CONSOLE_FORMAT');
      assert.equal(config.consoleFormat, 'tree');
    });
  });

  describe('OTLP exporter', () => {
    describe('protocol', () => {
      it('defaults to http/protobuf and accepts the three protocols case-insensitively', () => {
        assert.equal(clean({}).otlp.protocol, 'http/protobuf');
        assert.equal(clean({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).otlp.protocol, 'http/json');
        assert.equal(clean({ OTEL_EXPORTER_OTLP_PROTOCOL: 'GRPC' }).otlp.protocol, 'grpc');
      });

      it('prefers OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', () => {
        const config = clean({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' });
        assert.equal(config.otlp.protocol, 'http/json');
      });

      it('warns and uses the default for an unknown protocol', () => {
        const { config, warning } = warnedOnce({ OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' }, 'OTEL_EXPORTER_OTLP_PROTOCOL');
        assert.equal(config.otlp.protocol, 'http/protobuf');
        assert.match(warning, /using http\/protobuf$/);
      });
    });

    describe('endpoint', () => {
      it('defaults per protocol', () => {
        assert.equal(clean({}).otlp.endpoint, 'http://localhost:4318/v1/traces');
        assert.equal(clean({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).otlp.endpoint, 'http://localhost:4318/v1/traces');
        assert.equal(clean({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).otlp.endpoint, 'http://localhost:4317');
        assert.equal(DEFAULT_GRPC_ENDPOINT, 'http://localhost:4317');
      });

      for (const protocol of ['http/protobuf', 'http/json']) {
        it(`appends v1/traces to the generic endpoint with exactly one slash (${protocol})`, () => {
          const cases: [string, string][] = [
            ['http://collector:4318', 'http://collector:4318/v1/traces'],
            ['http://collector:4318/', 'http://collector:4318/v1/traces'],
            ['http://collector:4318//', 'http://collector:4318/v1/traces'],
            ['https://gw.example.com/otlp', 'https://gw.example.com/otlp/v1/traces'],
            ['https://gw.example.com/otlp/', 'https://gw.example.com/otlp/v1/traces'],
          ];
          for (const [endpoint, expected] of cases) {
            const env = { OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint };
            assert.equal(clean(env).otlp.endpoint, expected, endpoint);
          }
        });

        it(`uses the traces endpoint as-is (${protocol})`, () => {
          for (const endpoint of ['http://collector:4318', 'http://collector:4318/custom/path', 'https://x.example/']) {
            const env = { OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint };
            assert.equal(clean(env).otlp.endpoint, endpoint);
          }
        });
      }

      it('uses the generic endpoint as-is for grpc', () => {
        const env = { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317' };
        assert.equal(clean(env).otlp.endpoint, 'https://collector:4317');
        const traces = { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:4317' };
        assert.equal(clean(traces).otlp.endpoint, 'http://t:4317');
      });

      it('prefers OTEL_EXPORTER_OTLP_TRACES_ENDPOINT over the generic one', () => {
        const config = clean({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://specific:4318/v1/traces',
        });
        assert.equal(config.otlp.endpoint, 'http://specific:4318/v1/traces');
      });

      it('warns and uses the default for an endpoint that is not an http(s) URL', () => {
        for (const bad of ['localhost:4318', 'collector', 'ftp://collector/', 'http://', 'not a url']) {
          const { config, warning } = warnedOnce({ OTEL_EXPORTER_OTLP_ENDPOINT: bad }, 'OTEL_EXPORTER_OTLP_ENDPOINT');
          assert.equal(config.otlp.endpoint, 'http://localhost:4318/v1/traces', bad);
          // The generic endpoint serves every signal: the warning names each one's default.
          assert.match(warning, /using http:\/\/localhost:4318\/v1\/traces, \/v1\/metrics and \/v1\/logs$/);
        }
        const grpc = warnedOnce(
          { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' },
          'OTEL_EXPORTER_OTLP_ENDPOINT',
        );
        assert.equal(grpc.config.otlp.endpoint, 'http://localhost:4317');
        assert.match(grpc.warning, /using http:\/\/localhost:4317$/);
      });

      it('falls back to the generic endpoint when the traces endpoint is malformed', () => {
        const { config, warning } = warnedOnce(
          { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'nope' },
          'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
        );
        assert.equal(config.otlp.endpoint, 'http://generic:4318/v1/traces');
        assert.match(warning, /using http:\/\/generic:4318\/v1\/traces$/);
      });
    });

    describe('headers', () => {
      it('parses and percent-decodes the header list', () => {
        const config = clean({ OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc%20def , x-team = core,auth=Basic%20dTpw%3D%3D' });
        assert.deepEqual(config.otlp.headers, { 'api-key': 'abc def', 'x-team': 'core', auth: 'Basic dTpw==' });
      });

      it('prefers OTEL_EXPORTER_OTLP_TRACES_HEADERS as a whole', () => {
        const config = clean({ OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=2', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'c=3' });
        assert.deepEqual(config.otlp.headers, { c: '3' });
      });

      it('drops a malformed header with one warning naming the variable and key', () => {
        const { config, warning } = warnedOnce(
          { OTEL_EXPORTER_OTLP_HEADERS: 'good=1,x-api-key=%zzsecret' },
          'OTEL_EXPORTER_OTLP_HEADERS',
        );
        assert.deepEqual(config.otlp.headers, { good: '1' });
        assert.match(warning, /"x-api-key"/);
        assert.ok(!warning.includes('secret'), warning);
        assert.ok(!warning.includes('good'), warning);
      });

      it('never puts a header value into any warning', () => {
        const SECRET = 'S3cr3tT0k3n';
        const malformed = [
          `Authorization: Bearer ${SECRET}`, // no "="
          `Authorization=Bearer ${SECRET}%zz`, // bad percent-encoding in the value
          `=${SECRET}`, // empty key
          `bad key=${SECRET}`, // key is not a header name
          `x-key=${SECRET}%0A`, // newline in the decoded value
          `%zz=${SECRET}`, // bad percent-encoding in the key
          `${SECRET}`, // a bare value
        ];
        for (const name of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']) {
          for (const entry of malformed) {
            const { config, warning } = warnedOnce({ [name]: `ok=${SECRET}x,${entry}` }, name);
            assert.deepEqual(config.otlp.headers, { ok: `${SECRET}x` }, entry);
            assert.ok(!warning.includes(SECRET), `${entry} leaked: ${warning}`);
            assert.ok(!warning.includes('Bearer'), `${entry} leaked: ${warning}`);
          }
        }
        const all = readConfig({
          OTEL_EXPORTER_OTLP_HEADERS: malformed.join(','),
          OTEL_EXPORTER_OTLP_TRACES_HEADERS: malformed.join(','),
        });
        assert.equal(all.warnings.length, 2);
        for (const warning of all.warnings) assert.ok(!warning.includes(SECRET), warning);
      });
    });

    describe('timeout, compression, certificates', () => {
      it('reads the timeout, preferring the traces one', () => {
        assert.equal(clean({}).otlp.timeoutMs, 10000);
        assert.equal(clean({ OTEL_EXPORTER_OTLP_TIMEOUT: '5000' }).otlp.timeoutMs, 5000);
        assert.equal(clean({ OTEL_EXPORTER_OTLP_TIMEOUT: '0' }).otlp.timeoutMs, 0);
        const both = clean({ OTEL_EXPORTER_OTLP_TIMEOUT: '5000', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2500' });
        assert.equal(both.otlp.timeoutMs, 2500);
      });

      it('warns and uses the default for a non-integer or negative timeout', () => {
        for (const bad of ['abc', '-1', '1.5', '10s', '1e4']) {
          const { config, warning } = warnedOnce({ OTEL_EXPORTER_OTLP_TIMEOUT: bad }, 'OTEL_EXPORTER_OTLP_TIMEOUT');
          assert.equal(config.otlp.timeoutMs, 10000, bad);
          assert.ok(warning.includes(JSON.stringify(bad)) && warning.endsWith('using 10000'), warning);
        }
      });

      it('falls back to the generic timeout when the traces one is malformed', () => {
        const { config } = warnedOnce(
          { OTEL_EXPORTER_OTLP_TIMEOUT: '3000', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: 'x' },
          'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
        );
        assert.equal(config.otlp.timeoutMs, 3000);
      });

      it('reads the compression', () => {
        assert.equal(clean({ OTEL_EXPORTER_OTLP_COMPRESSION: 'GZIP' }).otlp.compression, 'gzip');
        const both = clean({ OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip', OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'none' });
        assert.equal(both.otlp.compression, 'none');
        const { config } = warnedOnce({ OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli' }, 'OTEL_EXPORTER_OTLP_COMPRESSION');
        assert.equal(config.otlp.compression, 'none');
      });

      it('stores certificate paths as strings, preferring the traces ones', () => {
        const config = clean({
          OTEL_EXPORTER_OTLP_CERTIFICATE: '/etc/ca.pem',
          OTEL_EXPORTER_OTLP_CLIENT_KEY: '/etc/key.pem',
          OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/etc/cert.pem',
          OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: '/etc/traces-key.pem',
        });
        assert.equal(config.otlp.certificateFile, '/etc/ca.pem');
        assert.equal(config.otlp.clientKeyFile, '/etc/traces-key.pem');
        assert.equal(config.otlp.clientCertificateFile, '/etc/cert.pem');
        assert.equal(clean({}).otlp.certificateFile, undefined);
      });
    });
  });

  describe('OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG', () => {
    it('accepts every supported sampler, case-insensitively', () => {
      const samplers = [
        'always_on',
        'always_off',
        'traceidratio',
        'parentbased_always_on',
        'parentbased_always_off',
        'parentbased_traceidratio',
      ] as const;
      for (const name of samplers) {
        assert.equal(clean({ OTEL_TRACES_SAMPLER: name.toUpperCase() }).sampler.name, name);
      }
      assert.deepEqual(clean({}).sampler, { name: 'parentbased_always_on', ratio: 1 });
    });

    it('warns that jaeger_remote, parentbased_jaeger_remote and xray are unsupported', () => {
      for (const name of ['jaeger_remote', 'parentbased_jaeger_remote', 'xray']) {
        const { config, warning } = warnedOnce({ OTEL_TRACES_SAMPLER: name }, 'OTEL_TRACES_SAMPLER');
        assert.equal(config.sampler.name, 'parentbased_always_on');
        assert.match(warning, /not supported.*using parentbased_always_on$/);
      }
    });

    it('warns and uses the default for an unknown sampler', () => {
      const { config } = warnedOnce({ OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER');
      assert.equal(config.sampler.name, 'parentbased_always_on');
    });

    it('reads the ratio for ratio samplers', () => {
      const cases: [string, number][] = [['0.25', 0.25], ['0', 0], ['1', 1], ['.5', 0.5], ['1e-2', 0.01], ['-0', 0]];
      for (const [arg, ratio] of cases) {
        const config = clean({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: arg });
        assert.equal(config.sampler.ratio, ratio, arg);
      }
      const parentBased = clean({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' });
      assert.deepEqual(parentBased.sampler, { name: 'parentbased_traceidratio', ratio: 0.1 });
      assert.equal(clean({ OTEL_TRACES_SAMPLER: 'traceidratio' }).sampler.ratio, 1);
    });

    it('warns and uses 1.0 for a ratio out of range or not a number', () => {
      for (const bad of ['1.5', '-0.1', 'abc', 'NaN', 'Infinity', '0x1', '50%']) {
        const { config, warning } = warnedOnce(
          { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: bad },
          'OTEL_TRACES_SAMPLER_ARG',
        );
        assert.equal(config.sampler.ratio, 1, bad);
        assert.match(warning, /using 1$/);
      }
    });

    it('does not parse the argument for non-ratio samplers', () => {
      assert.deepEqual(clean({ OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: 'abc' }).sampler, {
        name: 'always_on',
        ratio: 1,
      });
      assert.equal(clean({ OTEL_TRACES_SAMPLER_ARG: '0.5' }).sampler.ratio, 1);
    });
  });

  describe('OTEL_PROPAGATORS', () => {
    it('defaults to tracecontext,baggage and parses lists in order, collapsing duplicates', () => {
      assert.deepEqual(clean({}).propagators, ['tracecontext', 'baggage']);
      assert.deepEqual(clean({ OTEL_PROPAGATORS: 'b3multi, tracecontext' }).propagators, ['b3multi', 'tracecontext']);
      assert.deepEqual(clean({ OTEL_PROPAGATORS: 'B3,b3' }).propagators, ['b3']);
    });

    it('maps none to no propagator', () => {
      assert.deepEqual(clean({ OTEL_PROPAGATORS: 'none' }).propagators, []);
    });

    it('ignores unknown propagators with one warning naming them', () => {
      const { config, warning } = warnedOnce({ OTEL_PROPAGATORS: 'jaeger,tracecontext,ottrace' }, 'OTEL_PROPAGATORS');
      assert.deepEqual(config.propagators, ['tracecontext']);
      assert.match(warning, /jaeger, ottrace/);
    });

    it('uses the default when no known propagator remains', () => {
      const { config, warning } = warnedOnce({ OTEL_PROPAGATORS: 'xray' }, 'OTEL_PROPAGATORS');
      assert.deepEqual(config.propagators, ['tracecontext', 'baggage']);
      assert.match(warning, /xray.*using tracecontext,baggage$/);
    });
  });

  describe('batch span processor', () => {
    it('reads the four settings', () => {
      const config = clean({
        OTEL_BSP_SCHEDULE_DELAY: '1000',
        OTEL_BSP_EXPORT_TIMEOUT: '2000',
        OTEL_BSP_MAX_QUEUE_SIZE: '4096',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1024',
      });
      assert.deepEqual(config.batch, { scheduleDelayMs: 1000, exportTimeoutMs: 2000, maxQueueSize: 4096, maxExportBatchSize: 1024 });
      assert.deepEqual(clean({}).batch, { scheduleDelayMs: 5000, exportTimeoutMs: 30000, maxQueueSize: 2048, maxExportBatchSize: 512 });
    });

    const defaults: Record<string, number> = {
      OTEL_BSP_SCHEDULE_DELAY: 5000,
      OTEL_BSP_EXPORT_TIMEOUT: 30000,
      OTEL_BSP_MAX_QUEUE_SIZE: 2048,
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 512,
    };
    for (const [name, fallback] of Object.entries(defaults)) {
      it(`warns and uses ${fallback} for a malformed or non-positive ${name}`, () => {
        for (const bad of ['abc', '0', '-5', '2.5', '99999999999']) {
          const { config, warning } = warnedOnce({ [name]: bad }, name);
          const values = Object.values(config.batch);
          assert.deepEqual(values, Object.values(DEFAULTS.batch), `${name}=${bad}`);
          assert.ok(warning.includes(JSON.stringify(bad)) && warning.endsWith(`using ${fallback}`), warning);
        }
      });
    }

    it('clamps a batch size larger than the queue size, with a warning', () => {
      const { config, warning } = warnedOnce(
        { OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '200' },
        'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
      );
      assert.equal(config.batch.maxQueueSize, 100);
      assert.equal(config.batch.maxExportBatchSize, 100);
      assert.match(warning, /OTEL_BSP_MAX_QUEUE_SIZE.*using 100$/);
    });

    it('clamps the default batch size to a small queue silently', () => {
      assert.equal(clean({ OTEL_BSP_MAX_QUEUE_SIZE: '100' }).batch.maxExportBatchSize, 100);
    });

    it('gives a malformed batch size one warning even when the queue is small', () => {
      const { config, warning } = warnedOnce(
        { OTEL_BSP_MAX_QUEUE_SIZE: '64', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 'lots' },
        'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
      );
      assert.equal(config.batch.maxExportBatchSize, 64);
      assert.match(warning, /using 64$/);
    });
  });

  describe('span limits', () => {
    it('has the spec defaults', () => {
      assert.deepEqual(clean({}).limits, {
        attributeValueLengthLimit: Infinity,
        attributeCountLimit: 128,
        eventCountLimit: 128,
        linkCountLimit: 128,
        eventAttributeCountLimit: 128,
        linkAttributeCountLimit: 128,
      });
    });

    it('applies the generic limits to spans, events and links', () => {
      const config = clean({ OTEL_ATTRIBUTE_COUNT_LIMIT: '10', OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '256' });
      assert.equal(config.limits.attributeCountLimit, 10);
      assert.equal(config.limits.eventAttributeCountLimit, 10);
      assert.equal(config.limits.linkAttributeCountLimit, 10);
      assert.equal(config.limits.attributeValueLengthLimit, 256);
      assert.equal(config.limits.eventCountLimit, 128);
    });

    it('lets the specific limits win over the generic ones', () => {
      const config = clean({
        OTEL_ATTRIBUTE_COUNT_LIMIT: '10',
        OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '256',
        OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '20',
        OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '512',
        OTEL_SPAN_EVENT_COUNT_LIMIT: '5',
        OTEL_SPAN_LINK_COUNT_LIMIT: '6',
        OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: '7',
        OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: '0',
      });
      assert.deepEqual(config.limits, {
        attributeValueLengthLimit: 512,
        attributeCountLimit: 20,
        eventCountLimit: 5,
        linkCountLimit: 6,
        eventAttributeCountLimit: 7,
        linkAttributeCountLimit: 0,
      });
    });

    it('warns once about a malformed generic limit used by several specific ones', () => {
      const { config, warning } = warnedOnce({ OTEL_ATTRIBUTE_COUNT_LIMIT: 'many' }, 'OTEL_ATTRIBUTE_COUNT_LIMIT');
      assert.deepEqual(config.limits, DEFAULTS.limits);
      assert.match(warning, /"many" is not a non-negative integer; using 128$/);
    });

    it('falls back to the generic limit when a specific one is malformed', () => {
      const { config } = warnedOnce(
        { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '100', OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '-1' },
        'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT',
      );
      assert.equal(config.limits.attributeValueLengthLimit, 100);
      const unlimited = warnedOnce({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: 'big' }, 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT');
      assert.match(unlimited.warning, /using no limit$/);
    });

    for (const name of ['OTEL_SPAN_EVENT_COUNT_LIMIT', 'OTEL_SPAN_LINK_COUNT_LIMIT', 'OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', 'OTEL_LINK_ATTRIBUTE_COUNT_LIMIT']) {
      it(`warns and uses 128 for a malformed ${name}`, () => {
        const { config, warning } = warnedOnce({ [name]: '1.5' }, name);
        assert.deepEqual(config.limits, DEFAULTS.limits);
        assert.match(warning, /using 128$/);
      });
    }
  });

  describe('instrumentation selection', () => {
    it('parses the enabled and disabled lists, trimmed and lower-cased', () => {
      const config = clean({
        OTEL_NODE_ENABLED_INSTRUMENTATIONS: ' HTTP , Express,,http',
        OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'PG, redis',
      });
      assert.deepEqual(config.enabledInstrumentations, ['http', 'express']);
      assert.deepEqual(config.disabledInstrumentations, ['pg', 'redis']);
    });

    it('treats an empty enabled list as all enabled', () => {
      assert.equal(clean({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: ' , ,' }).enabledInstrumentations, undefined);
      assert.equal(clean({}).enabledInstrumentations, undefined);
      assert.deepEqual(clean({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: ',' }).disabledInstrumentations, []);
    });
  });

  describe('HTTP instrumentation settings', () => {
    it('keeps excluded URL patterns as trimmed strings', () => {
      const config = clean({ OTEL_NODE_EXCLUDED_URLS: ' /health , /Metrics*,,/ready ' });
      assert.deepEqual(config.http.excludedUrls, ['/health', '/Metrics*', '/ready']);
    });

    it('lower-cases the captured header lists', () => {
      const config = clean({
        OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_REQUEST_HEADERS: 'X-Request-ID, User-Agent',
        OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_RESPONSE_HEADERS: 'Content-Type',
        OTEL_INSTRUMENTATION_HTTP_CLIENT_CAPTURE_REQUEST_HEADERS: 'X-Tenant',
        OTEL_INSTRUMENTATION_HTTP_CLIENT_CAPTURE_RESPONSE_HEADERS: 'Server,server',
      });
      assert.deepEqual(config.http.serverRequestHeaders, ['x-request-id', 'user-agent']);
      assert.deepEqual(config.http.serverResponseHeaders, ['content-type']);
      assert.deepEqual(config.http.clientRequestHeaders, ['x-tenant']);
      assert.deepEqual(config.http.clientResponseHeaders, ['server']);
    });

    it('drops an invalid header name with one warning', () => {
      const name = 'OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_REQUEST_HEADERS';
      const { config, warning } = warnedOnce({ [name]: 'x-ok, bad header' }, name);
      assert.deepEqual(config.http.serverRequestHeaders, ['x-ok']);
      assert.match(warning, /"bad header"/);
    });

    it('upper-cases known methods, which replace the default list', () => {
      assert.deepEqual(clean({}).http.knownMethods, [
        'CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', 'QUERY',
      ]);
      assert.deepEqual(clean({ OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS: 'get, post,PURGE' }).http.knownMethods, [
        'GET', 'POST', 'PURGE',
      ]);
      const { config } = warnedOnce({ OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS: 'G E T' }, 'OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS');
      assert.deepEqual(config.http.knownMethods, DEFAULTS.http.knownMethods);
    });

    it('adds redacted query parameters to the defaults, keeping case', () => {
      const defaults = clean({}).http.redactedQueryParams;
      for (const name of ['AWSAccessKeyId', 'Signature', 'sig', 'X-Goog-Signature', 'X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token', 'token', 'access_token', 'signature']) {
        assert.ok(defaults.includes(name), name);
      }
      const config = clean({ OTEL_NODE_REDACTED_QUERY_PARAMS: 'apiKey, sig ,Password' });
      assert.deepEqual(config.http.redactedQueryParams, [...DEFAULTS.http.redactedQueryParams, 'apiKey', 'Password']);
    });
  });
});

describe('config: "did you mean" suggestions', () => {
  describe('editDistance', () => {
    it('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
      assert.equal(editDistance('console', 'console'), 0);
      assert.equal(editDistance('consle', 'console'), 1); // insertion
      assert.equal(editDistance('consolee', 'console'), 1); // deletion
      assert.equal(editDistance('consolo', 'console'), 1); // substitution
      assert.equal(editDistance('grcp', 'grpc'), 1); // swap
      assert.equal(editDistance('', 'otlp'), 4);
      assert.equal(editDistance('kitten', 'sitting'), 3);
      // Optimal string alignment: a swapped pair is not edited again (true Damerau-Levenshtein says 2).
      assert.equal(editDistance('ca', 'abc'), 3);
    });
  });

  describe('closest', () => {
    const exporters = ['otlp', 'console', 'none'];

    it('suggests the known value a typo is closest to, case-insensitively', () => {
      assert.equal(closest('consle', exporters), 'console');
      assert.equal(closest('CONSLE', exporters), 'console');
      assert.equal(closest('otpl', exporters), 'otlp');
      assert.equal(closest('http/protbuf', ['http/protobuf', 'http/json', 'grpc']), 'http/protobuf');
      assert.equal(closest('parentbased_alwayson', ['always_on', 'parentbased_always_on', 'parentbased_always_off']), 'parentbased_always_on');
    });

    it('suggests nothing when nothing is close, or when the value is known', () => {
      assert.equal(closest('zipkin', exporters), undefined);
      assert.equal(closest('jaeger', exporters), undefined);
      assert.equal(closest('otlp', exporters), undefined);
      assert.equal(closest('OTLP', exporters), undefined);
      assert.equal(closest('', exporters), undefined);
      assert.equal(closest('x'.repeat(100_000), exporters), undefined);
    });

    it('allows one edit for short words and about a third of the length for longer ones', () => {
      assert.equal(closest('b4', ['b3']), 'b3');
      assert.equal(closest('c4', ['b3']), undefined); // two edits of a two-letter word
      assert.equal(closest('b3', ['b3multi']), undefined);
      assert.equal(closest('tracecntxt', ['tracecontext']), 'tracecontext'); // two edits of twelve letters
      assert.equal(closest('tracexxxxxxx', ['tracecontext']), undefined); // six
    });

    it('prefers the nearest candidate, and the earlier one on a tie', () => {
      assert.equal(closest('http/jsn', ['http/protobuf', 'http/json']), 'http/json');
      assert.equal(closest('ab', ['ax', 'xb']), 'ax');
    });

    it('didYouMean phrases the suggestion, or says nothing', () => {
      assert.equal(didYouMean('grcp', ['http/protobuf', 'grpc']), ' (did you mean grpc?)');
      assert.equal(didYouMean('kafka', ['http/protobuf', 'grpc']), '');
    });
  });

  describe('in the warnings of the enumerated variables', () => {
    const typos: [variable: string, typo: string, suggestion: string][] = [
      ['OTEL_TRACES_EXPORTER', 'consle', 'console'],
      ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grcp', 'grpc'],
      ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'http/protobf', 'http/protobuf'],
      ['OTEL_EXPORTER_OTLP_COMPRESSION', 'gzp', 'gzip'],
      ['OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', 'nnoe', 'none'],
      ['OTEL_TRACES_SAMPLER', 'parentbased_traceidration', 'parentbased_traceidratio'],
      ['OTEL_PROPAGATORS', 'b3mutli', 'b3multi'],
      ['OTEL_LOG_LEVEL', 'debg', 'debug'],
      ['OTELITE_CONSOLE_FORMAT', 'jsn', 'json'],
      ['OTEL_SDK_DISABLED', 'ture', 'true'],
      ['OTEL_NODE_DB_REQUIRE_PARENT_SPAN', 'flase', 'false'],
    ];
    for (const [variable, typo, suggestion] of typos) {
      it(`${variable}=${typo}: did you mean ${suggestion}?`, () => {
        const { warning } = warnedOnce({ [variable]: typo }, variable);
        assert.ok(warning.includes(`(did you mean ${suggestion}?)`), warning);
      });
    }

    it('says it once per unknown list entry, next to the entry', () => {
      const { config, warning } = warnedOnce({ OTEL_PROPAGATORS: 'tracecontext,baggag,zipkin,b3mutli' }, 'OTEL_PROPAGATORS');
      assert.deepEqual(config.propagators, ['tracecontext']);
      assert.equal(
        warning,
        'OTEL_PROPAGATORS="tracecontext,baggag,zipkin,b3mutli" has unsupported value(s) baggag (did you mean baggage?), ' +
          'zipkin, b3mutli (did you mean b3multi?) (supported: tracecontext, baggage, b3, b3multi, or none alone); using tracecontext',
      );
    });

    it('gives the whole warning for the issue\'s example', () => {
      const { config, warning } = warnedOnce({ OTEL_TRACES_EXPORTER: 'consle' }, 'OTEL_TRACES_EXPORTER');
      assert.deepEqual(config.tracesExporters, ['otlp']);
      assert.equal(
        warning,
        'OTEL_TRACES_EXPORTER="consle" has unsupported value(s) consle (did you mean console?) ' +
          '(supported: otlp, console, or none alone); using otlp',
      );
    });

    it('suggests nothing for a value close to no known one', () => {
      for (const [variable, value] of [
        ['OTEL_TRACES_EXPORTER', 'zipkin'],
        ['OTEL_EXPORTER_OTLP_PROTOCOL', 'kafka'],
        ['OTEL_LOG_LEVEL', 'loud'],
        ['OTEL_SDK_DISABLED', '1'],
      ]) {
        const { warning } = warnedOnce({ [variable]: value }, variable);
        assert.doesNotMatch(warning, /did you mean/, warning);
      }
    });

    it('reports each warning also as an issue record: variable, value as shown, problem, outcome', () => {
      const { warnings, issues } = readConfig({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grcp',
        OTEL_EXPORTER_OTLP_HEADERS: 'secret-key',
        OTEL_RESOURCE_ATTRIBUTES: 'a=1,b',
      });
      assert.equal(issues.length, 3);
      const protocol = issues.find((i) => i.variable === 'OTEL_EXPORTER_OTLP_PROTOCOL');
      assert.deepEqual(protocol, {
        variable: 'OTEL_EXPORTER_OTLP_PROTOCOL',
        shown: '"grcp"',
        problem: 'is not one of http/protobuf, http/json, grpc (did you mean grpc?)',
        outcome: 'using http/protobuf',
      });
      const headers = issues.find((i) => i.variable === 'OTEL_EXPORTER_OTLP_HEADERS');
      assert.equal(headers?.shown, undefined, 'a secret value is never shown');
      assert.equal(issues.find((i) => i.variable === 'OTEL_RESOURCE_ATTRIBUTES')?.outcome, 'dropped it');
      for (const issue of issues) {
        const subject = issue.shown === undefined ? issue.variable : `${issue.variable}=${issue.shown}`;
        assert.ok(warnings.includes(`${subject} ${issue.problem}; ${issue.outcome}`), JSON.stringify(issue));
      }
    });
  });
});
