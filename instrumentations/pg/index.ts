import { defineInstrumentation, type DbInstrumentationConfig, type Instrumentation } from '../../src/instrument';
import { patchClient } from './client';
import { patchPool } from './pool';
import { PgSpans } from './spans';

/**
 * node-postgres (`pg` 8.x) and its pool (`pg-pool` 3.x, which pg 8 depends on). pg publishes
 * no diagnostics channels, so the client and the pool are patched (README.md).
 *
 * Both targets are files the require hook sees even when an ES module app imports `pg`:
 * `pg/lib/client.js` is required by pg's entry file, and `pg-pool` by pg's entry file too.
 */
export const PG_INSTRUMENTATION_NAME = 'pg';

export function createPgInstrumentation(config: DbInstrumentationConfig): Instrumentation {
  return defineInstrumentation({
    name: PG_INSTRUMENTATION_NAME,
    targets({ tracer, state }) {
      const spans = new PgSpans(tracer, config, state);
      return [
        { module: 'pg', file: 'lib/client.js', versions: '>=8 <9', patch: (exports) => patchClient(exports, spans) },
        { module: 'pg-pool', versions: '>=3 <4', patch: (exports) => patchPool(exports, spans) },
      ];
    },
  });
}
