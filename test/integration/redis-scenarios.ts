import assert from 'node:assert/strict';
import { MAX_OPEN_SPANS } from '../../instrumentations/shared/redis-spans';
import type { DecodedSpan } from '../kit/otlp-decoder';
import { startRedis, type RunningServer } from '../kit/servers';
import type { VersionSet } from '../kit/versions';
import {
  assertChildOf,
  assertNothingPlanted,
  byQuery,
  KIND_CLIENT,
  KIND_SERVER,
  redisSpans,
  runExpressFixture,
  runRedisFixture,
  spanNamed,
  STATUS_ERROR,
  STATUS_UNSET,
  type Flavour,
  type Lib,
  type RedisRun,
} from './redis-kit';

/**
 * The test suites both Redis clients must pass, run by redis.test.ts and ioredis.test.ts against
 * the same scenarios (test/fixtures/<lib>/). What differs between the clients is passed in.
 */
export interface ClientCase {
  lib: Lib;
  /** `error.type` of a GET on a client whose server refused the connection. */
  closedGetErrorType: string;
  /** `error.type` of the commands an offline client gave up on. */
  offlineErrorType: string;
  /** Whether each failed reconnection attempt is a span (not for node-redis's channels). */
  failedAttemptSpans(set: VersionSet): boolean;
}

/** Where the fixtures find Redis: `server` is started by the test file's `before`. */
export interface Servers {
  redis: RunningServer | undefined;
  closedPort: number;
}

function env(servers: Servers): Record<string, string> {
  assert.ok(servers.redis, 'the Redis server was not started');
  return { REDIS_HOST: servers.redis.host, REDIS_PORT: String(servers.redis.port), CLOSED_PORT: String(servers.closedPort) };
}

const COMMANDS = ['SET user:1 ?', 'GET user:1', 'HSET h:1 ? ?', 'DEL user:1', 'SET str:1 ?', 'LPUSH str:1 ?'];

/** SET/GET/HSET/DEL, an error reply, MULTI, a pipeline and a refused connection, in an active span. */
export function mainScenarioTests(client: ClientCase, set: VersionSet, flavour: Flavour, servers: Servers): void {
  describe(`${client.lib} from the ${set} set, ${flavour === 'esm' ? 'an ES module app (--import)' : 'a CommonJS app (--require)'}`, () => {
    let run: RedisRun;
    let spans: DecodedSpan[];
    let scenario: DecodedSpan;
    before(async () => {
      run = await runRedisFixture({ lib: client.lib, set, flavour, env: env(servers) });
      spans = redisSpans(run, client.lib);
      scenario = spanNamed(run, 'scenario');
    });

    it('leaves what the app sees unchanged', () => {
      assert.equal(run.saw.get('set'), 'OK');
      assert.equal(run.saw.get('get'), 's3cr3t-value-1');
      assert.equal(run.saw.get('del'), '1');
      assert.match(run.saw.get('lpush') ?? '', /^\w+::WRONGTYPE$/);
      assert.match(run.saw.get('multi') ?? '', /"OK".*"s3cr3t-value-5"/);
      assert.match(run.saw.get('pipeline') ?? '', /"OK".*"s3cr3t-value-6"/);
    });

    it('makes one CLIENT span per command, named by the command, child of the active span', () => {
      for (const text of COMMANDS) {
        const span = byQuery(spans, text);
        assert.equal(span.name, text.split(' ')[0], text);
        assert.equal(span.kind, KIND_CLIENT, text);
        assertChildOf(span, scenario, text);
      }
    });

    it('sets the stable database attributes, values masked in db.query.text', () => {
      for (const text of COMMANDS) {
        const { attributes } = byQuery(spans, text);
        assert.equal(attributes['db.system.name'], 'redis', text);
        assert.equal(attributes['db.operation.name'], text.split(' ')[0], text);
        assert.equal(attributes['db.namespace'], '0', text);
        assert.equal(attributes['server.address'], '127.0.0.1', text);
        assert.equal(attributes['server.port'], servers.redis!.port, text);
        assert.equal(attributes['db.operation.batch.size'], undefined, text);
      }
      for (const text of COMMANDS.slice(0, -1)) {
        const span = byQuery(spans, text);
        assert.equal(span.status.code, STATUS_UNSET, text);
        assert.equal(span.attributes['error.type'], undefined, text);
      }
    });

    it('marks an error reply: ERROR status, error.type and db.response.status_code WRONGTYPE, exception event', () => {
      const span = byQuery(spans, 'LPUSH str:1 ?');
      assert.equal(span.status.code, STATUS_ERROR);
      assert.equal(span.attributes['error.type'], 'WRONGTYPE');
      assert.equal(span.attributes['db.response.status_code'], 'WRONGTYPE');
      const exception = span.events.find((e) => e.name === 'exception');
      assert.ok(exception, 'exception event');
      assert.equal(exception.attributes['exception.type'], 'WRONGTYPE');
      assert.match(String(exception.attributes['exception.message']), /^WRONGTYPE /);
    });

    it('makes one span per MULTI/EXEC transaction and per pipeline, with the batch size, and none per command in them', () => {
      for (const mode of ['MULTI', 'PIPELINE']) {
        const span = spanNamed(run, mode);
        assert.equal(span.kind, KIND_CLIENT, mode);
        assertChildOf(span, scenario, mode);
        assert.equal(span.attributes['db.operation.name'], mode);
        assert.equal(span.attributes['db.operation.batch.size'], 2, mode);
        assert.equal(span.attributes['db.query.text'], undefined, mode);
        assert.equal(span.attributes['db.namespace'], '0', mode);
        assert.equal(span.status.code, STATUS_UNSET, mode);
      }
      const inBatches = spans.filter((s) => /\b[mp]:1\b/.test(String(s.attributes['db.query.text'])));
      assert.deepEqual(inBatches.map((s) => s.name), []);
    });

    it('makes connect spans, and marks a refused connection and the command that failed with it', () => {
      const connects = spans.filter((s) => s.name === 'connect');
      const ok = connects.filter((s) => s.attributes['server.port'] === servers.redis!.port);
      assert.equal(ok.length, 1, 'one connect span to the server');
      assertChildOf(ok[0], scenario, 'connect');
      assert.equal(ok[0].status.code, STATUS_UNSET);
      assert.equal(ok[0].attributes['db.system.name'], 'redis');

      const refused = connects.filter((s) => s.attributes['server.port'] === servers.closedPort);
      assert.ok(refused.length >= 1, 'a connect span to the closed port');
      for (const span of refused) {
        assertChildOf(span, scenario, 'refused connect');
        assert.equal(span.status.code, STATUS_ERROR);
        assert.equal(span.attributes['error.type'], 'ECONNREFUSED');
      }
      const get = byQuery(spans, 'GET k:1');
      assertChildOf(get, scenario, 'GET k:1');
      assert.equal(get.status.code, STATUS_ERROR);
      assert.equal(get.attributes['error.type'], client.closedGetErrorType);
      assert.equal(get.attributes['server.port'], servers.closedPort);
    });

    it('never exports a planted value', () => {
      assertNothingPlanted(run.spans);
    });
  });
}

