import { writeFileSync } from 'node:fs';
import * as Mocha from 'mocha';
import type { FailedTest, MatrixStats } from './matrix-stats';

/** Lines of a failure's message kept for the matrix's closing summary. */
const MESSAGE_LINES = 40;

/**
 * Mocha's spec reporter, plus the run's counts and its failures (full title, first lines of the
 * error) written as JSON to the file named by OTELITE_MATRIX_STATS, for the version matrix
 * (matrix.ts) to sum up without parsing text and to repeat the failures where CI's tail shows them.
 */
class MatrixReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const file = process.env.OTELITE_MATRIX_STATS;
    if (file === undefined || file === '') return;
    const failed: FailedTest[] = [];
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test: Mocha.Runnable, error: unknown) => {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failed.push({ title: test.fullTitle(), message: text.split('\n').slice(0, MESSAGE_LINES).join('\n') });
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const stats = runner.stats ?? this.stats;
      const written: MatrixStats = { tests: stats.tests, passes: stats.passes, failures: stats.failures, pending: stats.pending, node: process.versions.node, failed };
      writeFileSync(file, JSON.stringify(written));
    });
  }
}

export = MatrixReporter;
