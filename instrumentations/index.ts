import type { DbInstrumentationConfig, HttpInstrumentationConfig, Instrumentation, RuntimeInstrumentationConfig } from '../src/instrument';
import { createBunyanInstrumentation } from './bunyan';
import { createConsoleInstrumentation } from './console';
import { createExpressInstrumentation } from './express';
import { createFastifyInstrumentation } from './fastify';
import { createHttpInstrumentation } from './http';
import { createIoredisInstrumentation } from './ioredis';
import { createPgInstrumentation } from './pg';
import { createPinoInstrumentation } from './pino';
import { createRedisInstrumentation } from './redis';
import { createRuntimeInstrumentation } from './runtime';
import type { LoggerInstrumentationConfig } from './shared/logs/config';
import { createUndiciInstrumentation } from './undici';
import { createWinstonInstrumentation } from './winston';

/**
 * Every instrumentation otelite ships, built from the configuration. The agent filters this
 * list by OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS.
 */
export function createInstrumentations(config: {
  http: HttpInstrumentationConfig;
  db: DbInstrumentationConfig;
  runtime: RuntimeInstrumentationConfig;
  logs: LoggerInstrumentationConfig;
}): Instrumentation[] {
  const logs = config.logs;
  return [
    createHttpInstrumentation(config.http),
    createUndiciInstrumentation(config.http),
    createRedisInstrumentation(config.db),
    createIoredisInstrumentation(config.db),
    createPgInstrumentation(config.db),
    createExpressInstrumentation(config.http),
    createFastifyInstrumentation(config.http),
    createPinoInstrumentation(logs),
    createWinstonInstrumentation(logs),
    createBunyanInstrumentation(logs),
    createConsoleInstrumentation(logs),
    createRuntimeInstrumentation(config.runtime),
  ];
}
