import { writeFileSync } from 'node:fs';
import * as Mocha from 'mocha';

/**
 * Mocha's spec reporter, plus the run's counts written as JSON to the file named by
 * OTELITE_MATRIX_STATS, for the version matrix (matrix.ts) to sum up without parsing text.
 */
class MatrixReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const file = process.env.OTELITE_MATRIX_STATS;
    if (file === undefined || file === '') return;
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const stats = runner.stats ?? this.stats;
      writeFileSync(
        file,
        JSON.stringify({ tests: stats.tests, passes: stats.passes, failures: stats.failures, pending: stats.pending, node: process.versions.node }),
      );
    });
  }
}

export = MatrixReporter;
