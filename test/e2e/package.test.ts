import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../kit/paths';

const run = promisify(execFile);

/** Spans printed by the console exporter in JSON-lines form. */
function jsonSpans(stdout: string): Array<{ name: string; kind: string; service: string }> {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { name: string; kind: string; service: string });
}

/**
 * The package as a user meets it: packed into a tarball, installed into a scratch app outside
 * the repository, and loaded the two documented ways.
 */
describe('packaging: npm pack, install, run', function () {
  this.timeout(180_000);
  let scratch: string;

  before(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'otelite-pack-'));
    const { stdout } = await run('npm', ['pack', '--pack-destination', scratch, '--ignore-scripts'], { cwd: REPO_ROOT });
    const tarball = path.join(scratch, stdout.trim().split('\n').pop()!);
    writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'scratch-app', version: '1.0.0', private: true }));
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
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, '@opentelemetry/api@^1.9.0'], { cwd: scratch });
  });

  after(() => rmSync(scratch, { recursive: true, force: true }));

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

  it('traces a CommonJS app started with npx otelite', async () => {
    const env = { ...process.env, NODE_OPTIONS: '' };
    const { stdout } = await run(
      'npx',
      ['--no-install', 'otelite', '--exporter', 'console', '--console-format', 'json', '--service-name', 'packed-cli', 'node', 'app.cjs'],
      { cwd: scratch, env },
    );
    const spans = jsonSpans(stdout);
    assert.equal(spans.length, 1, stdout);
    assert.equal(spans[0].name, 'scratch cjs work');
    assert.equal(spans[0].service, 'packed-cli');
  });
});
