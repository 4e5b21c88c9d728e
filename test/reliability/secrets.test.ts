import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startReceiver, type Receiver } from '../kit/otlp-receiver';
import { BIN, FIXTURES } from '../kit/paths';
import { runApp } from '../kit/process';
import { startPostgres, startRedis, type RunningPostgres, type RunningServer } from '../kit/servers';
import { versionSetDir } from '../kit/versions';
import { RELIABILITY_FIXTURES, request, startServerApp } from './kit';

/**
 * The secrets scan: an app (test/fixtures/reliability/secrets-app.cjs) handles distinctive
 * planted secrets the way real apps do, through the http client and server, fetch, pg and redis
 * against real PostgreSQL and Redis servers, with OTEL_LOG_LEVEL=debug and secret OTLP headers
 * (one of them malformed). Every exported span (names, attributes, events, links, status,
 * resource, scope), everything the app process printed (the agent's diagnostics included) and
 * the output of `otelite doctor` with the same environment are scanned: no secret anywhere.
 * The spans the secrets went through must exist (redacted), so the scan cannot pass vacuously.
 */

const execFileAsync = promisify(execFile);
const SERVICE = 'reliability-secrets';

/** Distinctive, URL-safe, none a substring of another. */
const SECRETS = {
  urlUser: 'zq-urluser-5b2c9e',
  urlPassword: 'zq-urlpass-7d1f3a',
  authOption: 'zq-authopt-9a3e01',
  queryToken: 'zq-qtoken-4c8b77',
  querySig: 'zq-qsig-2e6a55',
  accessToken: 'zq-qaccess-81d0c2',
  amzSignature: 'zq-amzsig-3f9b12',
  fetchSignature: 'zq-fetchsig-6c2d90',
  googSignature: 'zq-googsig-0a7e43',
  authHeader: 'zq-authhdr-5e1b8c',
  cookie: 'zq-cookie-d4a6f0',
  incomingToken: 'zq-intoken-19c7e2',
  incomingSig: 'zq-insig-b83f5d',
  sqlLiteral: 'zq-sqllit-7e2a94',
  sqlBound: 'zq-sqlbound-c51d08',
  sqlErrorLiteral: 'zq-sqlerr-2b9f6e',
  pgPassword: 'zq-pgpass-e07c3b',
  redisPassword: 'zq-redispass-4d8a1f',
  redisValue: 'zq-redisval-93b6c0',
  redisHashValue: 'zq-redishval-1f5e72',
  redisMultiValue: 'zq-redismval-6a0d3c',
  otlpHeader: 'zq-otlphdr-58e2b9',
  otlpBearer: 'zq-otlpbearer-0c4f7a',
  otlpMalformed: 'zq-otlpbad-b2e9d1',
  endpointUser: 'zq-epuser-37c1a8',
  endpointPassword: 'zq-eppass-e5b04d',
  endpointKey: 'zq-epkey-8f2c6b',
} as const;

/** Sets a password on the Redis server (RESP over a plain socket). */
async function requirePass(port: number, password: string): Promise<void> {
  const args = ['CONFIG', 'SET', 'requirepass', password];
  const command = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(command));
    socket.on('data', (d: Buffer) => {
      socket.destroy();
      if (d.toString().startsWith('+OK')) resolve();
      else reject(new Error(`CONFIG SET answered ${d.toString()}`));
    });
    socket.on('error', reject);
  });
}

function findSecrets(text: string): string[] {
  return Object.entries(SECRETS).flatMap(([name, secret]) => (text.includes(secret) ? [`${name} (${secret})`] : []));
}

/** A bit of context around each secret found, to say where it leaked. */
function where(text: string): string {
  return Object.values(SECRETS)
    .flatMap((secret) => {
      const at = text.indexOf(secret);
      return at < 0 ? [] : [`…${text.slice(Math.max(0, at - 120), at + secret.length + 40)}…`];
    })
    .join('\n');
}

