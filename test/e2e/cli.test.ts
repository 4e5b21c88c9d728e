import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OPTIONS } from '../../src/cli/args';
import { BIN, NODE, REGISTER_URL, isGone, launchThroughShell, runCli, waitUntilGone } from '../kit/cli';
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

    it('an unknown option suggests the closest known one, and nothing when none is close', async function () {
      for (const [typo, known] of [['--servce-name', '--service-name'], ['--exporters', '--exporter'], ['--qiuet', '--quiet'], ['-endpoint', '--endpoint']]) {
        const r = await runCli([typo, 'x', NODE, '-e', 'console.log("ran")']);
        assert.equal(r.code, 2, typo);
        assert.ok(r.stderr.includes(`unknown option: ${typo} (did you mean ${known}?)`), r.stderr);
        assert.equal(r.stdout, '', 'the command did not run');
      }
      const far = await runCli(['--bogus-flag', NODE, '-v']);
      assert.doesNotMatch(far.stderr, /did you mean/);
    });

    it('an enumerated option value is checked as its variable is, with the same suggestion, before the command runs', async function () {
      const exporter = await runCli(['--exporter', 'consle', NODE, '-e', 'console.log("ran")']);
      assert.equal(exporter.code, 2);
      assert.equal(exporter.stdout, '', 'the command did not run');
      assert.match(exporter.stderr, /^otelite: --exporter "consle" has unsupported value\(s\) consle \(did you mean console\?\)/);
      assert.match(exporter.stderr, /otelite --help/);

      const protocol = await runCli(['--protocol=grcp', '--log-level', 'debgu', NODE, '-e', 'console.log("ran")']);
      assert.equal(protocol.code, 2);
      assert.ok(protocol.stderr.includes('otelite: --protocol "grcp" is not one of http/protobuf, http/json, grpc (did you mean grpc?)\n'), protocol.stderr);
      assert.ok(protocol.stderr.includes('otelite: --log-level "debgu" is not one of'), protocol.stderr);
      assert.ok(protocol.stderr.includes('(did you mean debug?)'), protocol.stderr);

      // A sampler argument is read for the sampler in force, wherever that was set.
      const ratio = await runCli(['--sampler-arg', '2', NODE, '-e', ''], { OTEL_TRACES_SAMPLER: 'traceidratio' });
      assert.equal(ratio.code, 2);
      assert.match(ratio.stderr, /--sampler-arg "2" is not a number between 0 and 1/);

      // A header value is a secret: the option is named, its value never shown.
      const headers = await runCli(['--headers', 'authorization-s3cr3t', NODE, '-e', '']);
      assert.equal(headers.code, 2);
      assert.match(headers.stderr, /^otelite: --headers has malformed header\(s\)/);
      assert.doesNotMatch(headers.stderr, /s3cr3t/);

      // A variable in the environment is left to the agent, which warns and runs the command.
      const inherited = await runCli([NODE, '-e', 'console.log("ran")'], { OTEL_TRACES_EXPORTER: 'consle,none' });
      assert.equal(inherited.code, 0, inherited.stderr);
      assert.equal(inherited.stdout, 'ran\n');
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
  describe('the start-up line', function () {
    // The command starts a second Node process, which loads the agent too (NODE_OPTIONS).
    const NESTED = "require('node:child_process').execFileSync(process.execPath, ['-e', 'console.log(2)'], { stdio: 'inherit' }); console.log(1)";

    it('is one line on stderr, once however many Node processes the command starts', async function () {
      const r = await runCli(['--service-name', 'checkout', '--endpoint', 'http://user:pw@127.0.0.1:4318', NODE, '-e', NESTED]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '2\n1\n');
      assert.equal(
        r.stderr,
        `otelite: tracing ${NODE} -e ${JSON.stringify(NESTED).slice(0, 80 - NODE.length - 5)}… as service=checkout, ` +
          'exporter=otlp http/protobuf http://***@127.0.0.1:4318/v1/traces, metrics=otlp http/protobuf http://***@127.0.0.1:4318/v1/metrics, ' +
          'logs=otlp http/protobuf http://***@127.0.0.1:4318/v1/logs (--quiet to silence)\n',
      );
    });

    it('says where spans, metrics and logs go for each exporter, and when tracing is off', async function () {
      const console = await runCli([NODE, '-e', ''], {
        OTEL_TRACES_EXPORTER: 'console',
        OTEL_METRICS_EXPORTER: 'console',
        OTEL_LOGS_EXPORTER: 'console',
        OTEL_SERVICE_NAME: 'a b',
      });
      assert.equal(console.stderr, `otelite: tracing ${NODE} -e "" as service="a b", exporter=console, metrics=console, logs=console (--quiet to silence)\n`);
      const none = await runCli(['--exporter', 'none', '--metrics-exporter', 'none', '--logs-exporter', 'none', NODE, '-e', '']);
      assert.match(none.stderr, /, exporter=none, metrics=none, logs=none \(--quiet to silence\)\n$/);
      const metrics = await runCli([NODE, '-e', ''], {
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'prometheus,otlp',
        OTEL_EXPORTER_PROMETHEUS_HOST: '::',
        OTEL_EXPORTER_PROMETHEUS_PORT: '9100',
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'https://key:secret@metrics.example:4317',
      });
      assert.match(
        metrics.stderr,
        /, metrics=prometheus http:\/\/\[::\]:9100\/metrics,otlp grpc https:\/\/\*\*\*@metrics\.example:4317, logs=none \(--quiet to silence\)\n$/,
      );
      assert.ok(!metrics.stderr.includes('secret'), metrics.stderr);
      const off = await runCli([NODE, '-e', ''], { OTEL_SDK_DISABLED: 'true' });
      assert.equal(off.stderr, `otelite: running ${NODE} -e "" without tracing (OTEL_SDK_DISABLED=true)\n`);
    });

    it('--quiet and -q silence it', async function () {
      for (const flag of ['--quiet', '-q']) {
        const r = await runCli([flag, '--exporter', 'none', NODE, '-e', NESTED]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, '2\n1\n');
        assert.equal(r.stderr, '');
      }
    });

    it('with OTEL_LOG_LEVEL set, the agent\'s rule applies: its line per process at info, nothing at warn', async function () {
      const info = await runCli(['--exporter', 'none', '--log-level', 'info', NODE, '-e', NESTED]);
      assert.equal(info.code, 0, info.stderr);
      const lines = info.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 2, info.stderr);
      for (const line of lines) assert.match(line, /^otelite info: otelite \S+ started: service=unknown_service:node exporter=none /);
      const warn = await runCli([NODE, '-e', NESTED], { OTEL_TRACES_EXPORTER: 'none', OTEL_LOG_LEVEL: 'warn' });
      assert.equal(warn.stderr, '');
    });
  });

  describe('started by a package manager (npx otelite, npm start)', function () {
    this.timeout(30_000);

    it('reproduces the problem: without a package manager in sight, the app outlives a launcher that never passes SIGTERM on', async function () {
      // This is also the rule for everything that is not a package manager (a shell, a process
      // manager, nohup, setsid): otelite never stops the app because its parent went away.
      const run = await launchThroughShell({ packageManager: false, forwardSigterm: false });
      try {
        run.launcher.kill('SIGTERM');
        await waitUntilGone(run.launcher.pid!, 5_000);
        assert.equal(await waitUntilGone(run.appPid, 2_000), undefined, 'the app kept running');
        assert.ok(!isGone(run.cliPid), 'otelite kept running');
      } finally {
        run.cleanUp();
      }
    });

    for (const [how, forwardSigterm] of [
      ["npm's own way: SIGTERM to the sh -c, which dies of it without passing it on", true],
      ['the launcher alone, its sh -c left running', false],
    ] as const) {
      it(`stops the app within a few seconds when the launcher gets SIGTERM (${how})`, async function () {
        const run = await launchThroughShell({ packageManager: true, forwardSigterm });
        try {
          run.launcher.kill('SIGTERM');
          const took = await waitUntilGone(run.appPid, 5_000);
          assert.notEqual(took, undefined, `the app still runs: ${run.stderr()}`);
          assert.notEqual(await waitUntilGone(run.cliPid, 2_000), undefined, 'otelite still runs');
          assert.match(run.stderr(), new RegExp(`otelite: the process that started otelite \\(pid ${run.launcher.pid}\\) is gone; sent SIGTERM to `));
          if (process.env.OTELITE_RELIABILITY_VERBOSE) console.log(`      app gone ${took} ms after the launcher's SIGTERM`);
        } finally {
          run.cleanUp();
        }
      });
    }

    it('leaves the app running while the package manager lives, even when the shell between them exits', async function () {
      const run = await launchThroughShell({ packageManager: true, forwardSigterm: false, shellSuffix: ' & exit 0' });
      try {
        assert.equal(await waitUntilGone(run.appPid, 2_000), undefined, `the app was stopped: ${run.stderr()}`);
        assert.doesNotMatch(run.stderr(), /is gone/);
      } finally {
        run.cleanUp();
      }
    });
  });
});