/** A command outside any span: a root span by default, none under OTEL_NODE_DB_REQUIRE_PARENT_SPAN. */
export function parentRuleTests(client: ClientCase, set: VersionSet, servers: Servers): void {
  describe(`${client.lib} from the ${set} set, commands outside any span`, () => {
    it('makes root spans by default', async () => {
      const run = await runRedisFixture({ lib: client.lib, set, scenario: 'outside', env: env(servers) });
      const spans = redisSpans(run, client.lib);
      assertChildOf(byQuery(spans, 'GET inside:1'), spanNamed(run, 'scenario'), 'GET inside:1');
      const outside = byQuery(spans, 'GET outside:1');
      assert.equal(outside.parentSpanId, undefined, 'a root span');
      const connect = spans.filter((s) => s.name === 'connect');
      assert.equal(connect.length, 1);
      assert.equal(connect[0].parentSpanId, undefined);
    });

    it('makes none with OTEL_NODE_DB_REQUIRE_PARENT_SPAN=true, and still traces commands inside a span', async () => {
      const run = await runRedisFixture({
        lib: client.lib,
        set,
        scenario: 'outside',
        env: { ...env(servers), OTEL_NODE_DB_REQUIRE_PARENT_SPAN: 'true' },
      });
      const spans = redisSpans(run, client.lib);
      assertChildOf(byQuery(spans, 'GET inside:1'), spanNamed(run, 'scenario'), 'GET inside:1');
      assert.deepEqual(
        spans.filter((s) => s.parentSpanId === undefined).map((s) => `${s.name} ${String(s.attributes['db.query.text'] ?? '')}`),
        [],
        'no root spans',
      );
      assert.equal(run.saw.get('outside'), 'null', 'the command itself still ran');
    });
  });
}

