import { readFileSync } from 'node:fs';

/**
 * One test's outcome in one run of a library's suite, as the reporters (mocha-reporter.ts,
 * node-test-reporter.ts) and the per-file runner write it: one JSON object per line.
 */
export interface TestOutcome {
  /** File and full title: the same test has the same id in every run. */
  id: string;
  outcome: 'passed' | 'failed' | 'skipped';
  /** First line of the failure, for the report. */
  error?: string;
}

export function readOutcomes(file: string): Map<string, TestOutcome> {
  const outcomes = new Map<string, TestOutcome>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return outcomes;
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const outcome = JSON.parse(line) as TestOutcome;
    // A title used twice in one file gets an ordinal, so neither hides the other.
    let id = outcome.id;
    for (let n = 2; outcomes.has(id); n++) id = `${outcome.id} #${n}`;
    outcomes.set(id, { ...outcome, id });
  }
  return outcomes;
}

export interface RunCounts {
  passed: number;
  failed: number;
  skipped: number;
}

export function countOutcomes(outcomes: Map<string, TestOutcome>): RunCounts {
  const counts: RunCounts = { passed: 0, failed: 0, skipped: 0 };
  for (const { outcome } of outcomes.values()) counts[outcome]++;
  return counts;
}

export interface Comparison {
  /** Tests that passed in every baseline run: the ones the agent is judged on. */
  stable: number;
  /** Failed or missing in some baseline run (flaky, or failing on this machine): listed, not judged. */
  unstable: string[];
  /** Passed in every baseline run, failed or did not run with the agent. */
  broken: { id: string; error: string }[];
}

/**
 * Judges the run with the agent against the baseline runs. A test counts only if it passed in
 * every baseline run; it is broken when, with the agent, it failed or never reported (a file
 * that crashed, a hook that failed before it).
 */
export function compareRuns(baselines: Map<string, TestOutcome>[], withAgent: Map<string, TestOutcome>): Comparison {
  const ids = new Set<string>();
  for (const run of baselines) for (const id of run.keys()) ids.add(id);
  const comparison: Comparison = { stable: 0, unstable: [], broken: [] };
  for (const id of [...ids].sort()) {
    const outcomes = baselines.map((run) => run.get(id)?.outcome);
    if (outcomes.every((outcome) => outcome === 'skipped')) continue;
    if (!outcomes.every((outcome) => outcome === 'passed')) {
      comparison.unstable.push(`${id} (${outcomes.map((outcome) => outcome ?? 'missing').join(', ')})`);
      continue;
    }
    comparison.stable++;
    const agent = withAgent.get(id);
    if (agent === undefined) comparison.broken.push({ id, error: 'did not run' });
    else if (agent.outcome !== 'passed') comparison.broken.push({ id, error: agent.error ?? agent.outcome });
  }
  return comparison;
}
