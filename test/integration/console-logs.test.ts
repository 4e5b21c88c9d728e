import assert from 'node:assert/strict';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { KIND_SERVER, type DecodedLogRecord, type DecodedSpan } from '../kit/otlp-decoder';
import { startReceiver } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { runApp, type ExitInfo } from '../kit/process';

/**
 * console.* calls as log records (OTELITE_LOGS_CONSOLE), in real processes: the scenario of
 * test/fixtures/console-logs/ (a line before its server listens, each console method inside one
 * request, console.trace from a timer the request started, a line after, then console.log
 * replaced by the app), from a CommonJS app with --require and an ES module app with --import.
 */
const APPS = { '--require': 'app.cjs', '--import': 'app.mjs' } as const;
type Preload = keyof typeof APPS;

const SEVERITY: Record<string, number> = { trace: 1, debug: 5, log: 9, info: 9, dir: 9, warn: 13, error: 17 };
/** Where each method prints. */
const STDERR = new Set(['warn', 'error', 'trace']);

/** The scenario's console calls that are records, in order: method (the severity text), body, inside the request. */
const EXPECTED: ReadonlyArray<{ method: string; body: string; inside: boolean }> = [
  { method: 'log', body: 'starting console-app with 2 workers', inside: false },
  { method: 'info', body: 'named import from node:console', inside: false },
  { method: 'log', body: 'order A-17 for 3 items', inside: true },
  { method: 'info', body: '{"json":"stays a string"}', inside: true },
  { method: 'debug', body: 'cache miss for A-17', inside: true },
  { method: 'warn', body: inspect({ order: 'A-17', nested: { items: [1, 2] } }), inside: true },
  { method: 'error', body: 'payment A-17 failed: card declined', inside: true },
  { method: 'dir', body: inspect({ deep: { deeper: { deepest: true } } }, { depth: 0 }), inside: true },
  // console.assert prints through console.warn.
  { method: 'warn', body: 'Assertion failed: stock is positive', inside: true },
  { method: 'log', body: 'detached call', inside: true },
  { method: 'trace', body: 'traced later', inside: true },
  { method: 'log', body: 'console.log: name=log length=0 status=200', inside: false },
];

interface Run {
  exit: ExitInfo;
  spans: DecodedSpan[];
  logs: DecodedLogRecord[];
}

function appFile(preload: Preload): string {
  return path.join(FIXTURES, 'console-logs', APPS[preload]);
}

async function runWithAgent(preload: Preload, env: Record<string, string>): Promise<Run> {
  const receiver = await startReceiver({ protocol: 'http/protobuf' });
  try {
    const exit = await runApp(
      {
        file: appFile(preload),
        preload,
        env: {
          OTEL_SERVICE_NAME: 'console-logs',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
          OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.logsEndpoint,
          OTEL_METRICS_EXPORTER: 'none',
          OTEL_BSP_SCHEDULE_DELAY: '50',
          OTEL_BLRP_SCHEDULE_DELAY: '50',
          ...env,
        },
      },
      20_000,
    );
    assert.equal(exit.code, 0, exit.stderr);
    assert.doesNotMatch(exit.stderr, /instrumentation "[^"]+" failed/, exit.stderr);
    return { exit, spans: [...receiver.spans], logs: [...receiver.logs] };
  } finally {
    await receiver.close();
  }
}

async function runWithoutAgent(preload: Preload): Promise<ExitInfo> {
  const exit = await runApp({ file: appFile(preload), preload: 'none' }, 20_000);
  assert.equal(exit.code, 0, exit.stderr);
  return exit;
}

function serverSpan(run: Run): DecodedSpan {
  const found = run.spans.filter((s) => s.kind === KIND_SERVER && s.attributes['url.path'] === '/order');
  assert.equal(found.length, 1, `one SERVER span for /order; got ${found.length}`);
  return found[0];
}

/** The records are the scenario's console calls, each with its severity, body, stream and ids. */
function assertRecords(run: Run): void {
  for (const record of run.logs) assert.equal(record.scope.name, 'otelite/console');
  assert.deepEqual(
    run.logs.map((r) => [r.severityText, r.body]),
    EXPECTED.map((e) => [e.method, e.body]),
  );
  const span = serverSpan(run);
  run.logs.forEach((record, i) => {
    const expected = EXPECTED[i];
    assert.equal(record.severityNumber, SEVERITY[expected.method], `severity of ${expected.method}`);
    assert.equal(record.bodyType, 'string', 'the body is the text, never parsed');
    assert.equal(record.traceId, expected.inside ? span.traceId : '', `trace id of "${expected.body}"`);
    assert.equal(record.spanId, expected.inside ? span.spanId : '', `span id of "${expected.body}"`);
    if (expected.method === 'trace') return;
    // The body is the text the console printed: a whole line of the method's stream.
    const printed = (STDERR.has(expected.method) ? run.exit.stderr : run.exit.stdout).split('\n');
    assert.ok(printed.includes(record.body as string), `"${record.body}" printed as a line`);
  });
  const trace = run.logs.find((r) => r.severityText === 'trace')!;
  const stack = String(trace.attributes['code.stacktrace']);
  assert.match(stack, /^Trace: traced later\n {4}at .*scenario\.cjs:\d+:\d+\)\n/);
  assert.ok(run.exit.stderr.includes(stack + '\n'), 'the stack is the one console.trace printed');
}

