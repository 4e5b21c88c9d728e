import { defineInstrumentation, type DbInstrumentationConfig, type Instrumentation } from '../../src/instrument';
import { dbOperationMetrics } from '../shared/db/metrics';
import { patchClient } from './client';
import { patchPool } from './pool';
import { PoolMetrics, type ConnectionParametersClass } from './pool-metrics';
import { PgSpans } from './spans';

/**
 * node-postgres (`pg` 8.x) and its pool (`pg-pool` 3.x, which pg 8 depends on). pg publishes
 * no diagnostics channels, so the client and the pool are patched (README.md).
 *
 * Both targets are files the require hook sees even when an ES module app imports `pg`:
 * `pg/lib/client.js` is required by pg's entry file, and `pg-pool` by pg's entry file too.
 * With metrics, `pg/lib/connection-parameters.js` (required by the client file) is read, not
 * patched: the pool metrics name a pool by the parameters pg resolves.
 */
export const PG_INSTRUMENTATION_NAME = 'pg';

export function createPgInstrumentation(config: DbInstrumentationConfig): Instrumentation {
  return defineInstrumentation({
    name: PG_INSTRUMENTATION_NAME,
    metrics: config.metrics,
    targets({ tracer, meter, state }) {
      const spans = new PgSpans(tracer, config, state, dbOperationMetrics(meter));
      const poolMetrics = meter === undefined ? undefined : new PoolMetrics(meter, state);
      const targets = [
        { module: 'pg', file: 'lib/client.js', versions: '>=8 <9', patch: (exports: unknown) => patchClient(exports, spans) },
        { module: 'pg-pool', versions: '>=3 <4', patch: (exports: unknown) => patchPool(exports, spans, poolMetrics) },
      ];
      if (poolMetrics === undefined) return targets;
      const readParameters = (exports: unknown): unknown => {
        if (typeof exports === 'function') poolMetrics.resolveParameters = exports as ConnectionParametersClass;
        return exports;
      };
      return [...targets, { module: 'pg', file: 'lib/connection-parameters.js', versions: '>=8 <9', patch: readParameters }];
    },
  });
}
