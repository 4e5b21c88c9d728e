import { SEVERITY } from '../shared/logs/severity';

/**
 * winston's level names to severity numbers: its three built-in sets (npm, syslog, cli) by name,
 * as @opentelemetry/winston-transport maps them, so a record has the same severity whichever of
 * the two sends it. winston's numbers only order one logger's own levels (0 is the most
 * severe), so a custom level takes the severity of the closest named level of the logger's own
 * table (by that number; the more severe on a tie), and UNSPECIFIED when the table has none.
 */
const BY_NAME: Readonly<Record<string, number>> = {
  // npm (winston's default)
  error: SEVERITY.ERROR,
  warn: SEVERITY.WARN,
  info: SEVERITY.INFO,
  http: SEVERITY.DEBUG + 3,
  verbose: SEVERITY.DEBUG + 2,
  debug: SEVERITY.DEBUG,
  silly: SEVERITY.TRACE,
  // syslog
  emerg: SEVERITY.FATAL + 3,
  alert: SEVERITY.FATAL + 1,
  crit: SEVERITY.FATAL,
  warning: SEVERITY.WARN,
  notice: SEVERITY.INFO + 1,
  // cli
  help: SEVERITY.INFO,
  data: SEVERITY.INFO,
  prompt: SEVERITY.INFO,
  input: SEVERITY.INFO,
};

export function winstonSeverity(level: string, levels: Readonly<Record<string, unknown>> | undefined): number {
  const known = BY_NAME[level];
  if (known !== undefined) return known;
  const rank = levels?.[level];
  if (typeof rank !== 'number' || levels === undefined) return SEVERITY.UNSPECIFIED;
  let best: number = SEVERITY.UNSPECIFIED;
  let bestDistance = Infinity;
  for (const name of Object.keys(levels)) {
    const severity = BY_NAME[name];
    const other = levels[name];
    if (severity === undefined || typeof other !== 'number') continue;
    const distance = Math.abs(other - rank);
    if (distance < bestDistance || (distance === bestDistance && severity > best)) {
      best = severity;
      bestDistance = distance;
    }
  }
  return best;
}
