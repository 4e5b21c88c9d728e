import assert from 'node:assert/strict';
import * as path from 'node:path';
import { KIND_SERVER, type DecodedLogRecord, type DecodedSpan } from '../kit/otlp-decoder';
import { startReceiver, type ReceiverProtocol } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { startApp } from '../kit/process';
import { versionSetDir, type VersionSet } from '../kit/versions';

/**
 * What the pino, winston and bunyan integration tests share: the fixture server
 * (test/fixtures/logger-app.cjs) run with the agent, one GET per record kind, and what came out:
 * the logger's own stdout lines, the spans and the log records the agent exported.
 */
export type LoggerName = 'pino' | 'winston' | 'bunyan';
export type Flavour = 'cjs' | 'esm';

export interface LoggerRun {
  /** The logger's JSON lines on stdout, parsed, in order. */
  lines: Array<Record<string, unknown>>;
  /** The same lines as written. */
  raw: string[];
  spans: DecodedSpan[];
  logs: DecodedLogRecord[];
  port: number;
  stderr: string;
}

export interface LoggerAppOptions {
  logger: LoggerName;
  set: VersionSet;
  flavour: Flavour;
  /** The kinds to request, one GET /<kind> each (the app also logs `outside` before listening). */
  kinds: readonly string[];
  env?: Record<string, string>;
  protocol?: ReceiverProtocol;
  /** The fixture file, when not app.cjs / app.mjs. */
  file?: string;
}

