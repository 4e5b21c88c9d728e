import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cacheNameOf, PACKAGE_CODE_CACHE_DIR, requireWithCodeCache } from '../../src/code-cache';
import { REGISTER, REPO_ROOT } from '../kit/paths';

interface Probe {
  sum(a: number, b: number): number;
  helper: string;
  file: string;
  dir: string;
  fail(): void;
}

describe('requireWithCodeCache: a module compiled with a V8 code cache kept beside the package', () => {
  let dir: string;
  let cacheDir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'otelite-code-cache-'));
    cacheDir = path.join(dir, '.cache', 'code');
    file = path.join(dir, 'bundle.js');
    writeFileSync(path.join(dir, 'helper.js'), "module.exports = 'from a relative require';");
    writeFileSync(
      file,
      [
        "'use strict';",
        'exports.sum = (a, b) => a + b;',
        "exports.helper = require('./helper');",
        'exports.file = __filename;',
        'exports.dir = __dirname;',
        "exports.fail = () => { throw new Error('thrown on line 6'); };",
      ].join('\n'),
    );
  });
  afterEach(() => {
    for (const key of Object.keys(require.cache)) if (key.startsWith(dir)) delete require.cache[key];
    rmSync(dir, { recursive: true, force: true });
  });

  const load = () => requireWithCodeCache<Probe>(file, cacheDir)!;
  const cacheFiles = () => (existsSync(cacheDir) ? readdirSync(cacheDir) : []);
  const cacheFile = () => cacheNameOf(file, readFileSync(file), cacheDir)!.file;

  it('runs the module as require would: exports, a require relative to the file, __filename, __dirname, stack lines, require.cache', () => {
    const { exports } = load();
    assert.equal(require.cache[file]?.exports, exports);
    assert.equal(exports.sum(2, 3), 5);
    assert.equal(exports.helper, 'from a relative require');
    assert.equal(exports.file, file);
    assert.equal(exports.dir, dir);
    assert.throws(exports.fail, (error: Error) => error.stack!.includes(`${file}:6:`));
  });

  it('writes the cache once the caller says the module has started, and the next load takes its code from it', () => {
    const first = load();
    assert.equal(first.fromCache, false);
    assert.deepEqual(cacheFiles(), [], 'nothing is written before save()');
    first.save();
    assert.deepEqual(cacheFiles(), [path.basename(cacheFile())]);
    const written = statSync(cacheFile()).mtimeMs;

    const second = load();
    assert.equal(second.fromCache, true);
    assert.equal(second.exports.sum(20, 22), 42);
    second.save();
    assert.equal(statSync(cacheFile()).mtimeMs, written, 'a cache that was used is not written again');
  });

  it('never meets the cache of an earlier build of the file, even one of the same length, and removes it', () => {
    load().save();
    const before = cacheFile();
    // Same length, other code: V8 alone would run the old cache's code (it checks only the length).
    writeFileSync(file, "'use strict';\nexports.sum = (a, b) => a - b;".padEnd(statSync(file).size, ' '));
    const after = cacheFile();
    assert.notEqual(after, before);
    const rebuilt = load();
    assert.equal(rebuilt.fromCache, false);
    assert.equal(rebuilt.exports.sum(5, 3), 2, "the new build's code runs");
    rebuilt.save();
    assert.deepEqual(cacheFiles(), [path.basename(after)]);
  });

  it('keeps the caches of the same build made by another V8, and files it does not own', () => {
    load().save();
    const current = path.basename(cacheFile());
    const otherV8 = current.replace(/@v8-[^@]+\.bin$/, '@v8-0.0.0-other.bin');
    writeFileSync(path.join(cacheDir, otherV8), 'x');
    writeFileSync(path.join(cacheDir, 'unrelated.txt'), 'x');
    writeFileSync(file, `${"'use strict';"}\n// rebuilt\nexports.sum = (a, b) => a * b;`);
    load().save();
    assert.deepEqual(cacheFiles().sort(), [path.basename(cacheFile()), 'unrelated.txt'].sort(), "the old build's caches go, for every V8");
    assert.equal(cacheFiles().includes(otherV8), false);
  });

  it('runs the module compiled afresh when the cache is damaged', () => {
    load().save();
    const cache = cacheFile();
    writeFileSync(cache, Buffer.alloc(statSync(cache).size, 7));
    const damaged = load();
    assert.equal(damaged.exports.sum(1, 1), 2);
    assert.equal(damaged.exports.helper, 'from a relative require');
  });

  it('works without a cache when the cache cannot be written (save never throws)', () => {
    // A regular file where the cache directory should be: blocks it for root too, which writes
    // through permissions.
    writeFileSync(path.join(dir, '.cache'), 'not a directory');
    const loaded = load();
    assert.doesNotThrow(() => loaded.save());
    assert.equal(loaded.exports.sum(1, 2), 3);
    assert.equal(load().fromCache, false);
  });

  it('leaves no partly written file behind when the cache cannot be put in place', () => {
    // A directory (with something in it) where the cache file should go: the rename fails.
    mkdirSync(path.join(cacheFile(), 'occupied'), { recursive: true });
    const loaded = load();
    assert.doesNotThrow(() => loaded.save());
    assert.deepEqual(cacheFiles(), [path.basename(cacheFile())], 'only the directory that was there; no .tmp file');
    assert.equal(loaded.exports.sum(2, 2), 4);
  });

  it('returns undefined when the file does not exist, and throws what the module throws', () => {
    assert.equal(requireWithCodeCache(path.join(dir, 'absent.js'), cacheDir), undefined);
    const failure = path.join(dir, 'failing.js');
    writeFileSync(failure, "throw new Error('module failed');");
    assert.throws(() => requireWithCodeCache(failure, cacheDir), /module failed/);
    assert.equal(require.cache[failure], undefined, 'a module that threw is not left in require.cache');
    writeFileSync(failure, "require('./not-there');");
    assert.throws(() => requireWithCodeCache(failure, cacheDir), /Cannot find module '.\/not-there'/);
  });
});

describe('the agent bundle and its code cache', () => {
  const bundle = path.join(REPO_ROOT, 'build', 'src', 'agent-bundle.js');
  const apiBundle = path.join(REPO_ROOT, 'build', 'src', 'api-bundle.js');

  it('is ASCII only: V8 reads a one-byte source faster (a comment with "…" made it a two-byte string)', () => {
    const content = readFileSync(bundle);
    const at = content.findIndex((byte) => byte > 0x7f);
    assert.equal(at, -1, `non-ASCII byte at offset ${at}: ${content.subarray(Math.max(0, at - 40), at + 10).toString()}`);
  });

  it('is cached in the package\'s .cache/code by an app that starts with the agent, and so is the API bundle', () => {
    const expected = [bundle, apiBundle].map((file) => cacheNameOf(file, readFileSync(file), PACKAGE_CODE_CACHE_DIR)!.file);
    for (const file of expected) rmSync(file, { force: true });
    execFileSync(process.execPath, ['--require', REGISTER, '-e', ''], { env: { ...process.env, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' } });
    for (const file of expected) assert.ok(existsSync(file), `${file} written`);
  });
});
