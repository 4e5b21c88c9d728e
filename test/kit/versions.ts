import * as path from 'node:path';
import { REPO_ROOT } from './paths';

/**
 * The version sets under test/versions/ (see prepare.ts): `previous` holds the previous majors
 * (and pre-diagnostics-channel minors), `current` the current ones. A fixture app is told its
 * set through OTELITE_TEST_VERSION_SET_DIR and loads libraries from there by their real names.
 */
export type VersionSet = 'previous' | 'current';

export function versionSetDir(set: VersionSet): string {
  return path.join(REPO_ROOT, 'test', 'versions', set);
}