describe('console instrumentation (OTELITE_LOGS_CONSOLE)', function () {
  this.timeout(60_000);

  for (const preload of Object.keys(APPS) as Preload[]) {
    it(`${preload}: each console call is a record (severity by method, the printed text, the SERVER span's ids inside the request); the app's output is the same as without the agent`, async () => {
      const plain = await runWithoutAgent(preload);
      const run = await runWithAgent(preload, { OTELITE_LOGS_CONSOLE: 'true' });
      assert.equal(run.exit.stdout, plain.stdout);
      assert.equal(run.exit.stderr, plain.stderr);
      assert.match(plain.stdout, /^replaced: after replace$/m, 'the app replaced console.log: that call is no record');
      assertRecords(run);
    });
  }

  it("OTEL_LOGS_EXPORTER=console: one exporter line per console call, the exporter's own lines never captured, the app's lines unchanged", async () => {
    const plain = await runWithoutAgent('--require');
    const exit = await runApp(
      {
        file: appFile('--require'),
        preload: '--require',
        env: { OTELITE_LOGS_CONSOLE: 'true', OTEL_LOGS_EXPORTER: 'console', OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' },
      },
      20_000,
    );
    assert.equal(exit.code, 0, exit.stderr);
    const lines = exit.stdout.split('\n');
    const exported = lines.filter((line) => line.includes(' [otelite/console] '));
    assert.equal(exported.length, EXPECTED.length, exported.join('\n'));
    exported.forEach((line, i) => {
      const { method, body } = EXPECTED[i];
      // The console exporter's line: time, severity text, scope, body (a newline as \n).
      assert.ok(line.includes(` ${method.padEnd(5)} [otelite/console] ${body.replace(/\n/g, '\\n')}`), `${line}\nexpected ${method} ${body}`);
    });
    assert.equal(lines.filter((line) => !exported.includes(line)).join('\n'), plain.stdout);
    assert.equal(exit.stderr, plain.stderr);
  });

  it("the app's DiagConsoleLogger at debug: the agent's diagnostics written through the console while it exports are not records", async () => {
    const run = await runWithAgent('--require', { OTELITE_LOGS_CONSOLE: 'true', CONSOLE_DIAG: '1' });
    const diagnostics = (run.exit.stdout + run.exit.stderr).split('\n').filter((line) => /export/i.test(line));
    assert.ok(diagnostics.length > 0, `the agent's export diagnostics went through the console:\n${run.exit.stdout}\n${run.exit.stderr}`);
    // The API's own line on the app's setLogger call (in the app's code, not the agent's work) is
    // the app's console output: a record like any other.
    const [api, ...rest] = run.logs;
    assert.equal(api.body, '@opentelemetry/api: Registered a global for diag v1.10.0.');
    assertRecords({ ...run, logs: rest });
  });

  const notPatched: ReadonlyArray<[string, Record<string, string>]> = [
    ['off by default (OTELITE_LOGS_CONSOLE unset)', {}],
    ['OTEL_NODE_DISABLED_INSTRUMENTATIONS=console', { OTELITE_LOGS_CONSOLE: 'true', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'console' }],
    ['OTEL_LOGS_EXPORTER=none', { OTELITE_LOGS_CONSOLE: 'true', OTEL_LOGS_EXPORTER: 'none' }],
  ];
  for (const [name, env] of notPatched) {
    it(`${name}: the console is not patched and nothing is recorded; requests still traced`, async () => {
      const run = await runWithAgent('--import', { ...env, CONSOLE_REPORT_PATCHED: '1' });
      assert.match(run.exit.stderr, /^PATCHED log=false trace=false$/m);
      assert.equal(run.logs.length, 0);
      serverSpan(run);
    });
  }

  it('OTELITE_LOGS_CONSOLE=true: the same report says patched (the control of the cases above)', async () => {
    const run = await runWithAgent('--import', { OTELITE_LOGS_CONSOLE: 'true', CONSOLE_REPORT_PATCHED: '1' });
    assert.match(run.exit.stderr, /^PATCHED log=true trace=true$/m);
    assert.equal(run.logs.length, EXPECTED.length);
  });
});
