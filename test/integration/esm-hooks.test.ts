import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { FIXTURES } from '../kit/paths';

const run = promisify(execFile);
const DIR = path.join(FIXTURES, 'esm-hooks');

async function runApp(withPreload: boolean): Promise<Record<string, unknown>> {
  const args = withPreload ? ['--require', path.join(DIR, 'preload.cjs'), 'app.mjs'] : ['app.mjs'];
  const { stdout } = await run(process.execPath, args, { cwd: DIR, env: { PATH: process.env.PATH } });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('ESM hooks: import-in-the-middle for targets that need it, and nothing else touched', function () {
  this.timeout(20_000);

  it('patches an ES module package once, through static and dynamic imports and export *', async () => {
    const result = await runApp(true);
    assert.equal(result.greet, 'hello x (patched 1.2.3)');
    assert.equal(result.greetAgain, 'hello y (patched 1.2.3)');
    assert.equal(result.kind, 'esm-lib');
  });

  it('leaves a module outside the include list exactly as it is without hooks (export *, live bindings, default)', async () => {
    const hooked = await runApp(true);
    const plain = await runApp(false);
    assert.equal(plain.greet, 'hello x', 'without the preload nothing is patched');
    for (const key of ['otherKeys', 'otherValue', 'otherCounter', 'otherDefault']) {
      assert.deepEqual(hooked[key], plain[key], key);
    }
    assert.equal(hooked.otherCounter, 1, 'the live binding of `counter` still updates');
  });
});
