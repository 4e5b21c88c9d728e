import { defineInstrumentation, type DbInstrumentationConfig, type Instrumentation } from '../../src/instrument';
import { dbOperationMetrics } from '../shared/db/metrics';
import { RedisSpans } from '../shared/redis-spans';
import { ioredisTargets } from './patch';
import { IoredisSpans } from './spans';

/**
 * ioredis 5 and 6: CLIENT spans for commands, pipelines, MULTI/EXEC transactions and connection
 * attempts, by patching (patch.ts says why its 5.11 channels are not used). See README.md.
 */
export const IOREDIS_INSTRUMENTATION_NAME = 'ioredis';

export function createIoredisInstrumentation(config: DbInstrumentationConfig): Instrumentation {
  return defineInstrumentation({
    name: IOREDIS_INSTRUMENTATION_NAME,
    metrics: config.metrics,
    targets: ({ tracer, meter, state }) =>
      ioredisTargets(state, new IoredisSpans(new RedisSpans(tracer, config, IOREDIS_INSTRUMENTATION_NAME, dbOperationMetrics(meter)), state)),
  });
}
