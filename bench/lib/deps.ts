import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { findPostgresBin, findRedisServer } from '../../test/kit/servers';
import { BENCH_DIR, OTELITE_REGISTER, REPO_ROOT, benchRequire } from './paths';

/**
 * What the suite needs, installed here when missing (the way test/kit/prepare.ts does it for the
 * tests), or a clear error saying what to install.
 */

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function aptInstall(packages: string[], why: string): void {
  if (process.getuid?.() !== 0) {
    throw new Error(`${why} needs: ${packages.join(', ')}. Install them (apt-get install ${packages.join(' ')}) or run the benchmark as root.`);
  }
  console.log(`Installing ${packages.join(', ')} (${why})...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  } catch {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  }
}

/** `npm ci` in bench/ unless bench/node_modules already matches bench/package-lock.json. */
export function ensureBenchDeps(): void {
  const lock = path.join(BENCH_DIR, 'package-lock.json');
  const installed = path.join(BENCH_DIR, 'node_modules', '.package-lock.json');
  if (existsSync(installed)) {
    const wanted = (JSON.parse(readFileSync(lock, 'utf8')) as { packages: Record<string, unknown> }).packages;
    const have = (JSON.parse(readFileSync(installed, 'utf8')) as { packages: Record<string, unknown> }).packages;
    // Optional packages for other platforms (native bindings) are in the lockfile but never installed.
    const same = Object.keys(wanted).every(
      (key) =>
        key === '' ||
        JSON.stringify(wanted[key]) === JSON.stringify(have[key]) ||
        (have[key] === undefined && (wanted[key] as { optional?: boolean }).optional === true),
    );
    if (same) return;
  }
  console.log('Installing bench/ dependencies (npm ci in bench/)...');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: BENCH_DIR, stdio: 'inherit' });
}

export function ensureBuild(): void {
  if (!existsSync(OTELITE_REGISTER)) {
    throw new Error(`${OTELITE_REGISTER} is missing: run "npm run build" first (npm run bench does).`);
  }
}

/** The path of `command`, installing Debian's `debianPackage` first when it is missing. */
function ensureCommand(command: string, debianPackage: string, why: string): string {
  let found = onPath(command);
  if (found === undefined) {
    aptInstall([debianPackage], why);
    found = onPath(command);
  }
  if (found === undefined) throw new Error(`${command} is still not on PATH after installing Debian's "${debianPackage}" package.`);
  return found;
}

export function ensureWrk(): string {
  return ensureCommand('wrk', 'wrk', 'the load generator');
}

/** `perf` from Debian's linux-perf, for `npm run bench:profile`; checked to record on this machine. */
export function ensurePerf(): string {
  const perf = ensureCommand('perf', 'linux-perf', 'the profiler of bench:profile');
  try {
    execFileSync(perf, ['record', '-q', '-e', 'cpu-clock', '-o', '/dev/null', '--', 'true'], { stdio: 'ignore' });
  } catch {
    throw new Error('perf cannot record cpu-clock samples here (perf_event_paranoid, or no perf events in this VM).');
  }
  return perf;
}

/** valgrind (its callgrind tool and `callgrind_control`), for `npm run bench:instructions`. */
export function ensureCallgrind(): { valgrind: string; control: string } {
  const valgrind = ensureCommand('valgrind', 'valgrind', 'the instruction counter of bench:instructions');
  const control = ensureCommand('callgrind_control', 'valgrind', 'the instruction counter of bench:instructions');
  return { valgrind, control };
}

export function ensureDbServers(): void {
  const missing: string[] = [];
  if (findPostgresBin() === undefined) missing.push('postgresql');
  if (findRedisServer() === undefined) missing.push('redis-server');
  if (missing.length > 0) aptInstall(missing, 'the realistic server (PostgreSQL and Redis)');
  if (findPostgresBin() === undefined || findRedisServer() === undefined) {
    throw new Error('PostgreSQL or Redis is still not found after installing them.');
  }
}

function firstLine(cmd: string, args: string[]): string {
  try {
    const out = execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    return out.split('\n')[0]!.trim();
  } catch (err) {
    // wrk -v prints its version and exits with status 1.
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    const out = `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`;
    return out.split('\n')[0]!.trim() || 'unknown';
  }
}

function pkgVersion(name: string, req: NodeJS.Require = benchRequire): string {
  try {
    return (req(`${name}/package.json`) as { version: string }).version;
  } catch {
    // Some packages do not export their package.json: find it next to the resolved entry.
    try {
      let dir = path.dirname(req.resolve(name));
      while (dir !== path.dirname(dir)) {
        const file = path.join(dir, 'package.json');
        if (existsSync(file)) {
          const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string };
          if (pkg.name === name) return pkg.version;
        }
        dir = path.dirname(dir);
      }
    } catch {
      // not installed
    }
    return 'missing';
  }
}

/** Versions of everything that shapes the figures. */
export function collectVersions(wrkPath: string | undefined, withDb: boolean): Record<string, string> {
  const otelite = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const v: Record<string, string> = {
    node: process.version,
    otelite: otelite.version,
    '@opentelemetry/auto-instrumentations-node': pkgVersion('@opentelemetry/auto-instrumentations-node'),
    '@opentelemetry/sdk-trace-base': pkgVersion('@opentelemetry/sdk-trace-base'),
    '@opentelemetry/otlp-transformer': pkgVersion('@opentelemetry/otlp-transformer'),
    '@opentelemetry/context-async-hooks': pkgVersion('@opentelemetry/context-async-hooks'),
    '@opentelemetry/core': pkgVersion('@opentelemetry/core'),
    '@opentelemetry/api (bench)': pkgVersion('@opentelemetry/api'),
    'dd-trace': pkgVersion('dd-trace'),
    express: pkgVersion('express'),
    fastify: pkgVersion('fastify'),
    pg: pkgVersion('pg'),
    redis: pkgVersion('redis'),
  };
  // sdk-node and the instrumentations are dependencies of the auto-instrumentations package, resolved from there.
  try {
    const auto = benchRequire.resolve('@opentelemetry/auto-instrumentations-node');
    const req = createRequire(auto);
    for (const name of ['@opentelemetry/sdk-node', '@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-express']) {
      v[name] = pkgVersion(name, req);
    }
  } catch {
    v['@opentelemetry/sdk-node'] = 'missing';
  }
  if (wrkPath !== undefined) v.wrk = firstLine(wrkPath, ['-v']);
  if (withDb) {
    const pgBin = findPostgresBin();
    if (pgBin !== undefined) v.postgresql = firstLine(path.join(pgBin, 'postgres'), ['--version']);
    const redis = findRedisServer();
    if (redis !== undefined) v['redis-server'] = firstLine(redis, ['--version']);
  }
  return v;
}
