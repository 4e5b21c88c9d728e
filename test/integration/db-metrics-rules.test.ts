import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { metrics, ROOT_CONTEXT, type Attributes } from '@opentelemetry/api';
import { dbOperationMetrics } from '../../instrumentations/shared/db/metrics';
import { RedisSpans } from '../../instrumentations/shared/redis-spans';
import { PoolMetrics, type ConnectionParametersClass } from '../../instrumentations/pg/pool-metrics';
import type { PgPool } from '../../instrumentations/pg/types';
import { suppressTracing } from '../../src/context/suppress';
import { InstrumentationMeter } from '../../src/instrument/meter';
import { InstrumentationState } from '../../src/instrument/state';
import type { HistogramMetric, HistogramPoint, ResourceMetrics, SumMetric } from '../../src/metrics/data';
import { AlwaysOffSampler } from '../../src/sdk/sampler';
import { dbConfig } from '../kit/instrumentation-config';
import { manualProvider, metricNamed, type ManualReader } from '../kit/metrics-recording';
import { recordingProvider } from '../kit/recording';
import { versionSetDir } from '../kit/versions';

/**
 * The database metric rules in one process, where a real server adds nothing: an operation is
 * measured whatever happens to its span (sampled out, past the open-span bound, suppressed), with
 * the span's own times; pg-pool names resolved as pg resolves them, pools of one name summed, an
 * ended pool dropped. db-metrics.test.ts runs the same code against real servers.
 */

const ENDPOINT = { serverAddress: '127.0.0.1', serverPort: 6380, database: 2 };
const wrongType = (): Error => Object.assign(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), { name: 'ReplyError' });

function sorted(attributes: Attributes): string {
  return JSON.stringify(Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1))));
}

