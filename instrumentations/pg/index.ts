import { trace } from '@opentelemetry/api';
import { stateOf, VERSION, type DbInstrumentationConfig, type Instrumentation } from '../../src/instrument';
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
export const PG_SCOPE_NAME = 'otelite/pg';

export function createPgInstrumentation(config: DbInstrumentationConfig): Instrumentation {
  let spans: PgSpans | undefined;
  const getSpans = (): PgSpans =>
    (spans ??= new PgSpans(trace.getTracer(PG_SCOPE_NAME, VERSION), config, stateOf(PG_INSTRUMENTATION_NAME)));
  return {
    name: PG_INSTRUMENTATION_NAME,
    targets: [
      { module: 'pg', file: 'lib/client.js', versions: '>=8 <9', patch: (exports) => patchClient(exports, getSpans()) },
      { module: 'pg-pool', versions: '>=3 <4', patch: (exports) => patchPool(exports, getSpans()) },
    ],
  };
}
