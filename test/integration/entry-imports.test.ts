import assert from 'node:assert/strict';
import * as path from 'node:path';
import { FIXTURES } from '../kit/paths';
import { runPreloadFixture } from '../kit/process';

const DIR = path.join(FIXTURES, 'entry-imports');

/**
 * CommonJS files an ES module app imports by name or by path: Node's ES module loader loads them
 * without `require`, so the require hook alone never sees a package's main file imported from
 * an ES module. The fixture's preload installs targets through otelite's own framework.
 */
const runApp = (withPreload: boolean): Promise<Record<string, unknown>> => runPreloadFixture(DIR, withPreload);

describe('CommonJS files imported from ES modules: offered to the same targets as required ones', function () {
  this.timeout(20_000);

  it("patches a package's main file imported by name, once, and the same exports reach require()", async () => {
    const result = await runApp(true);
    assert.equal(result.greet, 'hello x (patched)');
    assert.equal(result.sameWhenRequired, true);
    assert.equal(result.greetRequired, 'hello y (patched)');
    assert.deepEqual(result.patchCalls, ['cjs-lib 2.1.0', 'cjs-lib/lib/extra.js']);
  });

  it('patches a target file imported by its path, and takes no other file of the package for its main file', async () => {
    const result = await runApp(true);
    assert.equal(result.shout, 'HI!');
    assert.equal(result.other, true);
    assert.equal((result.patchCalls as string[]).filter((call) => call.startsWith('cjs-lib ')).length, 1);
  });

  it('leaves other packages and the loader as they are without the hooks', async () => {
    const hooked = await runApp(true);
    const plain = await runApp(false);
    assert.equal(plain.greet, 'hello x', 'without the preload nothing is patched');
    assert.deepEqual(plain.patchCalls, []);
    assert.equal(hooked.untouched, plain.untouched);
    assert.deepEqual(hooked.load, plain.load, "Module._load keeps its name and arity");
  });
});
