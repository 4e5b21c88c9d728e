import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROTOCOLS } from '../kit/exporter-harness';
import type { DecodedLogRecord } from '../kit/otlp-decoder';
import { startReceiver, type Receiver, type ReceiverOptions } from '../kit/otlp-receiver';
import { FIXTURES, REPO_ROOT } from '../kit/paths';
import { runApp, startApp, type ExitInfo } from '../kit/process';
import { closedPort } from '../kit/servers';
import { versionSetDir } from '../kit/versions';

const APP_CJS = path.join(FIXTURES, 'logs', 'app.cjs');
const APP_MJS = path.join(FIXTURES, 'logs', 'app.mjs');

/** The app's environment: logs only, to `endpoint` over `protocol`. */
function logsEnv(endpoint: string, protocol: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OTEL_SERVICE_NAME: 'logs-e2e',
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: endpoint,
    OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT: '1000',
    ...extra,
  };
}

const byBody = (records: DecodedLogRecord[], body: string): DecodedLogRecord => {
  const found = records.filter((r) => r.body === body || (r.body as { message?: unknown } | undefined)?.message === body);
  assert.equal(found.length, 1, `one record "${body}" in ${JSON.stringify(records.map((r) => r.body), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
  return found[0]!;
};

async function withReceiver<T>(options: ReceiverOptions, run: (rx: Receiver) => Promise<T>): Promise<T> {
  const rx = await startReceiver(options);
  try {
    return await run(rx);
  } finally {
    await rx.close();
  }
}

describe('logs: an app using @opentelemetry/api-logs, exported over OTLP (e2e)', function () {
  this.timeout(60_000);

  for (const protocol of PROTOCOLS) {
    for (const [preload, file] of [['--require', APP_CJS], ['--import', APP_MJS]] as const) {
      it(`${protocol}, ${preload}: every record, with the span's ids inside the span, hostile values converted`, () =>
        withReceiver({ protocol }, async (rx) => {
          const result = await runApp({ file, preload, env: logsEnv(rx.logsEndpoint, protocol) });
          assert.equal(result.code, 0, result.stderr);
          assert.doesNotMatch(result.stderr, /otelite (warn|error)/);
          const [, traceId, spanId, flags] = /SPAN (\w+) (\w+) (\d+)/.exec(result.stdout) ?? [];
          const records = rx.logs;
          assert.equal(records.length, 4);
          assert.ok(rx.requests.every((r) => r.signal === 'logs'));

          const outside = byBody(records, 'outside');
          assert.equal(outside.severityNumber, 9);
          assert.equal(outside.severityText, 'INFO');
          assert.deepEqual(outside.attributes, { 'user.id': 42, ok: true });
          assert.equal(outside.traceId, '');
          assert.equal(outside.spanId, '');
          assert.ok(outside.timeUnixNano > 0n && outside.observedTimeUnixNano >= outside.timeUnixNano);
          assert.equal(outside.scope.name, 'app');
          assert.equal(outside.scope.version, '2.0.0');
          assert.equal(outside.resource.attributes['service.name'], 'logs-e2e');

          const inside = byBody(records, 'inside');
          assert.equal(inside.traceId, traceId);
          assert.equal(inside.spanId, spanId);
          assert.equal(inside.flags, Number(flags));
          assert.equal(inside.severityNumber, 17);
          assert.equal(inside.timeUnixNano, BigInt(Date.parse('2024-01-02T03:04:05.678Z')) * 1_000_000n);
          assert.deepEqual(inside.body, { message: 'inside', nested: { n: 1.5, list: [1, 'two'] } });
          assert.equal(inside.bodyType, 'kvlist');

          const event = byBody(records, 'event');
          assert.equal(event.severityNumber, 5);
          if (protocol === 'http/json') assert.equal(event.eventName, 'app.started');

          const hostile = byBody(records, 'hostile');
          assert.deepEqual(hostile.attributes['circular'], { name: 'loop', self: '[Circular]' });
          assert.deepEqual(hostile.attributes['throwing'], { bad: '[Unreadable]' });
          assert.equal(hostile.attributes['symbol'], 'Symbol(s)');
          assert.equal(hostile.attributes['big'], (2n ** 70n).toString());
          assert.equal(hostile.attributes['small'], 7);
          assert.equal(hostile.attributes['huge'], 'x'.repeat(1000));
          assert.ok(!('fn' in hostile.attributes));
        }));
    }
  }

  it("other copies of @opentelemetry/api-logs in the app (other versions, a transport's own) reach the agent's provider", () =>
    withReceiver({ protocol: 'http/protobuf' }, async (rx) => {
      const modules = path.join(versionSetDir('current'), 'node_modules');
      const copies = [
        path.join(modules, '@opentelemetry', 'api-logs'),
        path.join(modules, 'pino-opentelemetry-transport', 'node_modules', '@opentelemetry', 'api-logs'),
      ];
      const packageOf = (dir: string): { version: string; dependencies: Record<string, string> } =>
        JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
      const versions = copies.map((dir) => packageOf(dir).version);
      const agents = packageOf(REPO_ROOT).dependencies['@opentelemetry/api-logs'];
      assert.equal(new Set(versions).size, 2, `two different versions: ${versions.join(', ')}`);
      assert.ok(versions.every((v) => `^${v}` !== agents), `neither is the agent's own (${agents})`);
      const result = await runApp({
        file: path.join(FIXTURES, 'logs', 'other-copy.cjs'),
        preload: '--require',
        env: logsEnv(rx.logsEndpoint, 'http/protobuf', { API_LOGS_COPIES: copies.join(',') }),
      });
      assert.equal(result.code, 0, result.stderr);
      for (const version of versions) {
        const record = byBody(rx.logs, `from api-logs ${version}`);
        const spanId = new RegExp(`SPAN ${version.replace(/\./g, '\\.')} (\\w+)`).exec(result.stdout)?.[1];
        assert.equal(record.spanId, spanId);
      }
    }));

  it('OTEL_LOGS_EXPORTER=none: nothing is sent, and emitting still works', () =>
    withReceiver({ protocol: 'http/protobuf' }, async (rx) => {
      const result = await runApp({ file: APP_CJS, preload: '--require', env: logsEnv(rx.logsEndpoint, 'http/protobuf', { OTEL_LOGS_EXPORTER: 'none' }) });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /EMITTED/);
      assert.equal(rx.requests.length, 0);
    }));

  it('console: one readable line per record on stdout, with the ids inside the span', async () => {
    const result = await runApp({ file: APP_CJS, preload: '--require', env: logsEnv('http://unused', 'http/protobuf', { OTEL_LOGS_EXPORTER: 'console', HUGE_LENGTH: '10' }) });
    assert.equal(result.code, 0, result.stderr);
    const [, traceId, spanId] = /SPAN (\w+) (\w+)/.exec(result.stdout) ?? [];
    const lines = result.stdout.split('\n').filter((l) => /^\d{4}-\d\d-\d\dT/.test(l));
    assert.equal(lines.length, 4, result.stdout);
    assert.match(lines[0]!, /^\S+Z INFO  \[app\] outside user\.id=42 ok=true$/);
    assert.match(lines[1]!, new RegExp(`^2024-01-02T03:04:05.678Z error \\[app\\] \\{"message":"inside".* http\\.route=/work trace=${traceId} span=${spanId}$`));
    assert.match(lines[2]!, /DEBUG \[app\] event=app\.started event$/);
    assert.match(lines[3]!, /WARN  \[app\] hostile circular=\{"name":"loop","self":"\[Circular\]"\}/);
  });

  it('console with OTELITE_CONSOLE_FORMAT=json: one JSON line per record', async () => {
    const result = await runApp({
      file: APP_CJS,
      preload: '--require',
      env: logsEnv('http://unused', 'http/protobuf', { OTEL_LOGS_EXPORTER: 'console', OTELITE_CONSOLE_FORMAT: 'json', HUGE_LENGTH: '10' }),
    });
    assert.equal(result.code, 0, result.stderr);
    const records = result.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(records.length, 4);
    assert.deepEqual(records[3]!['attributes'], {
      circular: { name: 'loop', self: '[Circular]' },
      throwing: { bad: '[Unreadable]' },
      symbol: 'Symbol(s)',
      big: (2n ** 70n).toString(),
      small: '7',
      huge: 'xxxxxxxxxx',
    });
    assert.equal(records[0]!['service'], 'logs-e2e');
    assert.equal(typeof records[1]!['traceId'], 'string');
  });
});

