import assert from 'node:assert/strict';
import { readConfig, type Config } from '../../src/config';

/** An environment as the config reads it. */
export type Env = Record<string, string | undefined>;

/** Reads `env`, asserting it produced no warning. */
export function clean(env: Env): Config {
  const { config, warnings } = readConfig(env);
  assert.deepEqual(warnings, []);
  return config;
}

/** Reads `env`, asserting exactly one warning, about `variable`; returns both. */
export function warnedOnce(env: Env, variable: string): { config: Config; warning: string } {
  const { config, warnings } = readConfig(env);
  assert.equal(warnings.length, 1, `expected one warning, got ${JSON.stringify(warnings)}`);
  const warning = warnings[0]!;
  assert.ok(
    warning.startsWith(`${variable}=`) || warning.startsWith(`${variable} `),
    `warning should name ${variable}: ${warning}`,
  );
  return { config, warning };
}
