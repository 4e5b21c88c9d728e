import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DecodedMetric, DecodedPoint, DecodedSpan } from '../kit/otlp-decoder';
import { startReceiver } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { runApp } from '../kit/process';
import { startPostgres, startRedis, type RunningPostgres, type RunningServer } from '../kit/servers';
import { versionSetDir, type VersionSet } from '../kit/versions';

/**
 * Database metrics from real processes against a real PostgreSQL and Redis: the fixture
 * (test/fixtures/db-metrics/app.cjs) runs a known number of operations outside any span, the
 * agent exports traces and metrics over OTLP to a receiver, and the exported histogram must
 * count every operation once whatever the sampler decided about its span.
 */

const APP = path.join(FIXTURES, 'db-metrics', 'app.cjs');
const DURATION = 'db.client.operation.duration';
const BOUNDARIES = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];
/** The index of the (0.05, 0.1] bucket. */
const BUCKET_50_100_MS = 4;
const M = 7;

type Lib = 'pg' | 'redis' | 'ioredis';

interface Run {
  spans: DecodedSpan[];
  /** The metrics of each metrics request, in order. */
  exports: DecodedMetric[][];
  stdout: string;
  stderr: string;
}

async function runFixture(lib: Lib, set: VersionSet, server: Record<string, string>, env: Record<string, string>, timeoutMs = 30_000): Promise<Run> {
  const receiver = await startReceiver({ protocol: 'http/protobuf' });
  try {
    const exit = await runApp(
      {
        file: APP,
        preload: '--require',
        env: {
          OTEL_SERVICE_NAME: `db-metrics-${lib}-${set}`,
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
          OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: receiver.metricsEndpoint,
          OTEL_BSP_SCHEDULE_DELAY: '50',
          OTELITE_TEST_VERSION_SET_DIR: versionSetDir(set),
          LIB: lib,
          M: String(M),
          ...server,
          ...env,
        },
      },
      timeoutMs,
    );
    assert.equal(exit.code, 0, `app failed or hung:\n${exit.stdout}\n${exit.stderr}`);
    assert.match(exit.stdout, /^DONE$/m, exit.stdout);
    assert.doesNotMatch(exit.stderr, /instrumentation "\w+" failed/, exit.stderr);
    return {
      spans: [...receiver.spans],
      exports: receiver.requests.filter((r) => r.signal === 'metrics').map((r) => r.metrics),
      stdout: exit.stdout,
      stderr: exit.stderr,
    };
  } finally {
    await receiver.close();
  }
}

/** The last exported `name` metric of the scope `otelite/{lib}` (cumulative: it holds every operation). */
function lastMetric(run: Run, lib: Lib, name: string): DecodedMetric {
  for (let i = run.exports.length - 1; i >= 0; i--) {
    const metric = run.exports[i].find((m) => m.name === name && m.scope.name === `otelite/${lib}`);
    if (metric !== undefined) return metric;
  }
  assert.fail(`no ${name} exported by otelite/${lib}; ${run.exports.length} metrics requests:\n${run.stderr}`);
}

const plain = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v);

/** The one point whose attributes include `subset` (values compared after bigint → number). */
function pointWith(metric: DecodedMetric, subset: Record<string, unknown>): DecodedPoint {
  const found = metric.points.filter((p) => Object.entries(subset).every(([k, v]) => plain(p.attributes[k]) === v));
  assert.equal(found.length, 1, `${metric.name}: one point with ${JSON.stringify(subset)}, in ${describePoints(metric)}`);
  return found[0];
}

function describePoints(metric: DecodedMetric): string {
  return JSON.stringify(metric.points.map((p) => ({ ...Object.fromEntries(Object.entries(p.attributes).map(([k, v]) => [k, plain(v)])), count: p.count })));
}

/** Span duration in seconds. */
const spanSeconds = (span: DecodedSpan): number => Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e9;

interface Case {
  lib: Lib;
  set: VersionSet;
  /** Series counted M times, by their distinguishing attributes. */
  repeated: Array<Record<string, unknown>>;
  /** The failing operation's series. */
  failed: Record<string, unknown>;
  /** The operation of known duration (0.06 s). */
  slow: Record<string, unknown>;
  /** Series of operations made once (MULTI, pipeline). */
  once: Array<Record<string, unknown>>;
  /** What every point carries. */
  common: (server: Servers) => Record<string, unknown>;
}

interface Servers {
  pg: RunningPostgres;
  redis?: RunningServer;
}

