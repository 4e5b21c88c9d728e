import type { BatchObservableResult, Observable } from '@opentelemetry/api';
import type { InstrumentationMeter, InstrumentationState } from '../../src/instrument';
import type { ConnectionParameters, PgPool } from './types';

/**
 * pg-pool's connection metrics, after the database metric conventions (semantic-conventions
 * `docs/db/database-metrics.md`, "Connection pools": in development there):
 * `db.client.connection.count` (by `db.client.connection.state`: `idle`, `used`),
 * `db.client.connection.pending_requests` and `db.client.connection.max`, each by
 * `db.client.connection.pool.name`.
 *
 * Read, not counted: at each collection the pool's own `totalCount`, `idleCount`,
 * `waitingCount` and `options.max` are observed. Counters kept in step with pool events (what the
 * official instrumentation does) drift as soon as one event is missed or a transition emits
 * none (a `connect()` that queues emits nothing; a client removed while checked out), and cost
 * work on every checkout; an observation costs nothing between collections and is right by
 * construction. `used` is every client the pool holds that is not idle: checked out, or still
 * connecting.
 *
 * A pool is known from its first `connect()` (`pool.query()` calls it) until it has ended or is
 * garbage collected (it is held weakly). Pools with the same name (the same server and database)
 * are summed: they are one series.
 */
const METRIC_DB_CLIENT_CONNECTION_COUNT = 'db.client.connection.count';
const METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS = 'db.client.connection.pending_requests';
const METRIC_DB_CLIENT_CONNECTION_MAX = 'db.client.connection.max';
const ATTR_DB_CLIENT_CONNECTION_POOL_NAME = 'db.client.connection.pool.name';
const ATTR_DB_CLIENT_CONNECTION_STATE = 'db.client.connection.state';

/** pg's own `ConnectionParameters` class (`pg/lib/connection-parameters.js`), which resolves defaults, PG* variables and a connection string. */
export type ConnectionParametersClass = new (config: unknown) => ConnectionParameters;

/** What a pool is at one collection, summed over the pools of one name. */
interface PoolReading {
  used: number;
  idle: number;
  pending: number;
  max: number;
}

export class PoolMetrics {
  private readonly pools = new Set<WeakRef<PgPool>>();
  private readonly names = new WeakMap<PgPool, string>();
  private observing = false;
  /** Set when pg's connection-parameters file loads (it does before any pool is made). */
  resolveParameters: ConnectionParametersClass | undefined;

  constructor(
    private readonly meter: InstrumentationMeter,
    private readonly state: InstrumentationState,
  ) {}

  /** Called at each `pool.connect()`: the first call registers the pool. */
  track(pool: PgPool): void {
    if (this.names.has(pool)) return;
    this.names.set(pool, this.poolName(pool));
    this.pools.add(new WeakRef(pool));
    if (!this.observing) {
      this.observing = true;
      this.observe();
    }
  }

  /**
   * The conventions' fallback for a pool without a name of its own (pg-pool has none):
   * `server.address:server.port/db.namespace`, from the parameters pg itself would connect with.
   */
  private poolName(pool: PgPool): string {
    const options = pool.options ?? {};
    let params: ConnectionParameters = options as ConnectionParameters;
    if (this.resolveParameters !== undefined) {
      try {
        params = new this.resolveParameters(options);
      } catch {
        // An unparsable connection string: pg fails the same way when it connects.
      }
    }
    return `${String(params.host ?? 'localhost')}:${String(params.port ?? 5432)}/${String(params.database ?? '')}`;
  }

  private observe(): void {
    const meter = this.meter.get();
    const count = meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_COUNT, {
      unit: '{connection}',
      description: 'The number of connections that are currently in state described by the state attribute.',
    });
    const pending = meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS, {
      unit: '{request}',
      description: 'The number of current pending requests for an open connection.',
    });
    const max = meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_MAX, {
      unit: '{connection}',
      description: 'The maximum number of open connections allowed.',
    });
    const observables: Observable[] = [count, pending, max];
    meter.addBatchObservableCallback((result: BatchObservableResult) => {
      if (!this.state.active) return;
      try {
        for (const [name, reading] of this.read()) {
          result.observe(count, reading.used, { [ATTR_DB_CLIENT_CONNECTION_POOL_NAME]: name, [ATTR_DB_CLIENT_CONNECTION_STATE]: 'used' });
          result.observe(count, reading.idle, { [ATTR_DB_CLIENT_CONNECTION_POOL_NAME]: name, [ATTR_DB_CLIENT_CONNECTION_STATE]: 'idle' });
          result.observe(pending, reading.pending, { [ATTR_DB_CLIENT_CONNECTION_POOL_NAME]: name });
          result.observe(max, reading.max, { [ATTR_DB_CLIENT_CONNECTION_POOL_NAME]: name });
        }
      } catch (error) {
        this.state.fail(error);
      }
    }, observables);
  }

  /** The live pools' counts by name; pools that ended or were collected are forgotten. */
  private read(): Map<string, PoolReading> {
    const readings = new Map<string, PoolReading>();
    for (const ref of this.pools) {
      const pool = ref.deref();
      if (pool === undefined || pool.ended === true) {
        this.pools.delete(ref);
        continue;
      }
      const name = this.names.get(pool) as string;
      let reading = readings.get(name);
      if (reading === undefined) {
        reading = { used: 0, idle: 0, pending: 0, max: 0 };
        readings.set(name, reading);
      }
      const total = countOf(pool.totalCount);
      const idle = countOf(pool.idleCount);
      reading.idle += idle;
      reading.used += Math.max(0, total - idle);
      reading.pending += countOf(pool.waitingCount);
      reading.max += countOf(pool.options?.max);
    }
    return readings;
  }
}

function countOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
