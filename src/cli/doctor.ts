import { readConfig } from '../config/index';
import type { Config } from '../config/types';
import { maskSecrets, secretsOf } from '../secrets';
import { VERSION } from '../version';
import { describeConfig } from './describe-config';
import { checkPrometheus } from './doctor-port';
import { checkSignals, type CheckResult } from './doctor-probe';

/**
 * `otelite doctor`: the verdict first (does what the agent sends arrive, and if not, why and what
 * to change), then each signal's check, the configuration the agent would use with this
 * environment and the warnings about malformed variables.
 *
 * Exit status: 0 when every configured check passed and there were no warnings, or when the agent
 * is disabled (nothing will be sent, so nothing can fail); 1 otherwise.
 */
export async function doctor(env: NodeJS.ProcessEnv, write: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  let result: ReturnType<typeof readConfig>;
  try {
    result = readConfig(env);
  } catch (err) {
    write(`otelite doctor: PROBLEM — reading the configuration failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const { config, warnings } = result;
  const secrets = secretValues(env, config);
  const say = (s: string): void => write(maskSecrets(s, secrets));

  const checks = (await Promise.all([checkSignals(config), checkPrometheus(config)])).flat();
  const { line, status } = verdict(config, checks, warnings.length);
  say(`otelite doctor: ${line}\n`);

  say('\nChecks\n');
  for (const check of checks) say(`  ${check.label}: ${check.summary}\n`);

  say(`\notelite ${VERSION} (node ${process.version})\n\n`);
  say(describeConfig(config));

  say('\nWarnings\n');
  if (warnings.length === 0) say('  (none)\n');
  for (const w of warnings) say(`  - ${w}\n`);
  return status;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The first line's words and the exit status. A skipped check is never called ok. */
function verdict(config: Config, checks: readonly CheckResult[], warnings: number): { line: string; status: number } {
  if (config.disabled) {
    return { line: 'DISABLED — OTEL_SDK_DISABLED=true: the agent does not start and nothing will be sent', status: 0 };
  }
  const failed = checks.filter((c) => c.state === 'failed');
  const passed = checks.filter((c) => c.state === 'passed');
  const skipped = checks.filter((c) => c.state === 'skipped');
  const others = (list: readonly CheckResult[]): string => list.map((c) => `; ${c.headline}`).join('');
  const seeWarnings = warnings > 0 ? `; ${plural(warnings, 'configuration warning')} (see Warnings below)` : '';

  if (failed.length > 0) {
    const more = failed.length > 1 ? `; ${plural(failed.length - 1, 'more problem')} below` : '';
    return { line: `PROBLEM — ${failed[0]!.headline}${more}${seeWarnings}`, status: 1 };
  }
  if (warnings > 0) {
    return { line: `PROBLEM — ${plural(warnings, 'configuration warning')} (see Warnings below)${others(passed)}${others(skipped)}`, status: 1 };
  }
  if (passed.length === 0) {
    return { line: `NOTHING CHECKED — ${skipped.map((c) => c.headline).join('; ')}`, status: 0 };
  }
  return { line: `OK — ${passed.map((c) => c.headline).join('; ')}${others(skipped)}`, status: 0 };
}

const HEADER_VARS = ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'OTEL_EXPORTER_OTLP_METRICS_HEADERS', 'OTEL_EXPORTER_OTLP_LOGS_HEADERS'];

/**
 * Everything that may be a header value: the parsed values, plus the raw pieces of the header
 * variables (a warning about a malformed entry might quote it).
 */
function secretValues(env: NodeJS.ProcessEnv, config: Config): string[] {
  const out = new Set<string>([config.otlp, config.metrics.otlp, config.logs.otlp].flatMap((otlp) => Object.values(otlp.headers)));
  for (const name of HEADER_VARS) {
    const raw = env[name];
    if (!raw) continue;
    for (const entry of raw.split(',')) {
      const eq = entry.indexOf('=');
      const value = (eq === -1 ? entry : entry.slice(eq + 1)).trim();
      out.add(value);
      try {
        out.add(decodeURIComponent(value));
      } catch {
        // malformed percent-encoding: the raw value is already in the set
      }
    }
  }
  return secretsOf(out);
}
