import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OPTIONS } from '../../src/cli/args';
import { BIN, NODE, REGISTER_URL, runCli } from '../kit/cli';
import { REPO_ROOT } from '../kit/paths';

describe('otelite CLI (e2e)', function () {
  before(function () {
    assert.ok(fs.existsSync(BIN), `${BIN} missing`);
    assert.ok((fs.statSync(BIN).mode & 0o111) !== 0, 'bin/otelite must be executable');
  });

  describe('arguments', function () {
    it('--help lists every option with its variable and exits 0', async function () {
      const r = await runCli(['--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Usage: otelite \[options\] <command>/);
      for (const o of OPTIONS) {
        assert.ok(r.stdout.includes(o.flag), `help lacks ${o.flag}`);
        assert.ok(r.stdout.includes(o.env), `help lacks ${o.env}`);
      }
      for (const flag of ['--service-name', '--exporter', '--endpoint', '--protocol', '--headers', '--sampler',
        '--sampler-arg', '--propagators', '--log-level', '--resource-attributes', '--enable', '--disable',
        '--console-format', '--help', '--version']) {
        assert.ok(r.stdout.includes(flag), `help lacks ${flag}`);
      }
      const short = await runCli(['-h']);
      assert.equal(short.code, 0);
      assert.equal(short.stdout, r.stdout);
    });

    it('--version prints the package.json version', async function () {
      const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
      const r = await runCli(['--version']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), pkg.version);
      const short = await runCli(['-v']);
      assert.equal(short.stdout.trim(), pkg.version);
    });

    it('an unknown option exits 2, names the option and points at --help', async function () {
      const r = await runCli(['--bogus-flag', 'node', '-v']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--bogus-flag/);
      assert.match(r.stderr, /otelite --help/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(r.stdout, '');
    });

    it('no command exits 2', async function () {
      const r = await runCli(['--service-name', 'foo']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no command/);
      assert.match(r.stderr, /otelite --help/);
      const empty = await runCli([]);
      assert.equal(empty.code, 2);
    });

    it('an option without its value exits 2', async function () {
      const r = await runCli(['--endpoint']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--endpoint needs a value/);
      const r2 = await runCli(['--endpoint', '--service-name', 'x', 'node']);
      assert.equal(r2.code, 2);
      assert.match(r2.stderr, /--endpoint needs a value/);
    });
  });

  describe('running a command', function () {
    const PRINT = 'console.log(JSON.stringify([process.env.OTEL_SERVICE_NAME, process.env.OTEL_TRACES_SAMPLER, process.env.NODE_OPTIONS]))';

    it('passes option variables and adds the agent to NODE_OPTIONS, keeping what was there', async function () {
      const r = await runCli(['--service-name', 'foo', '--sampler=always_off', NODE, '-e', PRINT], {
        NODE_OPTIONS: '--max-old-space-size=100',
        OTEL_SDK_DISABLED: 'true',
      });
      assert.equal(r.code, 0, r.stderr);
      const [service, sampler, nodeOptions] = JSON.parse(r.stdout) as string[];
      assert.equal(service, 'foo');
      assert.equal(sampler, 'always_off');
      assert.ok(nodeOptions.includes('--max-old-space-size=100'), nodeOptions);
      assert.ok(nodeOptions.includes(`--import "${REGISTER_URL}"`), nodeOptions);
      assert.ok(nodeOptions.indexOf('--max-old-space-size=100') < nodeOptions.indexOf('--import'));
    });

    it('does not add the agent twice when nested', async function () {
      const r = await runCli([NODE, BIN, NODE, '-e', PRINT], { OTEL_SDK_DISABLED: 'true' });
      assert.equal(r.code, 0, r.stderr);
      const nodeOptions = (JSON.parse(r.stdout) as string[])[2];
      assert.equal(nodeOptions.split(REGISTER_URL).length - 1, 1, nodeOptions);
    });

    it('option parsing stops at the command and at --', async function () {
      const script = 'console.log(JSON.stringify([process.argv.slice(1), process.env.OTEL_SERVICE_NAME ?? null]))';
      for (const prefix of [[], ['--']]) {
        const r = await runCli([...prefix, NODE, '-e', script, '--', '--service-name', 'x', '--bogus'], {
          OTEL_SDK_DISABLED: 'true',
        });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout), [['--service-name', 'x', '--bogus'], null]);
      }
    });

    it('exits with the status of the command', async function () {
      const r = await runCli([NODE, '-e', 'process.exit(7)'], { OTEL_SDK_DISABLED: 'true' });
      assert.equal(r.code, 7, r.stderr);
      assert.equal(r.signal, null);
    });

    it('dies by the signal that killed the command', async function () {
      const r = await runCli([NODE, '-e', "process.kill(process.pid, 'SIGTERM')"], { OTEL_SDK_DISABLED: 'true' });
      assert.equal(r.signal, 'SIGTERM', `code ${r.code}, stderr ${r.stderr}`);
      assert.equal(r.code, null);
    });

    it('forwards SIGINT to the command', async function () {
      const script = [
        "process.on('SIGINT', () => { console.log('child got SIGINT'); process.exit(0); });",
        "console.log('ready');",
        'setTimeout(() => process.exit(5), 15000);',
      ].join('\n');
      let sent = false;
      const r = await runCli([NODE, '-e', script], { OTEL_SDK_DISABLED: 'true' }, (soFar, child) => {
        if (!sent && soFar.includes('ready')) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      assert.ok(sent, 'child never became ready: ' + r.stderr);
      assert.match(r.stdout, /child got SIGINT/);
      assert.equal(r.signal, null);
      assert.equal(r.code, 0, r.stderr);
    });

    it('a command that does not exist exits 127 with a clear message', async function () {
      const r = await runCli(['otelite-no-such-command-xyz', 'arg']);
      assert.equal(r.code, 127);
      assert.match(r.stderr, /command not found: otelite-no-such-command-xyz/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  });
});