describe('reliability: no secret in any exported span, diagnostic line or doctor output', function () {
  this.timeout(90_000);
  let postgres: RunningPostgres;
  let redis: RunningServer;
  let receiver: Receiver;

  before(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    await requirePass(redis.port, SECRETS.redisPassword);
  });
  after(async () => {
    await Promise.all([postgres?.stop(), redis?.stop()]);
  });
  afterEach(() => receiver?.close());

  it('plants secrets through http, fetch, pg and redis with debug diagnostics, and finds none', async () => {
    receiver = await startReceiver({ protocol: 'http/protobuf' });
    const env: Record<string, string> = {
      OTEL_SERVICE_NAME: SERVICE,
      OTEL_LOG_LEVEL: 'debug',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      // The traces variable wins as a whole; the generic one is still read, and warned about.
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: `authorization=Bearer%20${SECRETS.otlpBearer}`,
      OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${SECRETS.otlpHeader},bad header=${SECRETS.otlpMalformed}`,
    };
    const app = await startServerApp({
      file: path.join(RELIABILITY_FIXTURES, 'secrets-app.cjs'),
      env: {
        ...env,
        SECRETS: JSON.stringify(SECRETS),
        OTELITE_TEST_VERSION_SET_DIR: versionSetDir('current'),
        PG_USER: postgres.user,
        PG_PORT: String(postgres.port),
        PG_DATABASE: postgres.database,
        REDIS_PORT: String(redis.port),
      },
    });
    let stdout = '';
    let stderr = '';
    try {
      for (let i = 0; i < 2; i++) {
        const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = http.get(
            {
              host: '127.0.0.1',
              port: app.port,
              path: `/work?token=${SECRETS.incomingToken}&sig=${SECRETS.incomingSig}&user=alice`,
              headers: { authorization: `Basic ${SECRETS.authHeader}`, cookie: `session=${SECRETS.cookie}` },
            },
            (r) => {
              let body = '';
              r.on('data', (d: Buffer) => (body += d));
              r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
            },
          );
          req.on('error', reject);
        });
        assert.deepEqual(res, { status: 200, body: 'done' });
      }
      assert.equal((await request(app.port, '/inner')).body, 'inner');
      const exit = await app.stop('SIGTERM');
      stdout = exit.stdout;
      stderr = exit.stderr;
      assert.equal(exit.code, 0, exit.stderr);
      assert.match(stdout, /CLOSED/);
    } finally {
      await app.stop('SIGKILL').catch(() => undefined);
    }

    // The scan is not vacuous: the spans the secrets went through were exported, redacted.
    const spans = receiver.spans.filter((s) => s.resource.attributes['service.name'] === SERVICE);
    const scopes = new Set(spans.map((s) => s.scope.name));
    for (const scope of ['otelite/http', 'otelite/undici', 'otelite/pg', 'otelite/redis']) assert.ok(scopes.has(scope), `${scope} spans exported`);
    const urls = spans.map((s) => s.attributes['url.full']).filter((u): u is string => typeof u === 'string');
    assert.ok(urls.some((u) => u.includes('REDACTED:REDACTED@')), `credentials replaced: ${urls.join(' ')}`);
    assert.ok(urls.some((u) => u.includes('sig=REDACTED')) && urls.some((u) => u.includes('X-Goog-Signature=REDACTED')), urls.join(' '));
    const queries = spans.map((s) => s.attributes['db.query.text']).filter((q): q is string => typeof q === 'string');
    assert.ok(queries.some((q) => /^SELECT \? AS a, \? AS b$/.test(q)), `pg query text: ${queries.join(' | ')}`);
    assert.ok(queries.some((q) => q === 'INSERT INTO t (a, b) VALUES ($1, $2)'), `pg query text: ${queries.join(' | ')}`);
    assert.ok(queries.some((q) => /^SET secret:key \?$/.test(q)), `redis query text: ${queries.join(' | ')}`);
    assert.ok(spans.some((s) => s.scope.name === 'otelite/pg' && s.status.code === 2), 'the failing query is an error span');
    assert.ok(receiver.requests.some((r) => r.headers['authorization'] === `Bearer ${SECRETS.otlpBearer}`), 'the OTLP headers were used');
    assert.match(stderr, /^otelite debug: /m, 'debug diagnostics were on');
    assert.match(stderr, /OTEL_EXPORTER_OTLP_HEADERS has malformed header/);

    const exported = JSON.stringify(receiver.spans, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    assert.deepEqual(findSecrets(exported), [], `secrets in exported spans:\n${where(exported)}`);
    assert.deepEqual(findSecrets(stdout + stderr), [], `secrets in the app's output:\n${where(stdout + stderr)}`);

    // otelite doctor with the same environment (it also sends the receiver one synthetic span).
    let doctor: string;
    try {
      const { stdout: out, stderr: err } = await execFileAsync(process.execPath, [BIN, 'doctor'], { env: { PATH: process.env.PATH, ...env }, timeout: 20_000 });
      doctor = out + err;
    } catch (error) {
      // exit status 1: warnings were found (the malformed header); the output is what matters
      const e = error as { stdout?: string; stderr?: string; code?: number };
      assert.equal(e.code, 1, String(error));
      doctor = (e.stdout ?? '') + (e.stderr ?? '');
    }
    assert.match(doctor, /traces: accepted over/, doctor);
    assert.match(doctor, /headers:\s+authorization=\*\*\*/, doctor);
    assert.deepEqual(findSecrets(doctor), [], `secrets in otelite doctor:\n${where(doctor)}`);
  });

  it('an endpoint with credentials in it: masked in otelite doctor and in configuration warnings', async () => {
    receiver = await startReceiver({ protocol: 'http/protobuf' });
    const port = new URL(receiver.endpoint).port;
    const env = {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://${SECRETS.endpointUser}:${SECRETS.endpointPassword}@127.0.0.1:${port}/v1/traces?api_key=${SECRETS.endpointKey}`,
      // malformed (no host): warned about, with its value shown
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://${SECRETS.endpointUser}:${SECRETS.endpointPassword}@/?api_key=${SECRETS.endpointKey}`,
    };
    const { stdout } = await execFileAsync(process.execPath, [BIN, 'doctor'], { env: { PATH: process.env.PATH, ...env }, timeout: 20_000 }).catch(
      (e: { stdout: string }) => ({ stdout: e.stdout }),
    );
    assert.match(stdout, /OTEL_EXPORTER_OTLP_ENDPOINT="http:\/\/\*\*\*@\/\?api_key=\*\*\*" is not a valid http\(s\) URL/, stdout);
    assert.match(stdout, new RegExp(`endpoint: +http://\\*\\*\\*@127\\.0\\.0\\.1:${port}/v1/traces\\?api_key=\\*\\*\\*`), stdout);
    assert.deepEqual(findSecrets(stdout), [], `secrets in otelite doctor:\n${where(stdout)}`);

    // The agent's own warning about the malformed variable (at the default log level).
    const exit = await runApp({ file: path.join(FIXTURES, 'api-app.cjs'), preload: '--require', env: { ...env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint } });
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stderr, /OTEL_EXPORTER_OTLP_ENDPOINT=.* is not a valid http\(s\) URL/);
    assert.deepEqual(findSecrets(exit.stdout + exit.stderr), [], `secrets in the agent's output:\n${where(exit.stderr)}`);
  });
});
