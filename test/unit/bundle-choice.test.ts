import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { appApiEntry, appApiIsNewer, appApiVersion, BUNDLED_API_VERSION } from '../../src/bundle-choice';
import { REPO_ROOT } from '../kit/paths';

/** A directory with node_modules/@opentelemetry/api of `version` in it (a package.json and an entry file). */
function appWithApi(version: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'otelite-api-'));
  const pkg = path.join(dir, 'node_modules', '@opentelemetry', 'api');
  mkdirSync(path.join(pkg, 'build', 'src'), { recursive: true });
  writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@opentelemetry/api', version, main: 'build/src/index.js' }));
  writeFileSync(path.join(pkg, 'build', 'src', 'index.js'), '');
  return dir;
}

describe('bundle choice: the bundled @opentelemetry/api against the app\'s', () => {
  it('BUNDLED_API_VERSION is the version of api-for-bundle, the copy esbuild bundles', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', 'api-for-bundle', 'package.json'), 'utf8')) as { name: string; version: string };
    assert.equal(pkg.name, '@opentelemetry/api');
    assert.equal(pkg.version, BUNDLED_API_VERSION);
  });

  it("only a newer minor of the same major needs the app's API copy", () => {
    assert.equal(appApiIsNewer(undefined, '1.9.1'), false);
    assert.equal(appApiIsNewer('1.9.1', '1.9.1'), false);
    assert.equal(appApiIsNewer('1.9.7', '1.9.1'), false);
    assert.equal(appApiIsNewer('1.4.0', '1.9.1'), false);
    assert.equal(appApiIsNewer('1.10.0', '1.9.1'), true);
    assert.equal(appApiIsNewer('2.0.0', '1.9.1'), false);
    assert.equal(appApiIsNewer('garbage', '1.9.1'), false);
  });

  it("reads the version of the API an app's directory resolves, or none, as Node's resolver finds it", () => {
    const dir = appWithApi('1.42.0');
    const nested = path.join(dir, 'src', 'server');
    mkdirSync(nested, { recursive: true });
    const empty = mkdtempSync(path.join(tmpdir(), 'otelite-noapi-'));
    try {
      for (const plugAndPlay of [false, true]) {
        const how = plugAndPlay ? 'through the resolver' : 'walking node_modules up';
        assert.equal(appApiVersion(dir, plugAndPlay), '1.42.0', how);
        assert.equal(appApiVersion(nested, plugAndPlay), '1.42.0', how);
        assert.equal(appApiVersion(path.join(dir, 'node_modules'), plugAndPlay), '1.42.0', how);
        // No API anywhere up from a fresh temp directory (the system's tmpdir has no node_modules).
        assert.equal(appApiVersion(empty, plugAndPlay), undefined, how);
      }
      assert.equal(appApiEntry(nested), path.join(dir, 'node_modules', '@opentelemetry', 'api', 'build', 'src', 'index.js'));
      assert.equal(appApiEntry(empty), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('finds the nearest copy first, as require does', () => {
    const outer = appWithApi('1.42.0');
    const inner = path.join(outer, 'packages', 'service');
    const innerApi = path.join(inner, 'node_modules', '@opentelemetry', 'api');
    mkdirSync(innerApi, { recursive: true });
    writeFileSync(path.join(innerApi, 'package.json'), JSON.stringify({ name: '@opentelemetry/api', version: '1.43.0' }));
    try {
      assert.equal(appApiVersion(inner, false), '1.43.0');
      assert.equal(appApiVersion(path.join(outer, 'packages'), false), '1.42.0');
    } finally {
      rmSync(outer, { recursive: true, force: true });
    }
  });
});
