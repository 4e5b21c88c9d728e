import { severityOfAscendingLevel, TEN_STEP_LEVEL_STARTS } from '../shared/logs/severity';

/**
 * pino's level values to severity numbers: trace 10 → TRACE, debug 20 → DEBUG, info 30 → INFO,
 * warn 40 → WARN, error 50 → ERROR, fatal 60 → FATAL; a custom level by its value (35 → INFO3,
 * 45 → WARN3, 70 → FATAL4).
 */
export function pinoSeverity(level: number): number {
  return severityOfAscendingLevel(level, TEN_STEP_LEVEL_STARTS);
}
