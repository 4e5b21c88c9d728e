import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { FIXTURES, REPO_ROOT } from '../kit/paths';
import { runPreloadFixture } from '../kit/process';

const run = promisify(execFile);
const DIR = path.join(FIXTURES, 'esm-hooks');

const ESM_JS = path.join(REPO_ROOT, 'build', 'src', 'instrument', 'esm.js');

const runApp = (withPreload: boolean): Promise<Record<string, unknown>> => runPreloadFixture(DIR, withPreload);

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

  it('uses module.registerHooks exactly where this Node runs the hooks in-thread, module.register elsewhere (feature probe)', async () => {
    // The oracle is import-in-the-middle's own list of the Node versions that have the fix
    // (nodejs/node#59929); the agent decides by trying the feature instead.
    const script = `
      const m = require('node:module');
      const esm = require(${JSON.stringify(ESM_JS)});
      const mechanism = esm.registerEsmLoader(['esm-lib']);
      const listed = typeof m.registerHooks === 'function' && require('import-in-the-middle/register-hooks.mjs').supportsSyncHooks();
      console.log(JSON.stringify({ mechanism, probe: esm.syncHooksWork(), listed }));`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: DIR, env: { PATH: process.env.PATH } });
    const result = JSON.parse(stdout) as { mechanism: string; probe: boolean; listed: boolean };
    assert.equal(result.probe, result.listed, `probe and import-in-the-middle disagree on Node ${process.versions.node}`);
    assert.equal(result.mechanism, result.listed ? 'registerHooks' : 'register');
  });

  it('a script with no parent module (node -e) still gets builtins from require() once the hooks are in', async () => {
    const script = `console.log([typeof require('node:fs').readFileSync, typeof require('os').cpus, typeof require('module').createRequire].join())`;
    const { stdout } = await run(process.execPath, ['--require', path.join(DIR, 'preload.cjs'), '-e', script], { cwd: DIR, env: { PATH: process.env.PATH } });
    assert.equal(stdout.trim(), 'function,function,function');
  });

  it('an ES module script (--input-type=module -e) imports builtins and gets the patched package', async () => {
    const script = `import fs from 'node:fs'; import { greet } from 'esm-lib'; import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      console.log(JSON.stringify([greet('z'), typeof fs.readFileSync, typeof require('node:os').cpus]));`;
    const { stdout } = await run(process.execPath, ['--require', path.join(DIR, 'preload.cjs'), '--input-type=module', '-e', script], {
      cwd: DIR,
      env: { PATH: process.env.PATH },
    });
    assert.deepEqual(JSON.parse(stdout), ['hello z (patched 1.2.3)', 'function', 'function']);
  });
});
