import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../kit/paths';

const run = promisify(execFile);

/** The README's main job: `npm run demo` (here its compiled runner) traces two services end to end. */
describe('demo: two services traced to the console exporter', function () {
  this.timeout(60_000);

  it('answers the requests and prints trees in which B continues A\'s traces', async () => {
    const env = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith('OTEL_') || key === 'NODE_OPTIONS') delete env[key];
    const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'build', 'test', 'demo', 'run.js')], { env });
    assert.match(stdout, /GET \/products\/42 -> 200 \{"id":"42","available":7,"checked":true\}/);
    assert.match(stdout, /GET \/nowhere -> 404/);

    const shopTraces = [...stdout.matchAll(/\[shop\] trace ([0-9a-f]{32})  service=shop\n/g)].map((m) => m[1]);
    assert.equal(shopTraces.length, 3, stdout);
    const shopClientIds = [...stdout.matchAll(/\[shop\] .*GET  CLIENT .* id=([0-9a-f]{16})/g)].map((m) => m[1]);
    assert.equal(shopClientIds.length, 4, 'two client calls (fetch, http.get) per product request');
    const continued = [...stdout.matchAll(/\[inventory\] trace ([0-9a-f]{32})  service=inventory \(continues remote parent ([0-9a-f]{16})\)/g)];
    assert.equal(continued.length, 4, stdout);
    for (const [, traceId, parentId] of continued) {
      assert.ok(shopTraces.includes(traceId), `inventory trace ${traceId} is one of the shop's`);
      assert.ok(shopClientIds.includes(parentId), `inventory span's parent ${parentId} is a shop CLIENT span`);
    }
  });
});
