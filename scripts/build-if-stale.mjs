// Runs `npm run build` only when the build is missing or older than its sources, so `npm run demo`
// starts at once on an up-to-date checkout (a full build takes 7 to 15 s on 2 cores).
//
// Sources: every .ts file under src/, instrumentations/, test/ and bench/ (what tsconfig.json
// compiles), tsconfig.json itself, and package.json and package-lock.json (the bundle's esbuild
// command and the versions of what it inlines). Outputs: build/src/agent-bundle.js, which the
// build writes last and `otelite/register` loads, and build/test/demo/run.js, the demo's runner
// (tsc output). The build is stale when an output is missing or a source is newer than the
// oldest output. Plain JavaScript, because it must run before anything is compiled.
//
//   node scripts/build-if-stale.mjs           build if stale
//   node scripts/build-if-stale.mjs --check   only say; exit status 1 when stale
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

const root = process.cwd();
const SOURCE_DIRS = ['src', 'instrumentations', 'test', 'bench'];
const SOURCE_FILES = ['tsconfig.json', 'package.json', 'package-lock.json'];
const OUTPUTS = ['build/src/agent-bundle.js', 'build/test/demo/run.js'];
// Installed packages (tsconfig.json excludes them, test/versions too) hold .ts files of others.
const isSkipped = (dir, name) => name === 'node_modules' || name.startsWith('.') || dir === path.join(root, 'test', 'versions');

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The newest source as [mtime, file], walking the source folders. */
function newestSource() {
  let newest = [0, ''];
  const consider = (file) => {
    const time = mtime(file);
    if (time !== undefined && time > newest[0]) newest = [time, file];
  };
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!isSkipped(full, entry.name)) walk(full);
      } else if (entry.name.endsWith('.ts')) consider(full);
    }
  };
  for (const dir of SOURCE_DIRS) walk(path.join(root, dir));
  for (const file of SOURCE_FILES) consider(path.join(root, file));
  return newest;
}

/** Why the build is stale, or undefined when it is up to date. */
function staleness() {
  const outputTimes = OUTPUTS.map((file) => [mtime(path.join(root, file)), file]);
  const missing = outputTimes.find(([time]) => time === undefined);
  if (missing) return `${missing[1]} is missing`;
  const [oldestTime, oldestFile] = outputTimes.reduce((a, b) => (b[0] < a[0] ? b : a));
  const [sourceTime, sourceFile] = newestSource();
  if (sourceTime > oldestTime) return `${path.relative(root, sourceFile)} is newer than ${oldestFile}`;
  return undefined;
}

const reason = staleness();
if (process.argv.includes('--check')) {
  console.log(reason === undefined ? 'build is up to date' : `build is stale: ${reason}`);
  process.exit(reason === undefined ? 0 : 1);
}
if (reason !== undefined) {
  console.log(`Building (${reason}) ...`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', '--silent', 'build'], { stdio: 'inherit' });
  process.exit(build.status ?? 1);
}
