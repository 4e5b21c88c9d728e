import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, BundleMap, ownerOf } from '../../bench/lib/perf-profile';

// The shape of esbuild's output: each bundled module's path on a comment line above its code.
const BUNDLE = [
  '"use strict";',
  '// node_modules/semver/functions/satisfies.js',
  'function satisfies() {}',
  '// src/sdk/span.ts',
  'var Span = class {',
  '};',
  '// instrumentations/http/server.ts',
  'function wrapServerEmit() {}',
  '// src/export/otlp/encode.ts',
  'function encodeSpan() {}',
].join('\n');

describe('bench perf-profile: whose code a sampled frame is', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'otelite-perf-profile-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('names the bundled module (TypeScript source or dependency) of a line of the bundle', () => {
    const file = join(dir, 'agent-bundle.js');
    writeFileSync(file, BUNDLE);
    const bundle = new BundleMap(file);
    assert.equal(bundle.moduleAt(1), undefined);
    assert.equal(bundle.moduleAt(3), 'node_modules/semver/functions/satisfies.js');
    assert.equal(bundle.moduleAt(5), 'src/sdk/span.ts');
    assert.equal(bundle.moduleAt(6), 'src/sdk/span.ts');
    assert.equal(bundle.moduleAt(8), 'instrumentations/http/server.ts');
    assert.equal(bundle.moduleAt(10), 'src/export/otlp/encode.ts');
  });

  it('charges the agent its own sources, bundled or built by tsc, and nothing else', () => {
    assert.equal(ownerOf('instrumentations/http/server.ts'), 'otelite: instrumentations');
    assert.equal(ownerOf('build/instrumentations/http/server.js'), 'otelite: instrumentations');
    assert.equal(ownerOf('src/sdk/span.ts'), 'otelite: SDK and context');
    assert.equal(ownerOf('build/src/sdk/span.js'), 'otelite: SDK and context');
    assert.equal(ownerOf('src/export/otlp/encode.ts'), 'otelite: export (encode, send)');
    assert.equal(ownerOf('node_modules/@opentelemetry/api/build/src/api/context.js'), 'otelite: SDK and context');
    assert.equal(ownerOf('node_modules/semver/functions/satisfies.js'), 'node and app');
    assert.equal(ownerOf('node_modules/express/lib/router/index.js'), 'node and app');
    assert.equal(ownerOf('node:internal/async_hooks'), 'async context hooks (AsyncLocalStorage)');
  });

  it('counts one function once, whatever tier V8 compiled it in (the marker before its name)', () => {
    // `perf script` samples: a header line, then frames innermost first. V8 marks a JIT frame's
    // tier before its name: `~` interpreted, `^` baseline, `+` Maglev, `*` or `'` optimized.
    const sample = (marker: string): string =>
      [`node 1 1.0: 1 cpu-clock:`, `\t7f00 JS:${marker}emit /work/main/build/instrumentations/http/server.js:10:20 (/tmp/perf-1.map)`, `\t7f01 uv_run (/usr/bin/node)`].join('\n');
    const script = ['~', '^', '+', '*', "'", ''].map(sample).join('\n\n');
    // Six requests, one microsecond per sample: 1/6 µs per request from each sample.
    const profile = analyze(script, 6, 1, new BundleMap(undefined));
    assert.deepEqual([...profile.otelite.keys()], ['emit (build/instrumentations/http/server.js)']);
    assert.ok(Math.abs(profile.otelite.get('emit (build/instrumentations/http/server.js)')! - 1) < 1e-9);
    assert.equal(profile.samples, 6);
  });
});
