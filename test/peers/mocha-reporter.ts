import { appendOutcome, firstLine, OUTCOMES_ENV, relativeFile } from './outcome-file';

/**
 * A mocha reporter for the peers runner (run.ts): each test's outcome, one JSON line, to the
 * file named by OTELITE_PEERS_OUTCOMES, and a dot per test on stdout. It imports nothing from
 * mocha: it runs under the library's own mocha, whatever its version.
 */
interface MochaRunnable {
  file?: string;
  fullTitle(): string;
}

interface MochaRunnerLike {
  on(event: string, listener: (test: MochaRunnable, error?: unknown) => void): unknown;
}

class PeersReporter {
  constructor(runner: MochaRunnerLike) {
    const file = process.env[OUTCOMES_ENV];
    if (file === undefined || file === '') throw new Error(`${OUTCOMES_ENV} is not set`);
    const record = (test: MochaRunnable, outcome: 'passed' | 'failed' | 'skipped', error?: unknown): void => {
      appendOutcome(file, {
        id: `${relativeFile(test.file)} > ${test.fullTitle()}`,
        outcome,
        ...(error === undefined ? {} : { error: firstLine(error) }),
      });
      process.stdout.write(outcome === 'failed' ? 'F' : outcome === 'skipped' ? ',' : '.');
    };
    runner.on('pass', (test) => record(test, 'passed'));
    runner.on('pending', (test) => record(test, 'skipped'));
    // A failed hook ("before all") is reported here too; the tests it kept from running never report.
    runner.on('fail', (test, error) => record(test, 'failed', error));
    runner.on('end', () => process.stdout.write('\n'));
  }
}

export = PeersReporter;
