import { DEFAULTS } from '../../src/config/defaults';
import type { DbInstrumentationConfig, HttpInstrumentationConfig } from '../../src/config/types';

/** The http instrumentations' config as the agent builds it from the defaults (tracing on, no metrics). */
export function httpConfig(overrides: Partial<HttpInstrumentationConfig> = {}): HttpInstrumentationConfig {
  return { ...(structuredClone(DEFAULTS.http) as HttpInstrumentationConfig), newTracesDropped: false, metrics: false, ...overrides };
}

/** The database instrumentations' config as the agent builds it from the defaults. */
export function dbConfig(overrides: Partial<DbInstrumentationConfig> = {}): DbInstrumentationConfig {
  return { ...structuredClone(DEFAULTS.db), metrics: false, ...overrides };
}
