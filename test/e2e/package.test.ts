import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { appApiIsNewer, BUNDLED_API_VERSION } from '../../src/bundle-choice';
import { FIXTURES, REPO_ROOT } from '../kit/paths';
import { parseWhichAgent } from '../kit/which-agent';

const run = promisify(execFile);

/** Spans printed by the console exporter in JSON-lines form. */
function jsonSpans(stdout: string): Array<{ name: string; kind: string; service: string }> {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { name: string; kind: string; service: string });
}

/** A scratch app outside the repository with the packed tarball installed, and `extra` packages. */
async function scratchApp(tarball: string, extra: string[]): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'otelite-app-'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'scratch-app', version: '1.0.0', private: true }));
  copyFileSync(path.join(FIXTURES, 'which-agent.cjs'), path.join(dir, 'which-agent.cjs'));
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, ...extra], { cwd: dir });
  return dir;
}

function installedApiVersion(app: string): string {
  return (JSON.parse(readFileSync(path.join(app, 'node_modules', '@opentelemetry', 'api', 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The package as a user meets it: packed into a tarball, installed into a scratch app outside
 * the repository, and loaded the documented ways.
 */
describe('packaging: npm pack, install, run', function () {
  this.timeout(240_000);
  let packDir: string;
  let tarball: string;
  let scratch: string;

  before(async () => {
    packDir = mkdtempSync(path.join(tmpdir(), 'otelite-pack-'));
    // npm test has just built: the tarball holds that build (prepack would build it again).
    const { stdout } = await run('npm', ['pack', '--pack-destination', packDir, '--ignore-scripts'], { cwd: REPO_ROOT });
    tarball = path.join(packDir, stdout.trim().split('\n').pop()!);
    // A normal install: npm picks the newest @opentelemetry/api release for the app and otelite.
    scratch = await scratchApp(tarball, ['@opentelemetry/api']);
    writeFileSync(
      path.join(scratch, 'app.mjs'),
      `import { trace } from '@opentelemetry/api';
trace.getTracer('scratch').startActiveSpan('scratch work', (span) => span.end());
`,
    );
    writeFileSync(
      path.join(scratch, 'app.cjs'),
      `const { trace } = require('@opentelemetry/api');
trace.getTracer('scratch').startActiveSpan('scratch cjs work', (span) => span.end());
`,
    );
  });

  after(() => {
    rmSync(scratch, { recursive: true, force: true });
    rmSync(packDir, { recursive: true, force: true });
  });

  it('ships only the compiled code, the bin and the README', () => {
    const installed = path.join(scratch, 'node_modules', 'otelite');
    const top = readdirSync(installed).sort();
    assert.deepEqual(top, ['README.md', 'bin', 'build', 'package.json']);
    assert.deepEqual(readdirSync(path.join(installed, 'build')).sort(), ['instrumentations', 'src']);
  });

  it('traces an ESM app started with node --import otelite/register', async () => {
    const env = { ...process.env, OTEL_TRACES_EXPORTER: 'console', OTELITE_CONSOLE_FORMAT: 'json', OTEL_SERVICE_NAME: 'packed-esm', NODE_OPTIONS: '' };
    const { stdout } = await run(process.execPath, ['--import', 'otelite/register', 'app.mjs'], { cwd: scratch, env });
    const spans = jsonSpans(stdout);
    assert.equal(spans.length, 1, stdout);
    assert.equal(spans[0].name, 'scratch work');
    assert.equal(spans[0].service, 'packed-esm');
  });

  it('traces a CommonJS app started with the installed CLI (npx --no-install otelite)', async () => {
    const env = { ...process.env, NODE_OPTIONS: '' };
    const { stdout, stderr } = await run(
      'npx',
      ['--no-install', 'otelite', '--exporter', 'console', '--console-format', 'json', '--service-name', 'packed-cli', 'node', 'app.cjs'],
      { cwd: scratch, env },
    );
    const spans = jsonSpans(stdout);
    assert.equal(spans.length, 1, stdout);
    assert.equal(spans[0].name, 'scratch cjs work');
    assert.equal(spans[0].service, 'packed-cli');
    // The CLI is interactive: it says once that it is on.
    assert.equal(stderr.split('\n').filter((l) => l.startsWith('otelite: tracing')).length, 1, stderr);
  });

  it('the newest @opentelemetry/api release: the one-file bundle and its API are loaded, and the app sees the agent', async () => {
    // Today the bundled copy is the newest release; after a newer one ships (and until the bundle
    // carries it), the agent registers through the app's copy, still from the bundle.
    const bundledApi = !appApiIsNewer(installedApiVersion(scratch), BUNDLED_API_VERSION);
    for (const flag of ['--require', '--import']) {
      const { stdout } = await run(process.execPath, [flag, 'otelite/register', 'which-agent.cjs'], {
        cwd: scratch,
        env: { ...process.env, OTEL_TRACES_EXPORTER: 'none', NODE_OPTIONS: '' },
      });
      assert.deepEqual(parseWhichAgent(stdout), { bundle: true, files: false, bundledApi, traced: true, appApiSeesAgent: true }, flag);
    }
  });

  it('an app that pins an older 1.x API: the bundle still, and the app\'s API sees the agent', async () => {
    const pinned = await scratchApp(tarball, ['@opentelemetry/api@1.7.0']);
    try {
      assert.equal(installedApiVersion(pinned), '1.7.0');
      const { stdout } = await run(process.execPath, ['--require', 'otelite/register', 'which-agent.cjs'], {
        cwd: pinned,
        env: { ...process.env, OTEL_TRACES_EXPORTER: 'none', NODE_OPTIONS: '' },
      });
      assert.deepEqual(parseWhichAgent(stdout), { bundle: true, files: false, bundledApi: true, traced: true, appApiSeesAgent: true });
    } finally {
      rmSync(pinned, { recursive: true, force: true });
    }
  });
});
