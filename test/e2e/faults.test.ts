import assert from 'node:assert/strict';
import * as path from 'node:path';
import { startReceiver, type Receiver } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { runApp, startApp } from '../kit/process';
import { closedPort } from '../kit/servers';

const API_APP = path.join(FIXTURES, 'api-app.cjs');
const PUMP = path.join(FIXTURES, 'span-pump.cjs');

function exporterEnv(receiver: Receiver | string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: typeof receiver === 'string' ? receiver : receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '50',
  };
}

describe('faults: the collector misbehaves, the app does not notice', function () {
  this.timeout(60_000);

  it('collector down: the app finishes normally and promptly, and the loss is reported', async () => {
    const port = await closedPort();
    const started = Date.now();
    const result = await runApp({
      file: API_APP,
      preload: '--require',
      env: { ...exporterEnv(`http://127.0.0.1:${port}/v1/traces`), OTEL_EXPORTER_OTLP_TIMEOUT: '1000' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /DONE/);
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    assert.match(result.stderr, /ECONNREFUSED/);
    assert.match(result.stderr, /dropping spans|spans dropped/);
  });

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
      assert.equal(result.stderr.split('\n').filter((l) => l.includes('400')).length >= 1, true, result.stderr);
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
      assert.match(result.stderr, /\d+ spans dropped since the last report \(\d+ in total\)/);
    } finally {
      await receiver.close();
    }
  });
});