describe('database metric rules', () => {
  let reader: ManualReader;
  before(() => {
    const { provider, readers } = manualProvider();
    reader = readers[0]!;
    assert.ok(metrics.setGlobalMeterProvider(provider));
  });
  after(() => metrics.disable());

  const collect = (): Promise<ResourceMetrics> => reader.collect();
  const meter = (name: string): InstrumentationMeter => new InstrumentationMeter(`otelite/${name}`, 'test');
  /** The operation histogram of the scope `otelite/{name}` (each test measures through its own). */
  async function durationOf(name: string): Promise<HistogramMetric> {
    const scope = (await collect()).scopeMetrics.find((s) => s.scope.name === `otelite/${name}`);
    const found = scope?.metrics.find((m) => m.name === 'db.client.operation.duration');
    assert.ok(found?.type === 'histogram', `a histogram from otelite/${name}`);
    return found;
  }

  describe('db.client.operation.duration through RedisSpans', () => {
    it('measures an operation whose span is sampled out, with the error reply as error.type and status code', async () => {
      const { provider, ended } = recordingProvider(new AlwaysOffSampler());
      const spans = new RedisSpans(provider.getTracer('t'), dbConfig(), 'redis', dbOperationMetrics(meter('redis-sampled-out')));
      const operation = spans.start('LPUSH', ROOT_CONTEXT, ENDPOINT);
      assert.ok(operation !== undefined);
      assert.equal(operation.span, undefined, 'no span records');
      spans.end(operation, wrongType());
      assert.equal(ended.spans.length, 0);
      const histogram = await durationOf('redis-sampled-out');
      assert.equal(histogram.unit, 's');
      const point = histogram.points.find((p) => p.attributes['db.operation.name'] === 'LPUSH');
      assert.ok(point);
      assert.equal(point.count, 1);
      assert.deepEqual(point.bounds, [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]);
      assert.equal(
        sorted(point.attributes),
        sorted({
          'db.system.name': 'redis',
          'db.operation.name': 'LPUSH',
          'db.namespace': '2',
          'server.address': '127.0.0.1',
          'server.port': 6380,
          'error.type': 'WRONGTYPE',
          'db.response.status_code': 'WRONGTYPE',
        }),
      );
    });

    it("records the span's own duration, measures past the open-span bound, and nothing of the agent's own work", async () => {
      const { provider, ended } = recordingProvider();
      const spans = new RedisSpans(provider.getTracer('t'), dbConfig(), 'redis', dbOperationMetrics(meter('redis-bound')), 1);
      const first = spans.start('GET', ROOT_CONTEXT, ENDPOINT);
      const second = spans.start('GET', ROOT_CONTEXT, ENDPOINT);
      assert.ok(first?.span !== undefined && first.measurement !== undefined);
      assert.ok(second !== undefined && second.span === undefined && second.measurement !== undefined, 'past the bound: measured, not traced');
      assert.equal(spans.start('GET', suppressTracing(ROOT_CONTEXT), ENDPOINT), undefined, 'suppressed: nothing');
      await new Promise((resolve) => setTimeout(resolve, 5));
      spans.end(first);
      const getOf = async (): Promise<HistogramPoint | undefined> =>
        (await durationOf('redis-bound')).points.find((p) => p.attributes['db.operation.name'] === 'GET' && p.attributes['error.type'] === undefined);
      const traced = await getOf();
      assert.equal(traced?.count, 1);
      // The same two instants; span times are epoch ms floats, which resolve about 0.25 µs.
      const [span] = ended.spans;
      const spanSeconds = (span!.endTime - span!.startTime) / 1000;
      assert.ok(Math.abs(spanSeconds - traced.sum!) < 1e-6, `the measurement is its span's duration: ${spanSeconds} s vs ${traced.sum} s`);
      spans.end(second);
      assert.equal((await getOf())?.count, 2);
    });

    it('makes no operation at all without metrics when the span is sampled out', () => {
      const { provider } = recordingProvider(new AlwaysOffSampler());
      const spans = new RedisSpans(provider.getTracer('t'), dbConfig(), 'redis', dbOperationMetrics(undefined));
      assert.equal(spans.start('GET', ROOT_CONTEXT, ENDPOINT), undefined);
    });
  });

  describe('db.client.operation.duration attribute sets', () => {
    const BASE = { system: 'postgresql', namespace: 'shop', querySummary: 'SELECT users', serverAddress: 'db1', serverPort: 5432 };
    /** Each target differs from BASE in one field, or is BASE again. */
    const targets = [
      BASE,
      { ...BASE, querySummary: 'SELECT orders' },
      { ...BASE, querySummary: undefined, operationName: 'SELECT users' },
      { ...BASE, namespace: 'shop2' },
      { ...BASE, serverAddress: 'db2' },
      { ...BASE, serverPort: 5433 },
      { ...BASE, system: 'mysql' },
      { ...BASE },
    ];

    it('gives each distinct target its own series, and a target equal to an earlier one the same', async () => {
      const operations = dbOperationMetrics(meter('db-sets'))!;
      for (let round = 0; round < 3; round++) {
        for (const target of targets) operations.record(operations.start(target), performance.now(), undefined);
      }
      const points = (await durationOf('db-sets')).points;
      const counts = new Map(points.map((p) => [sorted(p.attributes), p.count]));
      const expected = (target: (typeof targets)[number]): string =>
        sorted(
          Object.fromEntries(
            Object.entries({
              'db.system.name': target.system,
              'db.namespace': target.namespace,
              'db.operation.name': (target as { operationName?: string }).operationName,
              'db.query.summary': target.querySummary,
              'server.address': target.serverAddress,
              'server.port': target.serverPort,
            }).filter(([, value]) => value !== undefined),
          ),
        );
      assert.equal(points.length, targets.length - 1, 'the last target is the first one again');
      assert.equal(counts.get(expected(BASE)), 6);
      for (const target of targets.slice(1, -1)) assert.equal(counts.get(expected(target)), 3, expected(target));
    });

    it('keeps counting right once more distinct sets came than it keeps', async () => {
      const operations = dbOperationMetrics(meter('db-many'))!;
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 1100; i++) operations.record(operations.start({ ...BASE, querySummary: `SELECT t${i}` }), performance.now(), undefined);
      }
      const points = (await durationOf('db-many')).points;
      // 1100 sets: more than the 1024 the instrumentation keeps, fewer than the SDK's 2000 series.
      assert.equal(points.length, 1100);
      const total = points.reduce((sum, p) => sum + p.count, 0);
      assert.equal(total, 2200);
      const first = points.find((p) => p.attributes['db.query.summary'] === 'SELECT t0');
      const last = points.find((p) => p.attributes['db.query.summary'] === 'SELECT t1099');
      assert.equal(first?.count, 2);
      assert.equal(last?.count, 2);
    });
  });

  describe('pg-pool connection metrics', () => {
    // pg's own class, as the instrumentation reads it from pg/lib/connection-parameters.js.
    const fromSet = createRequire(path.join(versionSetDir('current'), 'package.json'));
    const ConnectionParameters = fromSet('pg/lib/connection-parameters.js') as ConnectionParametersClass;
    const saved = { PGHOST: process.env.PGHOST, PGPORT: process.env.PGPORT, PGDATABASE: process.env.PGDATABASE };
    afterEach(() => {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    });

    function readings(collected: ResourceMetrics): Map<string, string> {
      const out = new Map<string, string>();
      const count = metricNamed(collected, 'db.client.connection.count') as SumMetric;
      const pending = metricNamed(collected, 'db.client.connection.pending_requests') as SumMetric;
      const max = metricNamed(collected, 'db.client.connection.max') as SumMetric;
      for (const p of max.points) {
        const name = p.attributes['db.client.connection.pool.name'] as string;
        const of = (metric: SumMetric, state?: string): number | undefined =>
          metric.points.find((q) => q.attributes['db.client.connection.pool.name'] === name && q.attributes['db.client.connection.state'] === state)?.value;
        out.set(name, `used ${of(count, 'used')} idle ${of(count, 'idle')} pending ${of(pending)} max ${p.value}`);
      }
      return out;
    }

    it('names pools as pg resolves their parameters, sums pools of one name, and drops an ended pool', async () => {
      process.env.PGHOST = 'envhost';
      process.env.PGPORT = '7777';
      process.env.PGDATABASE = 'envdb';
      const state = new InstrumentationState('pg-pool-metrics-test');
      const poolMetrics = new PoolMetrics(meter('pg-pools'), state);
      poolMetrics.resolveParameters = ConnectionParameters;
      const fromUrl = { options: { connectionString: 'postgres://app:s3cr3t@db.example:6543/shop', max: 4 }, totalCount: 3, idleCount: 1, waitingCount: 2 };
      const sameTarget = { options: { host: 'db.example', port: 6543, database: 'shop', max: 2 }, totalCount: 1, idleCount: 1, waitingCount: 0 };
      const fromEnv: { options: object; totalCount: number; idleCount: number; waitingCount: number; ended?: boolean } = {
        options: { max: 10 },
        totalCount: 0,
        idleCount: 0,
        waitingCount: 0,
      };
      for (const pool of [fromUrl, sameTarget, fromEnv, fromUrl]) poolMetrics.track(pool as PgPool);

      const first = readings(await collect());
      assert.deepEqual(
        [...first.entries()].sort(),
        [
          ['db.example:6543/shop', 'used 2 idle 2 pending 2 max 6'],
          ['envhost:7777/envdb', 'used 0 idle 0 pending 0 max 10'],
        ],
      );
      assert.ok(![...first.keys()].some((name) => name.includes('s3cr3t')), 'no password in a name');

      fromUrl.idleCount = 3;
      fromUrl.waitingCount = 0;
      fromEnv.ended = true;
      const second = readings(await collect());
      assert.equal(second.get('db.example:6543/shop'), 'used 0 idle 4 pending 0 max 6', 'read again at the next collection');
      assert.equal(second.has('envhost:7777/envdb'), false, 'an ended pool is dropped');
    });
  });
});
