import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { requireIfBuilt } from '../../src/require-built';

describe('requireIfBuilt: the bundles when they were built, nothing when not, any other failure thrown', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'otelite-built-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const loader = (file: string) => (): unknown => module.require(path.join(dir, file));

  it('returns what the built file exports', () => {
    writeFileSync(path.join(dir, 'present-bundle.js'), 'module.exports = { answer: 42 };');
    assert.deepEqual(
      requireIfBuilt('present-bundle', loader('present-bundle.js')),
      { answer: 42 },
    );
  });

  it('returns undefined when that file was not built', () => {
    assert.equal(requireIfBuilt('absent-bundle', loader('absent-bundle.js')), undefined);
  });

  it('throws when the file exists but a module it needs is missing, or it fails', () => {
    writeFileSync(path.join(dir, 'broken-bundle.js'), "require('./not-there-either');");
    assert.throws(() => requireIfBuilt('broken-bundle', loader('broken-bundle.js')), /not-there-either/);
    const failure = new Error('boom');
    assert.throws(
      () =>
        requireIfBuilt('x-bundle', () => {
          throw failure;
        }),
      (thrown: unknown) => thrown === failure,
    );
  });
});
