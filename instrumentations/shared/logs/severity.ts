/**
 * Severity numbers of the Logs data model (SeverityNumber of @opentelemetry/api-logs, written
 * out so that the table is readable without the enum): each of the six ranges has four steps,
 * the higher number the more severe ("Field: SeverityNumber", "Mapping of SeverityNumber").
 */
export const SEVERITY = {
  UNSPECIFIED: 0,
  TRACE: 1,
  DEBUG: 5,
  INFO: 9,
  WARN: 13,
  ERROR: 17,
  FATAL: 21,
} as const;

const RANGE_BASES = [SEVERITY.TRACE, SEVERITY.DEBUG, SEVERITY.INFO, SEVERITY.WARN, SEVERITY.ERROR, SEVERITY.FATAL];

/**
 * Maps a numeric level of a logger whose levels grow with severity (pino, bunyan: trace 10 …
 * fatal 60) to a severity number. `starts` are the values where TRACE, DEBUG, INFO, WARN, ERROR
 * and FATAL begin; a custom level between two of them falls in the lower one's range, one step
 * up per quarter of the way to the next (pino's 35 is INFO3), as the data model advises for
 * levels finer than its six; below TRACE is TRACE, far above FATAL is FATAL4.
 */
export function severityOfAscendingLevel(value: number, starts: readonly number[]): number {
  if (!(value >= starts[0])) return SEVERITY.TRACE; // also NaN
  let range = starts.length - 1;
  while (value < starts[range]) range--;
  const width = range + 1 < starts.length ? starts[range + 1] - starts[range] : starts[range] - starts[range - 1];
  const step = Math.min(3, Math.floor(((value - starts[range]) * 4) / width));
  return RANGE_BASES[range] + step;
}

/** pino's and bunyan's built-in levels: trace 10, debug 20, info 30, warn 40, error 50, fatal 60. */
export const TEN_STEP_LEVEL_STARTS: readonly number[] = [10, 20, 30, 40, 50, 60];
