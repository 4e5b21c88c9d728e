import { trace } from '@opentelemetry/api';
import { stateOf, VERSION, type DbInstrumentationConfig, type Instrumentation } from '../../src/instrument';
import { RedisSpans } from '../shared/redis-semantics';
import { ioredisTargets } from './patch';
import { IoredisSpans } from './spans';

/**
 * ioredis 5 and 6: CLIENT spans for commands, pipelines, MULTI/EXEC transactions and connection
 * attempts, by patching (patch.ts says why its 5.11 channels are not used). See README.md.
 */
export const IOREDIS_INSTRUMENTATION_NAME = 'ioredis';
export const IOREDIS_SCOPE_NAME = 'otelite/ioredis';

export function createIoredisInstrumentation(config: DbInstrumentationConfig): Instrumentation {
  const state = stateOf(IOREDIS_INSTRUMENTATION_NAME);
  const tracer = trace.getTracer(IOREDIS_SCOPE_NAME, VERSION);
  const spans = new IoredisSpans(new RedisSpans(tracer, config, IOREDIS_INSTRUMENTATION_NAME), state);
  return {
    name: IOREDIS_INSTRUMENTATION_NAME,
    targets: ioredisTargets(state, spans),
  };
}
