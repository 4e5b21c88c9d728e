import { severityOfAscendingLevel, TEN_STEP_LEVEL_STARTS } from '../shared/logs/severity';

/**
 * bunyan's level values to severity numbers, as pino's: trace 10 → TRACE, debug 20 → DEBUG,
 * info 30 → INFO, warn 40 → WARN, error 50 → ERROR, fatal 60 → FATAL; any other value by where
 * it falls (35 → INFO3).
 */
export function bunyanSeverity(level: number): number {
  return severityOfAscendingLevel(level, TEN_STEP_LEVEL_STARTS);
}