export async function runLoggerApp(options: LoggerAppOptions): Promise<LoggerRun> {
  const receiver = await startReceiver({ protocol: options.protocol ?? 'http/protobuf' });
  const app = startApp({
    file: path.join(FIXTURES, options.logger, options.file ?? (options.flavour === 'esm' ? 'app.mjs' : 'app.cjs')),
    preload: options.flavour === 'esm' ? '--import' : '--require',
    env: {
      OTEL_SERVICE_NAME: `${options.logger}-${options.set}-${options.flavour}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: options.protocol ?? 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.logsEndpoint,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_BLRP_SCHEDULE_DELAY: '50',
      OTELITE_TEST_VERSION_SET_DIR: versionSetDir(options.set),
      ...options.env,
    },
  });
  try {
    const [, port] = await app.waitForOutput(/LISTENING (\d+)/, 15_000);
    for (const kind of options.kinds) {
      const response = await fetch(`http://127.0.0.1:${port}/${kind}`);
      assert.equal(await response.text(), 'ok');
    }
    app.kill('SIGTERM');
    const exit = await app.exited;
    assert.equal(exit.code, 0, exit.stderr);
    assert.doesNotMatch(exit.stderr, /instrumentation "[^"]+" failed/, exit.stderr);
    const raw = exit.stdout.split('\n').filter((line) => line.startsWith('{'));
    const lines = raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    return { lines, raw, spans: [...receiver.spans], logs: [...receiver.logs], port: Number(port), stderr: exit.stderr };
  } finally {
    app.kill('SIGKILL');
    await receiver.close();
  }
}

/** The one line of a kind. */
export function lineOf(run: LoggerRun, kind: string): Record<string, unknown> {
  const found = run.lines.filter((line) => line.kind === kind);
  assert.equal(found.length, 1, `one line of kind ${kind}; got ${found.length} in\n${JSON.stringify(run.lines, null, 1)}`);
  return found[0];
}

/** The SERVER span of GET /<kind> (a `-later` kind's record belongs to its request too). */
export function serverSpanOf(run: LoggerRun, kind: string): DecodedSpan {
  const urlPath = `/${kind.replace(/-later$/, '')}`;
  const found = run.spans.filter((s) => s.kind === KIND_SERVER && s.attributes['url.path'] === urlPath && s.attributes['server.port'] === run.port);
  assert.equal(found.length, 1, `one SERVER span for ${urlPath}; got ${found.length}`);
  return found[0];
}

/** The kinds whose record has a `trace_id` of the app's own (in the call's fields, or a child's bindings). */
const APP_TRACE_IDS: Readonly<Record<string, string>> = { own: 'app-own-id', bound: 'bound-id' };

/**
 * Every line written inside a request carries its SERVER span's ids (the app's own `trace_id`
 * stays, never doubled), and the line written before the server listened carries none.
 */
export function assertCorrelated(run: LoggerRun, kinds: readonly string[]): void {
  const outside = lineOf(run, 'outside');
  for (const key of ['trace_id', 'span_id', 'trace_flags']) assert.equal(outside[key], undefined, `${key} outside any request`);
  for (const kind of kinds.flatMap((k) => [k, `${k}-later`])) {
    const line = lineOf(run, kind);
    const span = serverSpanOf(run, kind);
    assert.equal(line.trace_id, APP_TRACE_IDS[kind] ?? span.traceId, `trace_id of ${kind}`);
    assert.equal(line.span_id, span.spanId, `span_id of ${kind}`);
    // W3C trace-flags: two lowercase hex digits, the sampled bit set (the SERVER span was exported).
    assert.match(String(line.trace_flags), /^[0-9a-f]{2}$/);
    assert.equal(Number.parseInt(String(line.trace_flags), 16) & 1, 1, `trace_flags of ${kind}`);
  }
  for (const line of run.raw) {
    for (const key of ['trace_id', 'span_id', 'trace_flags']) assert.ok(line.split(`"${key}":`).length <= 2, `${key} once in ${line}`);
  }
}

/** No line carries any trace field. */
export function assertUncorrelated(run: LoggerRun): void {
  assert.ok(run.lines.length > 1, 'the app logged');
  for (const line of run.lines) {
    assert.equal(line.trace_id, APP_TRACE_IDS[String(line.kind)], `trace_id in ${JSON.stringify(line)}`);
    for (const key of ['span_id', 'trace_flags']) assert.equal(line[key], undefined, `${key} in ${JSON.stringify(line)}`);
  }
}

/** The one exported log record of a kind, from the agent's scope for this logger. */
export function recordOf(run: LoggerRun, logger: LoggerName, kind: string): DecodedLogRecord {
  const found = run.logs.filter((r) => r.attributes.kind === kind);
  assert.equal(found.length, 1, `one log record of kind ${kind}; got ${found.length}`);
  assert.equal(found[0].scope.name, `otelite/${logger}`);
  return found[0];
}

/**
 * Each line has its log record: the same ids as the line (the request's SERVER span), none
 * outside, the body, the record's own fields as attributes (nested maps kept), the severity.
 */
export function assertSent(run: LoggerRun, logger: LoggerName, kinds: readonly string[], severities: Record<string, [number, string]>): void {
  assert.equal(run.logs.length, run.lines.length, 'one record per line');
  const outside = recordOf(run, logger, 'outside');
  assert.equal(outside.traceId, '');
  assert.equal(outside.spanId, '');
  assert.equal(outside.body, 'record outside');
  assert.deepEqual(outside.attributes.nested, { a: 1, list: [1, 'two'] });
  for (const kind of kinds.flatMap((k) => [k, `${k}-later`])) {
    const record = recordOf(run, logger, kind);
    const span = serverSpanOf(run, kind);
    assert.equal(record.traceId, span.traceId, `trace id of ${kind}'s record`);
    assert.equal(record.spanId, span.spanId, `span id of ${kind}'s record`);
    assert.equal(record.flags & 1, 1);
    for (const key of ['trace_id', 'span_id', 'trace_flags']) {
      const expected = key === 'trace_id' ? APP_TRACE_IDS[kind] : undefined;
      assert.equal(record.attributes[key], expected, `the agent's ${key} is the record's context, not an attribute`);
    }
    const [number, text] = severities[kind] ?? [9, 'info'];
    assert.equal(record.severityNumber, number, `severity of ${kind}`);
    assert.equal(record.severityText, text, `severity text of ${kind}`);
    if (kind.endsWith('-later') || kind === 'plain') assert.equal(record.body, `record ${kind}`);
    const time = Number(record.timeUnixNano / 1_000_000n);
    assert.ok(time <= Number(record.observedTimeUnixNano / 1_000_000n) + 1, 'the record time is not after it was observed');
    assert.ok(Math.abs(time - Number(span.startTimeUnixNano / 1_000_000n)) < 5_000, `the record time of ${kind} is the request's`);
  }
  const error = recordOf(run, logger, 'error');
  assert.equal(error.attributes['exception.type'], 'TypeError');
  assert.equal(error.attributes['exception.message'], 'boom');
  assert.match(String(error.attributes['exception.stacktrace']), /^TypeError: boom\n\s+at /);
  assert.equal(error.attributes.err, undefined);
  assert.equal(recordOf(run, logger, 'child').attributes.component, 'child-binding');
}