const REDIS_CASE = {
  repeated: [{ 'db.operation.name': 'SET', 'error.type': undefined }, { 'db.operation.name': 'GET' }],
  failed: { 'db.operation.name': 'LPUSH', 'error.type': 'WRONGTYPE', 'db.response.status_code': 'WRONGTYPE' },
  slow: { 'db.operation.name': 'EVAL' },
  once: [{ 'db.operation.name': 'MULTI' }, { 'db.operation.name': 'PIPELINE' }],
  common: (s: Servers) => ({ 'db.system.name': 'redis', 'db.namespace': '0', 'server.address': s.redis?.host, 'server.port': s.redis?.port }),
};
const PG_CASE = {
  repeated: [
    { 'db.query.summary': 'SELECT otelite_dbm' },
    { 'db.query.summary': 'INSERT otelite_dbm' },
    // pool.query(): one operation each, as on the spans (the pool's connect is not one).
    { 'db.query.summary': 'UPDATE otelite_dbm' },
  ],
  failed: { 'db.query.summary': 'SELECT otelite_missing_table', 'error.type': '42P01', 'db.response.status_code': '42P01' },
  slow: { 'db.query.summary': 'SELECT' },
  once: [],
  common: (s: Servers) => ({ 'db.system.name': 'postgresql', 'db.namespace': s.pg.database, 'server.address': s.pg.host, 'server.port': s.pg.port }),
};

const CASES: Case[] = [
  { lib: 'pg', set: 'current', ...PG_CASE },
  { lib: 'pg', set: 'previous', ...PG_CASE },
  { lib: 'redis', set: 'current', ...REDIS_CASE },
  { lib: 'redis', set: 'previous', ...REDIS_CASE },
  { lib: 'ioredis', set: 'current', ...REDIS_CASE },
  { lib: 'ioredis', set: 'previous', ...REDIS_CASE },
];

