import { diag } from '@opentelemetry/api';
import { isExiting, whenExitFlushEnds } from '../../exiting';

/**
 * The line that says a signal's export failed, and what it lost. A failure of the network or of
 * the collector is about an address, not a signal: at exit every signal flushes at once and, with
 * no collector, each fails the same way. During an exit flush, failures of one kind against one
 * origin are therefore gathered and said in one line when the flush ends (`traces and metrics
 * export to http://localhost:4318 failed: …; 1 span and 49 data points lost`); a failure alone,
 * or any failure while the app runs, is said at once in its own line, with its full endpoint.
 * Each signal still says each kind of failure once.
 */

export interface FailureReport {
  /** The once-per-kind key of this signal's exporter. */
  readonly onceKey: string;
  readonly level: 'warn' | 'error';
  readonly signal: string;
  /** The signal's endpoint, printable, for a line of its own. */
  readonly where: string;
  /** The endpoint's origin (scheme, host, port), printable, for a shared line. */
  readonly origin: string;
  /** What went wrong, in the agent's words (explain.ts), with the attempts made: `: nothing listens…`. */
  readonly detail: string;
  /** "1 span", "49 data points". */
  readonly lost: string;
}

const ONCE = '(said once for this kind of failure; later losses are counted)';
const said = new Set<string>();
const gathered = new Map<string, FailureReport[]>();

export function sayFailure(report: FailureReport): void {
  if (said.has(report.onceKey)) return;
  said.add(report.onceKey);
  if (!isExiting()) {
    sayReports([report]);
    return;
  }
  const key = `${report.level}|${report.origin}|${report.detail}`;
  const reports = gathered.get(key);
  if (reports !== undefined) {
    reports.push(report);
    return;
  }
  if (gathered.size === 0) whenExitFlushEnds(sayGathered);
  gathered.set(key, [report]);
}

function sayGathered(): void {
  const all = [...gathered.values()];
  gathered.clear();
  for (const reports of all) sayReports(reports);
}

function sayReports(reports: readonly FailureReport[]): void {
  const [first] = reports;
  if (reports.length === 1) {
    diag[first.level](`${first.signal} export to ${first.where} failed${first.detail}; ${first.lost} lost ${ONCE}`);
    return;
  }
  const signals = listed(reports.map((r) => r.signal));
  const lost = listed(reports.map((r) => r.lost));
  diag[first.level](`${signals} export to ${first.origin} failed${first.detail}; ${lost} lost ${ONCE}`);
}

/** `a and b`, `a, b and c`. */
function listed(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
