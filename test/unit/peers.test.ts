import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createServer } from 'node:net';
import { FIXTURES } from '../kit/paths';
import { startRedis } from '../kit/servers';
import { COMPILED_ENV } from '../peers/compiled-redirect';
import { OUTCOMES_ENV } from '../peers/outcome-file';
import { compareRuns, readOutcomes, type TestOutcome } from '../peers/results';
import { detectSuite, globToRegExp } from '../peers/suites';

const outcomes = (...list: Array<[string, TestOutcome['outcome']]>): Map<string, TestOutcome> =>
  new Map(list.map(([id, outcome]) => [id, { id, outcome }]));

describe('test:peers: judging a suite run with the agent against runs without it', () => {
  it('counts a test broken only when it passed in every run without the agent', () => {
    const baselines = [
      outcomes(['a', 'passed'], ['b', 'passed'], ['flaky', 'passed'], ['failing', 'failed'], ['skipped', 'skipped']),
      outcomes(['a', 'passed'], ['b', 'passed'], ['flaky', 'failed'], ['failing', 'failed'], ['skipped', 'skipped']),
    ];
    const comparison = compareRuns(baselines, outcomes(['a', 'passed'], ['b', 'failed'], ['flaky', 'failed'], ['failing', 'failed']));
    assert.equal(comparison.stable, 2);
    assert.deepEqual(comparison.broken, [{ id: 'b', error: 'failed' }]);
    assert.deepEqual(comparison.unstable, ['failing (failed, failed)', 'flaky (passed, failed)']);
  });

  it('counts a test that did not run with the agent as broken, and one missing from a run without it as unstable', () => {
    const baselines = [outcomes(['a', 'passed'], ['b', 'passed']), outcomes(['a', 'passed'])];
    const comparison = compareRuns(baselines, outcomes());
    assert.deepEqual(comparison.broken, [{ id: 'a', error: 'did not run' }]);
    assert.deepEqual(comparison.unstable, ['b (passed, missing)']);
  });
});

describe('test:peers: finding how a library runs its suite', () => {
  let tree: string;

  beforeEach(() => {
    tree = mkdtempSync(path.join(tmpdir(), 'otelite-peers-suite-'));
  });

  afterEach(() => rmSync(tree, { recursive: true, force: true }));

  function write(file: string, text: string): void {
    mkdirSync(path.dirname(path.join(tree, file)), { recursive: true });
    writeFileSync(path.join(tree, file), text);
  }

  it("takes the script's mocha arguments, less its reporter", () => {
    write('package.json', JSON.stringify({ scripts: { test: 'mocha --require test/support/env --reporter spec --check-leaks test/ test/acceptance/' } }));
    write('node_modules/mocha/bin/mocha.js', '');
    const suite = detectSuite(tree);
    assert.equal(suite.kind, 'mocha');
    assert.deepEqual(suite.kind === 'mocha' && suite.args, ['--require', 'test/support/env', '--check-leaks', 'test/', 'test/acceptance/']);
  });

  it("follows `npm run` to borp, and runs .borp.yaml's files with node:test", () => {
    write('package.json', JSON.stringify({ scripts: { test: 'npm run lint && npm run unit && npm run test:types', lint: 'eslint', unit: 'borp' } }));
    write('.borp.yaml', "files:\n  - 'test/**/*.test.js'\n  - 'test/**/*.test.mjs'\n");
    write('test/a.test.js', '');
    write('test/deep/b.test.mjs', '');
    write('test/helper.js', '');
    write('node_modules/dep/test/c.test.js', '');
    assert.deepEqual(detectSuite(tree), { kind: 'node-test', files: ['test/a.test.js', 'test/deep/b.test.mjs'], env: {} });
  });

  it("keeps the settings a script puts before its runner, for every run (ioredis's test:js)", () => {
    write(
      'package.json',
      JSON.stringify({
        scripts: {
          test: 'npm run test:js && npm run test:tsd',
          'test:js': 'TS_NODE_TRANSPILE_ONLY=true NODE_ENV=test mocha --no-experimental-strip-types "test/helpers/*.ts" "test/unit/**/*.ts"',
        },
      }),
    );
    write('node_modules/mocha/bin/mocha.js', '');
    const suite = detectSuite(tree);
    assert.deepEqual(suite.env, { TS_NODE_TRANSPILE_ONLY: 'true', NODE_ENV: 'test' });
    assert.deepEqual(suite.kind === 'mocha' && suite.args, ['--no-experimental-strip-types', 'test/helpers/*.ts', 'test/unit/**/*.ts']);
  });

  it('--compiled: a file that resolves to a source in lib/ loads its compiled twin in built/, others as they are', () => {
    for (const file of ['lib/Redis.ts', 'built/Redis.js', 'lib/only-source.ts', 'lib/types.d.ts', 'built/types.d.js', 'test/x.ts']) write(file, '');
    const resolved = (withRedirect: boolean): string[] =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [
            ...(withRedirect ? ['--require', path.join(__dirname, '..', 'peers', 'compiled-redirect.js')] : []),
            '-e',
            "console.log(JSON.stringify(['./lib/Redis.ts', './lib/only-source.ts', './lib/types.d.ts', './test/x.ts'].map((f) => require.resolve(f))))",
          ],
          { cwd: tree, encoding: 'utf8', env: { ...process.env, [COMPILED_ENV]: JSON.stringify([path.join(tree, 'lib'), path.join(tree, 'built')]) } },
        ),
      ) as string[];
    const at = (file: string): string => path.join(tree, file);
    assert.deepEqual(resolved(true), [at('built/Redis.js'), at('lib/only-source.ts'), at('lib/types.d.ts'), at('test/x.ts')]);
    assert.deepEqual(resolved(false), [at('lib/Redis.ts'), at('lib/only-source.ts'), at('lib/types.d.ts'), at('test/x.ts')]);
  });

  it('--service redis:PORT refuses a port something else listens on, saying so', async () => {
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const { port } = other.address() as { port: number };
    try {
      await assert.rejects(startRedis(port), new RegExp(`^Error: port ${port} is in use: stop what listens there`));
    } finally {
      other.close();
    }
  });

  it('says what to do when the test script runs no known runner', () => {
    write('package.json', JSON.stringify({ scripts: { test: 'make test' } }));
    assert.throws(() => detectSuite(tree), /--runner/);
  });

  it('matches globs the way the runners do', () => {
    const regex = globToRegExp('test/**/*.test.{js,mjs}');
    assert.ok(regex.test('test/a.test.js'));
    assert.ok(regex.test('test/x/y/a.test.mjs'));
    assert.ok(!regex.test('test/a.test.ts'));
    assert.ok(!regex.test('other/a.test.js'));
  });
});

