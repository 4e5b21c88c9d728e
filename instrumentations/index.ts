import type { Config } from '../src/config/types';
import type { Instrumentation } from '../src/instrument';

/**
 * Every instrumentation otelite ships, built from the configuration. The agent filters this
 * list by OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS.
 */
export function createInstrumentations(_config: Config): Instrumentation[] {
  return [];
}
