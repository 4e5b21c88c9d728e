import type { DbInstrumentationConfig, HttpInstrumentationConfig, Instrumentation, RuntimeInstrumentationConfig } from '../src/instrument';
import { createExpressInstrumentation } from './express';
import { createFastifyInstrumentation } from './fastify';
import { createHttpInstrumentation } from './http';
import { createIoredisInstrumentation } from './ioredis';
import { createPgInstrumentation } from './pg';
import { createRedisInstrumentation } from './redis';
import { createUndiciInstrumentation } from './undici';

/**
 * Every instrumentation otelite ships, built from the configuration. The agent filters this
 * list by OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS.
 */
export function createInstrumentations(config: {
  http: HttpInstrumentationConfig;
  db: DbInstrumentationConfig;
  runtime: RuntimeInstrumentationConfig;
}): Instrumentation[] {
  return [
    createHttpInstrumentation(config.http),
    createUndiciInstrumentation(config.http),
    createRedisInstrumentation(config.db),
    createIoredisInstrumentation(config.db),
    createPgInstrumentation(config.db),
    createExpressInstrumentation(config.http),
    createFastifyInstrumentation(config.http),
  ];
}
