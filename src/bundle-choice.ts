import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The version of @opentelemetry/api bundled as build/src/api-bundle.js: the newest release,
 * installed as the dev dependency `api-for-bundle` (an npm alias, beside the root's own copy, which
 * a dev tool's peer range holds back). A unit test keeps the two equal. A newer copy registers
 * for every older 1.x reader, so an app on the newest API, or on an older one, gets the bundle.
 */
export const BUNDLED_API_VERSION = '1.10.0';

const API_DIR = join('@opentelemetry', 'api');

/**
 * The version of the @opentelemetry/api an app in `appDir` resolves, if it has one: the nearest
 * `node_modules/@opentelemetry/api` up from it, Node's own lookup order, read without resolving
 * (`require.resolve` with `paths` took about 4 ms of start-up, this walk well under 1; most apps
 * have one, since otelite's own dependency on the API is installed beside them). Under Yarn's
 * Plug'n'Play there is no node_modules to walk, and the resolver answers.
 */
export function appApiVersion(appDir: string, plugAndPlay = process.versions.pnp !== undefined): string | undefined {
  if (plugAndPlay) {
    const entry = appApiEntry(appDir);
    const at = entry === undefined ? -1 : entry.lastIndexOf(API_DIR);
    return at < 0 ? undefined : packageVersion(join(entry!.slice(0, at + API_DIR.length), 'package.json'));
  }
  for (let dir = appDir; ; ) {
    const modules = basename(dir) === 'node_modules' ? dir : join(dir, 'node_modules');
    const file = join(modules, API_DIR, 'package.json');
    if (existsSync(file)) return packageVersion(file);
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** The file `require('@opentelemetry/api')` loads from `appDir`, if any. */
export function appApiEntry(appDir: string): string | undefined {
  try {
    return require.resolve('@opentelemetry/api', { paths: [appDir] });
  } catch {
    return undefined;
  }
}

function packageVersion(file: string): string | undefined {
  try {
    const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the app's API is a newer 1.x than the bundled one. The API accepts the global tracer
 * provider, context manager and propagator only from a copy of the same major and at least its
 * own minor: an app on a newer minor would see no-ops if the agent registered through the
 * bundled copy, so the agent then registers through the app's own copy.
 */
export function appApiIsNewer(appVersion: string | undefined, bundled: string = BUNDLED_API_VERSION): boolean {
  if (appVersion === undefined) return false;
  const [appMajor, appMinor] = appVersion.split('.').map(Number);
  const [major, minor] = bundled.split('.').map(Number);
  if (!Number.isInteger(appMajor) || !Number.isInteger(appMinor)) return false;
  return appMajor === major && appMinor! > minor!;
}

/** Where the app's own packages are looked up: beside its main script, else the working directory. */
export function appDirectory(): string {
  const main = process.argv[1];
  return typeof main === 'string' && main.length > 0 ? dirname(main) : process.cwd();
}
