import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ensureNode, UNSUPPORTED_NODE_VERSION } from './node-versions';
import { REPO_ROOT } from './paths';
import { findPostgresBin, findPrometheus, findRedisServer } from './servers';

/**
 * Run by `npm test` before mocha. It never lets a test skip: what the tests need is installed
 * here, or the run fails saying what is missing.
 * - Real PostgreSQL, Redis and Prometheus servers, from Debian's packages when we are root (CI, a
 *   fresh machine).
 * - The version sets under test/versions/: each a small package with its own lockfile, so the
 *   libraries sit under their real names (an npm alias such as `express4` would hide the module
 *   from name-based hooks, which users never meet).
 * - A Node older than the supported range (node-versions.ts), for the test that the agent stays
 *   off there. The Node lines of the version matrix are installed by matrix.ts as it reaches them.
 */
function ensureServers(): void {
  const missing: string[] = [];
  if (findPostgresBin() === undefined) missing.push('postgresql');
  if (findRedisServer() === undefined) missing.push('redis-server');
  if (findPrometheus() === undefined) missing.push('prometheus');
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`The database and Prometheus tests need: ${missing.join(', ')}. Install them (apt-get install ${missing.join(' ')}) or run npm test as root.`);
  }
  console.log(`Installing ${missing.join(', ')} for the database and Prometheus tests...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  if (findPostgresBin() === undefined || findRedisServer() === undefined || findPrometheus() === undefined) {
    throw new Error('Installed, but the server binaries are still not found.');
  }
}

export const VERSION_SETS = ['previous', 'current'] as const;

/** `npm ci` in a version set unless its node_modules already matches its lockfile. */
function ensureVersionSet(name: string): void {
  const dir = path.join(REPO_ROOT, 'test', 'versions', name);
  const lock = path.join(dir, 'package-lock.json');
  const installed = path.join(dir, 'node_modules', '.package-lock.json');
  if (existsSync(installed)) {
    const wanted = (JSON.parse(readFileSync(lock, 'utf8')) as { packages: Record<string, unknown> }).packages;
    const have = (JSON.parse(readFileSync(installed, 'utf8')) as { packages: Record<string, unknown> }).packages;
    const same = Object.keys(wanted).every((key) => key === '' || JSON.stringify(wanted[key]) === JSON.stringify(have[key]));
    if (same) return;
  }
  console.log(`Installing test/versions/${name} ...`);
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
}

try {
  ensureServers();
  for (const set of VERSION_SETS) ensureVersionSet(set);
  ensureNode(UNSUPPORTED_NODE_VERSION);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
