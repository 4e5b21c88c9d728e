import assert from 'node:assert/strict';
import * as path from 'node:path';
import { startReceiver, type Receiver } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { lostAtExitLine, startApp } from '../kit/process';
import { closedPort } from '../kit/servers';

const APP = path.join(FIXTURES, 'long-running.cjs');
const EXIT_RIGHT_AFTER = path.join(FIXTURES, 'exit-right-after.cjs');

function start(receiver: Receiver, env: Record<string, string> = {}) {
  return startApp({
    file: APP,
    preload: '--require',
    // Spans only: the runtime metrics (on by default) would go to localhost:4318, where nothing listens.
    env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '600000', OTEL_METRICS_EXPORTER: 'none', ...env },
  });
}

describe('lifecycle: flush at exit without changing how the app exits', function () {
  this.timeout(30_000);
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} with no app handler: queued spans are flushed, then the process dies by ${signal}`, async () => {
      receiver = await startReceiver({ protocol: 'http/protobuf' });
      const app = start(receiver);
      await app.waitForOutput(/READY/);
      app.kill(signal);
      const result = await app.exited;
      assert.equal(result.signal, signal, result.stderr);
      assert.equal(result.code, null);
      assert.deepEqual(receiver.spans.map((s) => s.name), ['before signal']);
    });
  }

  it('SIGTERM with an app handler: the agent flushes and the app decides how to exit', async () => {
    receiver = await startReceiver({ protocol: 'http/protobuf' });
    const app = start(receiver, { APP_SIGNAL_HANDLER: 'SIGTERM' });
    await app.waitForOutput(/READY/);
    app.kill('SIGTERM');
    const result = await app.exited;
    assert.match(result.stdout, /APP HANDLER/);
    assert.equal(result.code, 3);
    assert.deepEqual(receiver.spans.map((s) => s.name), ['before signal']);
  });

  it('SIGTERM while the collector hangs: the process still ends by the signal, within the flush deadline', async () => {
    receiver = await startReceiver({ protocol: 'http/protobuf', respond: () => ({ hang: true }) });
    const app = start(receiver, { OTEL_EXPORTER_OTLP_TIMEOUT: '60000' });
    await app.waitForOutput(/READY/);
    const signalled = Date.now();
    app.kill('SIGTERM');
    const result = await app.exited;
    assert.equal(result.signal, 'SIGTERM');
    const took = Date.now() - signalled;
    assert.ok(took < 7_000, `took ${took} ms`);
    assert.match(result.stderr, /exit flush stopped after 5000 ms without an answer: 1 span for http:\/\/127\.0\.0\.1:\d+\/v1\/traces not exported/);
  });

  it('a hanging collector holds the exit no longer than OTEL_BSP_EXPORT_TIMEOUT when it is shorter than the deadline', async () => {
    receiver = await startReceiver({ protocol: 'http/protobuf', respond: () => ({ hang: true }) });
    const app = start(receiver, { OTEL_EXPORTER_OTLP_TIMEOUT: '60000', OTEL_BSP_EXPORT_TIMEOUT: '1000' });
    await app.waitForOutput(/READY/);
    const signalled = Date.now();
    app.kill('SIGTERM');
    const result = await app.exited;
    const took = Date.now() - signalled;
    assert.equal(result.signal, 'SIGTERM');
    assert.ok(took >= 900 && took < 3_000, `took ${took} ms`);
    // The batch's own export timeout (equal to the exit deadline here) or the deadline says it: one line, endpoint and loss.
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('otelite'));
    assert.equal(lines.length, 1, result.stderr);
    assert.ok(lines[0].includes(receiver.endpoint), lines[0]);
    assert.match(lines[0], /no answer within 1000 ms.*\(1 so far\)|after 1000 ms without an answer: 1 span for/);
  });

  it('SIGINT while a failed export waits to retry a refused connection: the exit does not wait the back-off out', async () => {
    const port = await closedPort();
    const app = startApp({
      file: APP,
      preload: '--require',
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces`, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_EXPORTER_OTLP_TIMEOUT: '60000', OTEL_METRICS_EXPORTER: 'none' },
    });
    await app.waitForOutput(/READY/);
    // The first attempt was refused at once; the exporter now waits about 1 s before the second.
    await new Promise((r) => setTimeout(r, 400));
    const signalled = Date.now();
    app.kill('SIGINT');
    const result = await app.exited;
    const took = Date.now() - signalled;
    assert.equal(result.signal, 'SIGINT');
    assert.ok(took < 700, `took ${took} ms`);
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('otelite'));
    // The back-off ended with the signal; the second attempt, refused, was the last.
    assert.deepEqual(lines, [
      `otelite warn: traces export to http://127.0.0.1:${port}/v1/traces failed (after 2 attempts): nothing listens on 127.0.0.1:${port}: ` +
        'is the collector running (OTLP/HTTP usually listens on 4318)?; 1 span lost (said once for this kind of failure; later losses are counted)',
    ]);
  });

  it('no collector at all: one line at exit for every signal that failed the same way, with what each lost', async () => {
    receiver = await startReceiver({ protocol: 'http/protobuf' });
    const port = await closedPort();
    const app = startApp({
      file: APP,
      preload: '--require',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_SCHEDULE_DELAY: '600000' },
    });
    await app.waitForOutput(/READY/);
    // The runtime metrics' instruments are made on the loop's first turn: let it turn.
    await new Promise((resolve) => setTimeout(resolve, 200));
    app.kill('SIGTERM');
    const result = await app.exited;
    assert.equal(result.signal, 'SIGTERM');
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('otelite'));
    assert.equal(lines.length, 1, result.stderr);
    assert.match(
      lines[0],
      new RegExp(`^otelite warn: traces and metrics export to http://127\\.0\\.0\\.1:${port} failed: nothing listens on 127\\.0\\.0\\.1:${port}.*; 1 span and \\d+ data points lost `),
    );
  });

  it('process.exit() is never delayed by the agent, even with a hanging collector', async () => {
    receiver = await startReceiver({ protocol: 'http/protobuf', respond: () => ({ hang: true }) });
    const app = start(receiver, { EXIT_CODE: '5' });
    const started = Date.now();
    const result = await app.exited;
    assert.equal(result.code, 5);
    assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
    // What was queued is lost, and said once, with its count and where it was going.
    assert.deepEqual(
      result.stderr.split('\n').filter((l) => l.startsWith('otelite')),
      [lostAtExitLine(`1 span for ${receiver.endpoint}`)],
    );
  });

  it('process.exit() right after the last span: the console exporters still print every span and log record', async () => {
    const app = startApp({
      file: EXIT_RIGHT_AFTER,
      preload: '--require',
      env: { OTEL_TRACES_EXPORTER: 'console', OTEL_LOGS_EXPORTER: 'console', OTEL_METRICS_EXPORTER: 'none' },
    });
    const result = await app.exited;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^└─ parent {2}INTERNAL .*\n {3}└─ child {2}INTERNAL/m);
    assert.match(result.stdout, /\[exit-right-after\] last words/);
    assert.doesNotMatch(result.stderr, /^otelite /m, 'nothing lost, nothing said');
  });

  it("process.exit() right after the last span, OTLP: each signal's loss counted in one line", async () => {
    const port = await closedPort();
    const app = startApp({
      file: EXIT_RIGHT_AFTER,
      preload: '--require',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_METRICS_EXPORTER: 'none' },
    });
    const result = await app.exited;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stderr.split('\n').filter((l) => l.startsWith('otelite')), [
      lostAtExitLine(`2 spans for http://127.0.0.1:${port}/v1/traces, 1 log record for http://127.0.0.1:${port}/v1/logs`),
    ]);
  });
});
