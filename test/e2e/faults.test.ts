import assert from 'node:assert/strict';
import * as path from 'node:path';
import { startReceiver, type Receiver } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { runApp, startApp } from '../kit/process';
import { closedPort } from '../kit/servers';

const API_APP = path.join(FIXTURES, 'api-app.cjs');
const PUMP = path.join(FIXTURES, 'span-pump.cjs');

/** Spans only: the runtime metrics (on by default) would go to localhost:4318, where nothing listens. */
const TRACES_ONLY = { OTEL_METRICS_EXPORTER: 'none' };

function exporterEnv(receiver: Receiver | string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: typeof receiver === 'string' ? receiver : receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    ...TRACES_ONLY,
  };
}

describe('faults: the collector misbehaves, the app does not notice', function () {
  this.timeout(60_000);

  it('collector down: the app ends within 1 s of its run without the agent, and one line names the endpoint, the cause and the loss', async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}/v1/traces`;
    const timed = async (preload: '--require' | 'none') => {
      const started = Date.now();
      // The default schedule delay: the spans are still queued when the app is done.
      const result = await runApp({ file: API_APP, preload, env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint, ...TRACES_ONLY } });
      return { result, ms: Date.now() - started };
    };
    const bare = await timed('none');
    const traced = await timed('--require');
    assert.equal(traced.result.code, 0, traced.result.stderr);
    assert.match(traced.result.stdout, /DONE/);
    assert.ok(traced.ms < bare.ms + 1_000, `with the agent ${traced.ms} ms, without ${bare.ms} ms`);
    const lines = traced.result.stderr.split('\n').filter((l) => l.startsWith('otelite'));
    // One attempt: at exit a refused connection is not retried.
    assert.deepEqual(lines, [
      `otelite warn: traces export to ${endpoint} failed: nothing listens on 127.0.0.1:${port}: is the collector running ` +
        '(OTLP/HTTP usually listens on 4318)?; 3 spans lost (said once for this kind of failure; later losses are counted)',
    ]);
  });

  for (const [level, expected] of [
    ['', []],
    ['info', ['info: otelite', 'info: first traces export succeeded: 3 spans to ENDPOINT in']],
    ['debug', ['info: otelite', 'debug: export traces: 3 spans, BYTES bytes to ENDPOINT: ok,', 'info: first traces export succeeded: 3 spans to ENDPOINT in']],
  ] as const) {
    it(`OTEL_LOG_LEVEL=${level || '(unset)'}: ${expected.length === 0 ? 'nothing is said when all goes well' : 'says that it started and when spans first leave' + (level === 'debug' ? ', and one line per export' : '')}`, async () => {
      const receiver = await startReceiver({ protocol: 'http/protobuf' });
      try {
        const result = await runApp({ file: API_APP, preload: '--require', env: { ...exporterEnv(receiver), OTEL_LOG_LEVEL: level } });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(receiver.spans.length, 3);
        const bytes = receiver.requests[0].bodyBytes;
        const lines = result.stderr
          .split('\n')
          // Everything but the debug lines about patching, which this test is not about.
          .filter((l) => l.startsWith('otelite ') && (!l.startsWith('otelite debug:') || l.startsWith('otelite debug: export')))
          .map((l) => l.slice('otelite '.length));
        assert.equal(lines.length, expected.length, result.stderr);
        expected.forEach((start, i) => {
          const want = start.replace('ENDPOINT', receiver.endpoint).replace('BYTES', String(bytes));
          assert.ok(lines[i].startsWith(want), `${lines[i]}\n  should start with\n${want}`);
        });
      } finally {
        await receiver.close();
      }
    });
  }

  it('503 with Retry-After: waits, retries, and delivers the batch once', async () => {
    let answered = 0;
    const receiver = await startReceiver({
      protocol: 'http/protobuf',
      respond: () => (answered++ === 0 ? { status: 503, retryAfter: '1' } : undefined),
    });
    try {
      const result = await runApp({ file: API_APP, preload: '--require', env: exporterEnv(receiver) });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(receiver.requests.length, 2);
      assert.equal(receiver.requests[0].reply.status, 503);
      assert.equal(receiver.spans.length, 3);
      assert.doesNotMatch(result.stderr, /dropp/);
    } finally {
      await receiver.close();
    }
  });

  it('400: not retried, the drop is reported once', async () => {
    const receiver = await startReceiver({ protocol: 'http/protobuf', respond: () => ({ status: 400, body: 'bad request' }) });
    try {
      const result = await runApp({ file: API_APP, preload: '--require', env: exporterEnv(receiver) });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(receiver.requests.length, 1);
      // One line: the exporter's, with the status and the count; no second line from the queue.
      const lines = result.stderr.split('\n').filter((l) => l.startsWith('otelite'));
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0], /400/);
      assert.match(lines[0], /\b3 spans\b/);
    } finally {
      await receiver.close();
    }
  });

  it('a collector that hangs: the app exits within the export timeout', async () => {
    const receiver = await startReceiver({ protocol: 'http/protobuf', respond: () => ({ hang: true }) });
    try {
      const started = Date.now();
      const result = await runApp({
        file: API_APP,
        preload: '--require',
        env: { ...exporterEnv(receiver), OTEL_EXPORTER_OTLP_TIMEOUT: '500' },
      });
      assert.equal(result.code, 0, result.stderr);
      assert.ok(Date.now() - started < 4_000, `took ${Date.now() - started} ms`);
      assert.equal(receiver.spans.length, 0);
    } finally {
      await receiver.close();
    }
  });

  it('a long outage: memory stays bounded by the queue, drops are counted, export resumes when the collector returns', async () => {
    let down = true;
    const receiver = await startReceiver({ protocol: 'http/protobuf', respond: () => (down ? { status: 503 } : undefined) });
    try {
      const app = startApp({
        file: PUMP,
        preload: '--require',
        args: [],
        env: {
          ...exporterEnv(receiver),
          NODE_OPTIONS: '--expose-gc',
          PUMP_SPANS: '30000',
          LATE_MS: '1500',
          OTEL_BSP_MAX_QUEUE_SIZE: '200',
          OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '100',
          OTEL_EXPORTER_OTLP_TIMEOUT: '300',
        },
      });
      const [, growth] = await app.waitForOutput(/heap growth (-?\d+)/, 20_000);
      // 30 000 spans of ~300 bytes of attributes: kept, they would be well over 10 MB.
      assert.ok(Number(growth) < 6 * 1024 * 1024, `heap grew by ${growth} bytes`);
      down = false;
      await app.waitForOutput(/LATE/, 10_000);
      const result = await app.exited;
      assert.equal(result.code, 0, result.stderr);
      assert.ok(receiver.spans.some((s) => s.name === 'late span'), 'export resumed after the outage');
      assert.match(result.stderr, /OTEL_BSP_MAX_QUEUE_SIZE=200/);
      assert.match(result.stderr, /\d+ more spans dropped since the last report \(\d+ in total\)/);
    } finally {
      await receiver.close();
    }
  });
});