describe('logs: the collector misbehaves, the app does not notice (e2e)', function () {
  this.timeout(60_000);

  const emittedAt = (result: ExitInfo): void => assert.match(result.stdout, /EMITTED/);

  it('collector down: the app ends within 1 s of its run without the agent, and one line names the endpoint, the cause and the loss', async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}/v1/logs`;
    const timed = async (preload: '--require' | 'none') => {
      const started = Date.now();
      const result = await runApp({ file: APP_CJS, preload, env: logsEnv(endpoint, 'http/protobuf') });
      return { result, ms: Date.now() - started };
    };
    const bare = await timed('none');
    const logged = await timed('--require');
    assert.equal(logged.result.code, 0, logged.result.stderr);
    emittedAt(logged.result);
    assert.ok(logged.ms < bare.ms + 1_000, `with the agent ${logged.ms} ms, without ${bare.ms} ms`);
    const lines = logged.result.stderr.split('\n').filter((l) => l.startsWith('otelite'));
    assert.deepEqual(lines, [
      `otelite warn: logs export to ${endpoint} failed: nothing listens on 127.0.0.1:${port}: is the collector running ` +
        '(OTLP/HTTP usually listens on 4318)?; 4 log records lost (said once for this kind of failure; later losses are counted)',
    ]);
  });

  it('503 with Retry-After: waits, retries, and delivers the batch once', () => {
    let answered = 0;
    return withReceiver({ protocol: 'http/protobuf', respond: () => (answered++ === 0 ? { status: 503, retryAfter: '1' } : undefined) }, async (rx) => {
      const result = await runApp({ file: APP_CJS, preload: '--require', env: logsEnv(rx.logsEndpoint, 'http/protobuf') });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(rx.requests.length, 2);
      assert.equal(rx.requests[0]!.reply.status, 503);
      assert.equal(rx.logs.length, 4);
      assert.doesNotMatch(result.stderr, /dropp|lost/);
    });
  });

  it('a collector that hangs: the app logs without waiting and exits within the export timeout', () =>
    withReceiver({ protocol: 'http/protobuf', respond: () => ({ hang: true }) }, async (rx) => {
      const started = Date.now();
      const app = startApp({ file: APP_CJS, preload: '--require', env: logsEnv(rx.logsEndpoint, 'http/protobuf', { OTEL_EXPORTER_OTLP_TIMEOUT: '500', OTEL_BLRP_SCHEDULE_DELAY: '10' }) });
      const result = await app.exited;
      assert.equal(result.code, 0, result.stderr);
      emittedAt(result);
      assert.ok(Date.now() - started < 4_000, `took ${Date.now() - started} ms`);
      assert.equal(rx.logs.length, 0);
      assert.ok(rx.requests.length >= 1);
      assert.match(result.stderr, /4 log records lost/);
    }));

  it('a burst beyond the queue: emit never blocks, the drops are counted and reported once', () =>
    withReceiver({ protocol: 'http/protobuf' }, async (rx) => {
      const result = await runApp({
        file: path.join(FIXTURES, 'logs', 'burst.cjs'),
        preload: '--require',
        env: logsEnv(rx.logsEndpoint, 'http/protobuf', { OTEL_BLRP_MAX_QUEUE_SIZE: '100', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '50', BURST: '1000' }),
      });
      assert.equal(result.code, 0, result.stderr);
      // The whole burst runs in one synchronous loop: the queue holds 100, the rest is dropped.
      assert.equal(rx.logs.length, 100);
      const lines = result.stderr.split('\n').filter((l) => l.startsWith('otelite'));
      assert.match(lines[0]!, /log record queue is full \(OTEL_BLRP_MAX_QUEUE_SIZE=100\): dropping log records/);
      assert.match(lines[lines.length - 1]!, /899 more log records dropped since the last report \(900 in total\)/);
      const [, ms] = /BURST (\d+(?:\.\d+)?) ms/.exec(result.stdout) ?? [];
      assert.ok(Number(ms) < 500, `the burst took ${ms} ms`);
    }));
});
