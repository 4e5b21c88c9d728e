import { appendFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TestOutcome } from './results';

/** The file a reporter running inside a library's test process appends its outcomes to. */
export const OUTCOMES_ENV = 'OTELITE_PEERS_OUTCOMES';

/** Appends one outcome at once, so a test process that dies keeps what it reported. */
export function appendOutcome(file: string, outcome: TestOutcome): void {
  appendFileSync(file, `${JSON.stringify(outcome)}\n`);
}

/** A test file's path as the id's first part: relative to the suite's folder. */
export function relativeFile(file: string | undefined): string {
  if (file === undefined || file === '') return '?';
  return path.isAbsolute(file) ? path.relative(process.cwd(), file) : file;
}

/** The first line of a failure; node:test wraps the test's own error as the `cause` of its own. */
export function firstLine(failure: unknown): string {
  const error = (failure as { code?: unknown; cause?: unknown } | undefined)?.code === 'ERR_TEST_FAILURE' ? (failure as { cause: unknown }).cause : failure;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split('\n')[0].slice(0, 300);
}