/** Runs the node:test driver on fixtures/peers files and reads the outcomes it wrote; a driver still running after 20 s fails the test. */
function driverOutcomes(args: string[]): Map<string, TestOutcome> {
  const dir = mkdtempSync(path.join(tmpdir(), 'otelite-peers-driver-'));
  const file = path.join(dir, 'outcomes.jsonl');
  try {
    execFileSync(process.execPath, [path.join(__dirname, '..', 'peers', 'node-test-driver.js'), ...args], {
      cwd: path.join(FIXTURES, 'peers'),
      env: { ...process.env, NODE_OPTIONS: '', [OUTCOMES_ENV]: file },
      stdio: 'pipe',
      timeout: 20_000,
    });
    return readOutcomes(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('test:peers: the node:test driver', () => {
  it('gives every test its file and full title, and records failures and skips', function () {
    this.timeout(20_000);
    const outcomes = driverOutcomes(['nested.test.js']);
    const found = Object.fromEntries([...outcomes.values()].map((outcome) => [outcome.id, outcome.outcome]));
    assert.equal(found['nested.test.js > outer > inner > passes'], 'passed');
    assert.equal(found['nested.test.js > outer > inner > fails'], 'failed');
    assert.equal(found['nested.test.js > outer > skips'], 'skipped');
    assert.equal(found['nested.test.js > outer > twice'], 'passed');
    assert.equal(found['nested.test.js > outer > twice #2'], 'passed');
    assert.equal(found['nested.test.js > top level'], 'passed');
    assert.equal(outcomes.get('nested.test.js > outer > inner > fails')?.error?.startsWith('AssertionError'), true);
  });

  it('with --file-ms, ends a file that hangs, keeping what it reported, and runs the other files in full', function () {
    this.timeout(30_000);
    // Without the limit, the file's process, and so the driver, would run until killed.
    const found = [...driverOutcomes(['--file-ms', '3000', 'open-handle.test.js', 'nested.test.js']).values()];
    assert.equal(found.find((o) => o.id === 'open-handle.test.js > passes and leaves a server open')?.outcome, 'passed');
    const hung = found.filter((o) => o.id.startsWith('open-handle.test.js') && o.outcome === 'failed');
    assert.equal(hung.length, 1, JSON.stringify(found));
    assert.equal(found.find((o) => o.id === 'nested.test.js > top level')?.outcome, 'passed');
    assert.equal(found.find((o) => o.id === 'nested.test.js > outer > inner > fails')?.outcome, 'failed');
  });
});
