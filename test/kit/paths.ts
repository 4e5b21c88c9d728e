import * as path from 'node:path';

/** The repository root, from build/test/kit. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');
export const REGISTER = path.join(REPO_ROOT, 'build', 'src', 'register.js');
export const BIN = path.join(REPO_ROOT, 'bin', 'otelite');
