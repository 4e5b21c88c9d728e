import { join } from 'node:path';
import { appApiEntry, appApiIsNewer, appApiVersion, appDirectory } from './bundle-choice';
import { PACKAGE_CODE_CACHE_DIR, requireWithCodeCache } from './code-cache';

type Api = typeof import('@opentelemetry/api');

/**
 * The @opentelemetry/api the agent bundle registers through (esbuild points the bundle's
 * `@opentelemetry/api` here; this file stays outside the bundle).
 *
 * - Usually the bundled copy (build/src/api-bundle.js, one file): an app on the same or an older
 *   1.x API accepts what a newer-or-equal copy registers, through the API's global registry.
 *   It is compiled with a code cache, as the agent bundle is (without one it took about 7 ms of
 *   start-up, with one about 4.5).
 * - When the app resolves a newer 1.x minor, that copy of the app's: the app's API would refuse
 *   registrations from an older copy and see no-ops.
 * - When the API bundle was not built (a plain `tsc`), the API npm resolves for otelite.
 */
function chooseApi(): Api {
  const appDir = appDirectory();
  const appEntry = appApiIsNewer(appApiVersion(appDir)) ? appApiEntry(appDir) : undefined;
  if (appEntry !== undefined) return require(appEntry) as Api;
  return bundledApi() ?? (require('@opentelemetry/api') as Api);
}

function bundledApi(): Api | undefined {
  const bundle = requireWithCodeCache<Api>(join(__dirname, 'api-bundle.js'), PACKAGE_CODE_CACHE_DIR);
  // Saved at once (when missing): the API's own start is all the cache needs to hold.
  bundle?.save();
  return bundle?.exports;
}

export = chooseApi();
