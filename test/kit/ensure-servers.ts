import { execFileSync } from 'node:child_process';
import { findPostgresBin, findRedisServer } from './servers';

/**
 * Run by `npm test` before mocha: the database tests need real PostgreSQL and Redis servers.
 * Missing ones are installed from Debian's packages when we are root (CI, a fresh machine);
 * otherwise this fails with what to install. It never lets the tests skip.
 */
const missing: string[] = [];
if (findPostgresBin() === undefined) missing.push('postgresql');
if (findRedisServer() === undefined) missing.push('redis-server');

if (missing.length > 0) {
  if (process.getuid?.() !== 0) {
    console.error(`The database tests need: ${missing.join(', ')}. Install them (apt-get install ${missing.join(' ')}) or run npm test as root.`);
    process.exit(1);
  }
  console.log(`Installing ${missing.join(', ')} for the database tests...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  if (findPostgresBin() === undefined || findRedisServer() === undefined) {
    console.error('Installed, but the server binaries are still not found.');
    process.exit(1);
  }
}
