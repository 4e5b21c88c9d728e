import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The version of @opentelemetry/api bundled as build/src/api-bundle.js: the newest release,
 * installed as the dev dependency `api-for-bundle` (an npm alias, beside the root's own copy, which
 * a dev tool's peer range holds back). A unit test keeps the two equal. A newer copy registers
 * for every older 1.x reader, so an app on the newest API, or on an older one, gets the bundle.
 */
export const BUNDLED_API_VERSION = '1.10.0';

const API_ENTRY_TAIL = join('@opentelemetry', 'api');

export interface AppApi {
  version: string;
  /** The file `require('@opentelemetry/api')` loads from the app's directory. */
  entry: string;
}

/** The @opentelemetry/api an app in `appDir` resolves, if it has one. */
export function appApi(appDir: string): AppApi | undefined {
  try {
    const entry = require.resolve('@opentelemetry/api', { paths: [appDir] });
    const at = entry.lastIndexOf(API_ENTRY_TAIL);
    if (at < 0) return undefined;
    const pkg = JSON.parse(readFileSync(join(entry.slice(0, at + API_ENTRY_TAIL.length), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? { version: pkg.version, entry } : undefined;
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
