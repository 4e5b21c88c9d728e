import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readConfig, type Config } from '../../src/config';
import { startReceiver } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { runApp } from '../kit/process';

/**
 * Every OTEL_* variable the agent reads, with empty, out-of-range and wrong-type values: each
 * malformed one gives exactly one warning, on one line, naming the variable (its value quoted
 * and cut short, never for a header variable), and the configuration falls back to the safe
 * default, exactly what it would be with the variable unset. Empty means unset: no warning.
 * Then all of them at once in a real process: the app runs and exports normally, and stderr has
 * one warning line per variable and nothing else.
 */

type Kind = 'bool' | 'positive' | 'nonNegative' | 'ratio' | 'enum' | 'names' | 'url' | 'keyValue' | 'headers' | 'tokens' | 'free';

const VARIABLES: Record<string, Kind> = {
  OTEL_SDK_DISABLED: 'bool',
  OTEL_NODE_DB_REQUIRE_PARENT_SPAN: 'bool',
  OTEL_BSP_SCHEDULE_DELAY: 'positive',
  OTEL_BSP_EXPORT_TIMEOUT: 'positive',
  OTEL_BSP_MAX_QUEUE_SIZE: 'positive',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 'positive',
  OTEL_EXPORTER_OTLP_TIMEOUT: 'nonNegative',
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: 'nonNegative',
  OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: 'nonNegative',
  OTEL_ATTRIBUTE_COUNT_LIMIT: 'nonNegative',
  OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: 'nonNegative',
  OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: 'nonNegative',
  OTEL_SPAN_EVENT_COUNT_LIMIT: 'nonNegative',
  OTEL_SPAN_LINK_COUNT_LIMIT: 'nonNegative',
  OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: 'nonNegative',
  OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: 'nonNegative',
  OTEL_TRACES_SAMPLER_ARG: 'ratio',
  OTEL_LOG_LEVEL: 'enum',
  OTELITE_CONSOLE_FORMAT: 'enum',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'enum',
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'enum',
  OTEL_EXPORTER_OTLP_COMPRESSION: 'enum',
  OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'enum',
  OTEL_TRACES_SAMPLER: 'enum',
  OTEL_TRACES_EXPORTER: 'names',
  OTEL_PROPAGATORS: 'names',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'url',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'url',
  OTEL_RESOURCE_ATTRIBUTES: 'keyValue',
  OTEL_EXPORTER_OTLP_HEADERS: 'headers',
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'headers',
  OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_REQUEST_HEADERS: 'tokens',
  OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_RESPONSE_HEADERS: 'tokens',
  OTEL_INSTRUMENTATION_HTTP_CLIENT_CAPTURE_REQUEST_HEADERS: 'tokens',
  OTEL_INSTRUMENTATION_HTTP_CLIENT_CAPTURE_RESPONSE_HEADERS: 'tokens',
  OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS: 'tokens',
  // Free text or free lists: any value is accepted as given.
  OTEL_SERVICE_NAME: 'free',
  OTEL_EXPORTER_OTLP_CERTIFICATE: 'free',
  OTEL_EXPORTER_OTLP_CLIENT_KEY: 'free',
  OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: 'free',
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'free',
  OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'free',
  OTEL_NODE_EXCLUDED_URLS: 'free',
  OTEL_NODE_REDACTED_QUERY_PARAMS: 'free',
};

const HUGE = 'x'.repeat(100_000);
/** Many malformed entries in one list. */
const MANY = (entry: string) => Array.from({ length: 5000 }, (_, i) => `${entry}${i}`).join(',');
/** A value that tries to forge a log line of its own. */
const FORGED = 'bad\notelite error: forged line';

/** Wrong types and junk that no kind accepts. */
const JUNK = ['abc', 'NaN', '\u0000', 'true\u0000', '\u{1f600}', HUGE, FORGED, '"5"', '5 5', '１０'];

const BAD: Record<Exclude<Kind, 'free'>, string[]> = {
  bool: [...JUNK, '1', '0', 'yes', 'on', 'TRUE1', 'truee'],
  positive: [...JUNK, '0', '-1', '1.5', '1e3', '0x10', 'Infinity', '2147483648', '99999999999999999999', '--1', '+'],
  nonNegative: [...JUNK, '-1', '-0.5', '1.5', '1e3', '0x10', 'Infinity', '2147483648', '99999999999999999999'],
  ratio: [...JUNK, '-0.1', '1.0001', '2', '1e1', 'Infinity', '0x1', '.', '1/2'],
  enum: [...JUNK, 'none2', 'http', 'grpc2', 'always'],
  names: [...JUNK, 'zipkin', 'none;otlp', 'jaeger,,xray', MANY('zipkin')],
  url: [...JUNK, 'ftp://host', 'http://', '//host:4318', 'http://[::1', 'javascript:alert(1)', 'localhost:4318'],
  keyValue: ['abc', '=b', 'a=%ZZ', '%E0%A4%A=x', HUGE, FORGED, ',=', MANY('junk')],
  headers: ['abc', '=b', 'a=%ZZ', 'k y=v', 'k=v\u0000', HUGE, FORGED, MANY('junk')],
  tokens: ['a b', 'é', 'x\u0000', '(x)', FORGED, 'a b,c d', MANY('a b')],
};

