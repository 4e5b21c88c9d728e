import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { OPTIONS } from '../../src/cli/args';
import { closedPort } from '../kit/servers';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'otelite');
const REGISTER_URL = pathToFileURL(path.join(ROOT, 'build', 'src', 'register.js')).href;
const NODE = process.execPath;

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The parent environment without anything that would change how otelite or the agent behaves. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('OTEL_') || k.startsWith('OTELITE_') || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function runCli(
  args: string[],
  env: Record<string, string> = {},
  onStdout?: (soFar: string, child: ReturnType<typeof spawn>) => void,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [BIN, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      onStdout?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

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
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
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

  describe('doctor', function () {
    let server: http.Server;
    let port: number;
    let requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; bodyLength: number }>;

    before(async function () {
      server = http.createServer((req, res) => {
        let length = 0;
        req.on('data', (chunk: Buffer) => (length += chunk.length));
        req.on('end', () => {
          requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyLength: length });
          res.writeHead(200, { 'content-type': 'application/x-protobuf' });
          res.end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    beforeEach(function () {
      requests = [];
    });
    after(async function () {
      await new Promise<void>((r) => server.close(() => r()));
    });

    it('hides header values, reports malformed variables and exits 1', async function () {
      const r = await runCli(['--endpoint', `http://127.0.0.1:${port}`, 'doctor'], {
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20s3cr3t-value',
        OTEL_BSP_MAX_QUEUE_SIZE: 'abc',
      });
      const all = r.stdout + r.stderr;
      assert.match(r.stdout, /authorization/);
      assert.ok(!all.includes('s3cr3t-value'), 'secret printed');
      assert.ok(!all.includes('Bearer'), 'secret printed');
      assert.ok(
        r.stdout.split('\n').some((line) => line.includes('OTEL_BSP_MAX_QUEUE_SIZE')),
        'no line names OTEL_BSP_MAX_QUEUE_SIZE',
      );
      assert.equal(r.code, 1);
      // The probe did authenticate like the exporter would.
      assert.equal(requests.length, 1);
      assert.equal(requests[0].headers.authorization, 'Bearer s3cr3t-value');
    });

    it('reports a live endpoint as reachable and exits 0', async function () {
      const r = await runCli(['--service-name', 'doc-svc', '--endpoint', `http://127.0.0.1:${port}`, 'doctor']);
      assert.match(r.stdout, /^\s*reachable\b/m, r.stdout);
      assert.doesNotMatch(r.stdout, /unreachable/);
      assert.match(r.stdout, /doc-svc/);
      assert.match(r.stdout, /HTTP 200/);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(requests.length, 1);
      assert.equal(requests[0].method, 'POST');
      assert.equal(requests[0].url, '/v1/traces');
      assert.equal(requests[0].bodyLength, 0);
      assert.equal(requests[0].headers['content-type'], 'application/x-protobuf');
    });

    it('reports a closed port as unreachable and exits 1', async function () {
      const closed = await closedPort();
      const r = await runCli(['--endpoint', `http://127.0.0.1:${closed}`, 'doctor']);
      assert.match(r.stdout, /^\s*unreachable: .*ECONNREFUSED/m, r.stdout);
      assert.equal(r.code, 1);
    });

    it('prints every section of the configuration', async function () {
      const r = await runCli(['--protocol', 'grpc', '--endpoint', `http://127.0.0.1:${port}`, '--disable', 'dns', 'doctor']);
      for (const section of ['Service', 'Exporters', 'OTLP', 'Sampler', 'Propagation', 'Batch', 'Span limits', 'Instrumentations', 'HTTP', 'Warnings']) {
        assert.match(r.stdout, new RegExp(`^${section}`, 'm'), `missing section ${section}`);
      }
      assert.match(r.stdout, /protocol:\s+grpc/);
      assert.match(r.stdout, /disabled:\s+dns/);
      // grpc: TCP only, no HTTP request.
      assert.match(r.stdout, /^\s*reachable/m);
      assert.equal(requests.length, 0);
    });

    it('skips the endpoint check when otlp is not an exporter', async function () {
      const r = await runCli(['--exporter', 'console', 'doctor']);
      assert.match(r.stdout, /skipped/);
      assert.doesNotMatch(r.stdout, /reachable/);
      assert.equal(r.code, 0, r.stdout);
    });
  });
});
