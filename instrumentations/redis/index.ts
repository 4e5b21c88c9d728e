import { trace } from '@opentelemetry/api';
import { stateOf, VERSION, type DbInstrumentationConfig, type Instrumentation } from '../../src/instrument';
import { RedisSpans } from '../shared/redis-semantics';
import { subscribeNodeRedisChannels } from './channels';
import { client1Targets } from './patch-client1';
import { client5Targets } from './patch-client5';
import { NodeRedisSpans } from './spans';

/**
 * node-redis: the `redis` package 4 and 5 through `@redis/client` 1.x and >= 5. Versions
 * >= 5.12 publish TracingChannels, which are subscribed (no patch); older ones are patched
 * (internal files, so an ES module app importing `redis` is covered too). Both feed the same
 * span code (spans.ts). See README.md.
 */
export const REDIS_INSTRUMENTATION_NAME = 'redis';
export const REDIS_SCOPE_NAME = 'otelite/redis';

export function createRedisInstrumentation(config: DbInstrumentationConfig): Instrumentation {
  const state = stateOf(REDIS_INSTRUMENTATION_NAME);
  const tracer = trace.getTracer(REDIS_SCOPE_NAME, VERSION);
  const spans = new NodeRedisSpans(new RedisSpans(tracer, config, REDIS_INSTRUMENTATION_NAME), state);
  return {
    name: REDIS_INSTRUMENTATION_NAME,
    targets: [...client1Targets(state, spans), ...client5Targets(state, spans)],
    enable() {
      subscribeNodeRedisChannels(state, spans);
    },
  };
}
