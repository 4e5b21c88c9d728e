/** A failed test (or hook): its full title and the first lines of its error. */
export interface FailedTest {
  title: string;
  message: string;
}

/** What the matrix reporter writes for one mocha run and the version matrix reads back. */
export interface MatrixStats {
  tests: number;
  passes: number;
  failures: number;
  pending: number;
  /** The Node version that ran the tests. */
  node: string;
  failed: FailedTest[];
}