const SAMPLERS: Array<[string, Record<string, string>]> = [
  ['always_on', { OTEL_TRACES_SAMPLER: 'always_on' }],
  ['traceidratio 0.5', { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' }],
  ['always_off', { OTEL_TRACES_SAMPLER: 'always_off' }],
  ['no span (OTEL_NODE_DB_REQUIRE_PARENT_SPAN=true, outside any span)', { OTEL_NODE_DB_REQUIRE_PARENT_SPAN: 'true' }],
];

function serverEnv(servers: Servers): Record<string, string> {
  return {
    PG_HOST: servers.pg.host,
    PG_PORT: String(servers.pg.port),
    PG_USER: servers.pg.user,
    PG_DATABASE: servers.pg.database,
    ...(servers.redis === undefined ? {} : { REDIS_HOST: servers.redis.host, REDIS_PORT: String(servers.redis.port) }),
  };
}

describe('database metrics: db.client.operation.duration, independent of sampling', function () {
  this.timeout(120_000);
  let servers: Servers;
  before(async () => {
    servers = { pg: await startPostgres(), redis: await startRedis() };
  });
  after(async () => {
    await servers?.pg.stop();
    await servers?.redis?.stop();
  });

  for (const c of CASES) {
    describe(`${c.lib} from the ${c.set} set`, () => {
      for (const [samplerName, samplerEnv] of SAMPLERS) {
        it(`${samplerName}: one measurement per operation, with the conventions' attributes`, async () => {
          const run = await runFixture(c.lib, c.set, serverEnv(servers), samplerEnv);
          const metric = lastMetric(run, c.lib, DURATION);
          assert.equal(metric.type, 'histogram');
          assert.equal(metric.unit, 's');
          assert.equal(metric.temporality, 2, 'cumulative');
          const common = c.common(servers);
          for (const point of metric.points) {
            assert.deepEqual(point.explicitBounds, BOUNDARIES);
            for (const [key, value] of Object.entries(common)) assert.equal(plain(point.attributes[key]), value, `${key} of ${describePoints(metric)}`);
            assert.equal(point.attributes['db.query.text'], undefined, 'no query text');
          }
          for (const series of c.repeated) assert.equal(pointWith(metric, series).count, M, `${JSON.stringify(series)} counted M times`);
          assert.equal(pointWith(metric, c.failed).count, 1);
          for (const series of c.once) assert.equal(pointWith(metric, series).count, 1, `${JSON.stringify(series)}: a batch is one operation`);
          // The 0.06 s operation: at least 0.06 s, at most what the app waited, and counted in
          // the bucket of its value: (0.05, 0.1] unless a loaded machine made the app wait longer.
          const slow = pointWith(metric, c.slow);
          assert.equal(slow.count, 1);
          const seconds = slow.sum ?? NaN;
          const waited = Number(/^SLOW_MS (\S+)$/m.exec(run.stdout)?.[1]) / 1000;
          assert.ok(seconds >= 0.06 && seconds <= waited, `0.06 s <= ${seconds} s <= ${waited} s`);
          const bucket = BOUNDARIES.findIndex((bound) => seconds <= bound);
          assert.equal(slow.bucketCounts?.[bucket], 1, `${seconds} s in bucket ${bucket}: ${JSON.stringify(slow.bucketCounts)}`);
          if (waited <= 0.1) assert.equal(bucket, BUCKET_50_100_MS);

          const dbSpans = run.spans.filter((s) => s.scope.name === `otelite/${c.lib}` && s.name !== 'connect');
          if (samplerName === 'always_on') {
            // Each measurement is its span's duration: the sums agree to float rounding.
            const series = c.repeated[1];
            const point = pointWith(metric, series);
            const matching = dbSpans.filter((s) => Object.entries(series).every(([k, v]) => s.attributes[k] === v));
            assert.equal(matching.length, M);
            const spanSum = matching.reduce((sum, s) => sum + spanSeconds(s), 0);
            assert.ok(Math.abs((point.sum ?? NaN) - spanSum) < 1e-5 * M, `histogram sum ${point.sum} vs span durations ${spanSum}`);
          } else if (samplerName.startsWith('traceidratio')) {
            const all = metric.points.reduce((n, p) => n + (p.count ?? 0), 0);
            assert.ok(dbSpans.length > 0 && dbSpans.length < all, `some spans sampled out: ${dbSpans.length} spans for ${all} operations`);
          } else {
            assert.equal(dbSpans.length, 0, 'no span');
          }
        });
      }
    });
  }

  for (const lib of ['pg', 'redis', 'ioredis'] as const) {
    it(`${lib} with OTEL_METRICS_EXPORTER=none: no metric work at all (the app's own MeterProvider is never asked), spans as before`, async () => {
      const run = await runFixture(lib, 'current', serverEnv(servers), { OTEL_METRICS_EXPORTER: 'none', SPY_METER: '1' });
      assert.match(run.stdout, /^SPY_REGISTERED true$/m, 'the agent registered no MeterProvider');
      assert.match(run.stdout, /^METER_CALLS 0$/m);
      assert.equal(run.exports.length, 0);
      assert.ok(run.spans.some((s) => s.scope.name === `otelite/${lib}`), 'spans exported');
    });
  }
});

describe('database metrics: pg-pool connections, read from the pool at each collection', function () {
  this.timeout(60_000);
  let servers: Servers;
  before(async () => {
    servers = { pg: await startPostgres() };
  });
  after(async () => {
    await servers?.pg.stop();
  });

  for (const set of ['current', 'previous'] as const) {
    it(`${set} set: a pool of max 3 grows to 3 used, queues 2 pending, then idles with 3`, async () => {
      const run = await runFixture('pg', set, serverEnv(servers), {
        SCENARIO: 'pool',
        OTEL_METRIC_EXPORT_INTERVAL: '100',
        OTEL_METRIC_EXPORT_TIMEOUT: '100',
        OTEL_TRACES_EXPORTER: 'none',
      });
      const poolName = `${servers.pg.host}:${servers.pg.port}/${servers.pg.database}`;
      const snapshots: string[] = [];
      for (const metrics of run.exports) {
        const get = (name: string): DecodedMetric | undefined => metrics.find((m) => m.name === name && m.scope.name === 'otelite/pg');
        const count = get('db.client.connection.count');
        const pending = get('db.client.connection.pending_requests');
        const max = get('db.client.connection.max');
        if (count === undefined || pending === undefined || max === undefined) continue;
        assert.equal(count.type, 'sum');
        assert.equal(count.monotonic, false, 'an up-down counter');
        assert.equal(count.unit, '{connection}');
        assert.equal(pending.unit, '{request}');
        const value = (metric: DecodedMetric, attributes: Record<string, unknown>): number =>
          Number(pointWith(metric, { 'db.client.connection.pool.name': poolName, ...attributes }).value);
        assert.equal(value(max, {}), 3);
        snapshots.push(
          `used ${value(count, { 'db.client.connection.state': 'used' })} idle ${value(count, { 'db.client.connection.state': 'idle' })} pending ${value(pending, {})}`,
        );
      }
      const grown = snapshots.indexOf('used 3 idle 0 pending 0');
      const queued = snapshots.indexOf('used 3 idle 0 pending 2');
      assert.ok(grown >= 0, `a collection while 3 queries ran: ${snapshots.join(' | ')}`);
      assert.ok(queued > grown, `then one while 2 waited: ${snapshots.join(' | ')}`);
      assert.equal(snapshots.at(-1), 'used 0 idle 3 pending 0', `idle at the end: ${snapshots.join(' | ')}`);
    });
  }
});