/** The environment in which a variable is read at all (the ratio only with a ratio sampler). */
const CONTEXT: Record<string, Record<string, string>> = {
  OTEL_TRACES_SAMPLER_ARG: { OTEL_TRACES_SAMPLER: 'traceidratio' },
};

describe('reliability: every OTEL_* variable with hostile values', function () {
  this.timeout(60_000);

  for (const [name, kind] of Object.entries(VARIABLES)) {
    it(`${name} (${kind}): one single-line warning and the default, or accepted as free text`, () => {
      const context = CONTEXT[name] ?? {};
      const reference: Config = readConfig(context).config;
      assert.deepEqual(readConfig(context).warnings, []);
      for (const empty of ['', ' ', '\t\t']) {
        const { config, warnings } = readConfig({ ...context, [name]: empty });
        assert.deepEqual(warnings, [], `${JSON.stringify(empty)} counts as unset`);
        assert.deepEqual(config, reference);
      }
      if (kind === 'free') {
        for (const value of JUNK) assert.deepEqual(readConfig({ ...context, [name]: value }).warnings, [], `${name} takes any text`);
        return;
      }
      for (const value of BAD[kind]) {
        const shown = JSON.stringify(value.slice(0, 40));
        let result: ReturnType<typeof readConfig>;
        assert.doesNotThrow(() => (result = readConfig({ ...context, [name]: value })));
        const { config, warnings } = result!;
        assert.equal(warnings.length, 1, `${name}=${shown}: ${JSON.stringify(warnings).slice(0, 300)}`);
        const warning = warnings[0]!;
        assert.ok(warning.startsWith(`${name}=`) || warning.startsWith(`${name} `), warning.slice(0, 200));
        assert.ok(!/[\r\n\u0000]/.test(warning), `${name}=${shown}: the warning is one line: ${JSON.stringify(warning.slice(0, 200))}`);
        assert.ok(warning.length < 600, `${name}=${shown}: the warning is short (${warning.length} chars)`);
        const headerValue = value.slice(value.indexOf('=') + 1);
        if (kind === 'headers' && headerValue.length >= 4) assert.ok(!warning.includes(headerValue.slice(0, 20)), `no header value in: ${warning}`);
        assert.deepEqual(config, reference, `${name}=${shown}: the default is used`);
      }
    });
  }

  it('all of them at once in a real process: the app runs and exports, one warning line per variable, nothing else', async () => {
    const receiver = await startReceiver({ protocol: 'http/protobuf' });
    try {
      // A hostile value for every variable, except the traces endpoint, which must stay usable.
      const hostile: Record<string, string> = {};
      for (const [name, kind] of Object.entries(VARIABLES)) {
        if (kind === 'free' || name === 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') continue;
        hostile[name] = kind === 'tokens' ? 'a b' : kind === 'headers' || kind === 'keyValue' ? 'junk' : 'not-valid';
      }
      const exit = await runApp({
        file: path.join(FIXTURES, 'api-app.cjs'),
        preload: '--require',
        env: { ...hostile, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: receiver.metricsEndpoint },
      });
      assert.equal(exit.code, 0, exit.stderr);
      assert.match(exit.stdout, /DONE/);
      assert.equal(receiver.spans.length, 3, 'the app\'s spans are exported');
      // OTEL_LOG_LEVEL is junk too: the default level (warn) is used, so neither the start-up line nor the first export is said.
      const lines = exit.stderr.split('\n').filter((l) => l !== '');
      for (const name of Object.keys(hostile)) {
        // OTEL_TRACES_SAMPLER_ARG is only read with a ratio sampler; the sampler is junk here.
        if (name === 'OTEL_TRACES_SAMPLER_ARG') continue;
        assert.equal(lines.filter((l) => l.startsWith(`otelite warn: ${name}=`) || l.startsWith(`otelite warn: ${name} `)).length, 1, `one warning for ${name}:\n${exit.stderr}`);
      }
      assert.equal(lines.length, Object.keys(hostile).length - 1, `nothing else on stderr:\n${exit.stderr}`);
    } finally {
      await receiver.close();
    }
  });
});