/** OTEL_NODE_DISABLED_INSTRUMENTATIONS=<lib>: no spans of this instrumentation, the app unchanged. */
export function disabledTests(client: ClientCase, set: VersionSet, servers: Servers): void {
  it(`makes no spans when OTEL_NODE_DISABLED_INSTRUMENTATIONS=${client.lib} (${set} set)`, async () => {
    const run = await runRedisFixture({ lib: client.lib, set, env: { ...env(servers), OTEL_NODE_DISABLED_INSTRUMENTATIONS: client.lib } });
    spanNamed(run, 'scenario');
    assert.deepEqual(redisSpans(run, client.lib).map((s) => s.name), []);
    assert.equal(run.saw.get('get'), 's3cr3t-value-1');
    assert.match(run.saw.get('lpush') ?? '', /WRONGTYPE/);
  });
}

/** A Redis call in an express handler is a child of the handler's span, under the HTTP SERVER span. */
export function expressTests(client: ClientCase, set: VersionSet, servers: Servers): void {
  it(`makes the span of a command in an express ${set === 'previous' ? '4' : '5'} handler a child of the handler span, under the HTTP SERVER span (${set} set)`, async () => {
    const run = await runExpressFixture(client.lib, set, env(servers));
    assert.deepEqual(run.body, { name: null });
    const server = run.spans.filter((s) => s.kind === KIND_SERVER);
    assert.equal(server.length, 1, `expected one HTTP SERVER span (from the http instrumentation), got: ${run.spans.map((s) => s.name).join(', ')}`);
    const handler = run.spans.find((s) => s.name.startsWith('request handler - '));
    assert.ok(handler, `expected the express request handler span, got: ${run.spans.map((s) => s.name).join(', ')}`);
    assertChildOf(handler, server[0], handler.name);
    assertChildOf(byQuery(redisSpans(run, client.lib), 'GET user:7'), handler, 'GET user:7');
  });
}

/**
 * A client that reconnects, then whose server stops: more commands than MAX_OPEN_SPANS queue
 * while it retries, until it gives up. The spans that were started end with the client's error,
 * the rest are not made, the app exits on its own.
 */
export function offlineTests(client: ClientCase, set: VersionSet): void {
  describe(`${client.lib} from the ${set} set, a client that loses its server`, () => {
    const commands = MAX_OPEN_SPANS + 200;
    let server: RunningServer | undefined;
    let run: RedisRun;
    let spans: DecodedSpan[];
    before(async () => {
      server = await startRedis();
      run = await runRedisFixture({
        lib: client.lib,
        set,
        scenario: 'offline',
        env: {
          REDIS_HOST: server.host,
          REDIS_PORT: String(server.port),
          OFFLINE_COMMANDS: String(commands),
          OTEL_BSP_MAX_QUEUE_SIZE: '10000',
          OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2000',
        },
      });
      spans = redisSpans(run, client.lib);
    });
    after(async () => {
      await server?.stop();
    });

    it('lets every queued command fail as it would without the agent, and exits', () => {
      assert.equal(run.saw.get('reconnected'), 'null');
      assert.equal(run.saw.get('offline-rejected'), String(commands));
      assert.equal(run.saw.get('offline-reason'), client.offlineErrorType);
    });

    it(`ends every span it started with the client's error, and starts at most ${MAX_OPEN_SPANS}`, () => {
      const offline = spanNamed(run, 'offline');
      const queued = spans.filter((s) => /^GET off:\d+$/.test(String(s.attributes['db.query.text'])));
      assert.equal(queued.length, MAX_OPEN_SPANS);
      for (const span of queued) {
        assertChildOf(span, offline, 'queued GET');
        assert.equal(span.status.code, STATUS_ERROR);
        assert.equal(span.attributes['error.type'], client.offlineErrorType);
      }
      const warnings = run.stderr.match(new RegExp(`${client.lib}: ${MAX_OPEN_SPANS} Redis spans are open`, 'g')) ?? [];
      assert.equal(warnings.length, 1, run.stderr);
    });

    it('shows the reconnection as a root connect span', () => {
      const setup = spanNamed(run, 'setup');
      const connects = spans.filter((s) => s.name === 'connect');
      assert.ok(connects.filter((s) => s.parentSpanId === setup.spanId).length >= 1, 'the first connection, in setup');
      const reconnects = connects.filter((s) => s.parentSpanId === undefined);
      const ok = reconnects.filter((s) => s.status.code === STATUS_UNSET);
      assert.equal(ok.length, 1, 'one successful reconnection');
      assert.equal(ok[0].attributes['server.port'], server!.port);
      const failed = reconnects.filter((s) => s.status.code === STATUS_ERROR);
      if (client.failedAttemptSpans(set)) {
        assert.ok(failed.length >= 1, 'failed attempts while the server is down');
        for (const span of failed) assert.equal(span.attributes['error.type'], 'ECONNREFUSED');
      } else {
        assert.equal(failed.length, 0);
      }
    });
  });
}
