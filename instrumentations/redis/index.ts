import { defineInstrumentation, type DbInstrumentationConfig, type Instrumentation } from '../../src/instrument';
import { dbOperationMetrics } from '../shared/db/metrics';
import { RedisSpans } from '../shared/redis-spans';
import { subscribeNodeRedisChannels } from './channels';
import { client1Targets } from './patch-client1';
import { client5Targets } from './patch-client5';
import { NodeRedisSpans } from './spans';

/**
 * node-redis: the `redis` package 4 and 5 through `@redis/client` 1.x and >= 5. Versions
 * >= 5.12 publish TracingChannels, which are subscribed (no patch); older ones are patched
 * (internal files, so an ES module app importing `redis` is covered too). Both feed the same
 * span code (spans.ts), which also measures `db.client.operation.duration` when the agent exports
 * metrics. See README.md.
 */
export const REDIS_INSTRUMENTATION_NAME = 'redis';

export function createRedisInstrumentation(config: DbInstrumentationConfig): Instrumentation {
  return defineInstrumentation({
    name: REDIS_INSTRUMENTATION_NAME,
    metrics: config.metrics,
    shared: ({ tracer, meter, state }) =>
      new NodeRedisSpans(new RedisSpans(tracer, config, REDIS_INSTRUMENTATION_NAME, dbOperationMetrics(meter)), state),
    targets: ({ state }, spans) => [...client1Targets(state, spans), ...client5Targets(state, spans)],
    enable: ({ state }, spans) => subscribeNodeRedisChannels(state, spans),
  });
}
