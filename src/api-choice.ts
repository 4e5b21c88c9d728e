import { appApi, appApiIsNewer, appDirectory } from './bundle-choice';
import { requireIfBuilt } from './require-built';

/**
 * The @opentelemetry/api the agent bundle registers through (esbuild points the bundle's
 * `@opentelemetry/api` here; this file stays outside the bundle).
 *
 * - Usually the bundled copy (build/src/api-bundle.js, one file): an app on the same or an older
 *   1.x API accepts what a newer-or-equal copy registers, through the API's global registry.
 * - When the app resolves a newer 1.x minor, that copy of the app's: the app's API would refuse
 *   registrations from an older copy and see no-ops.
 * - When the API bundle was not built (a plain `tsc`), the API npm resolves for otelite.
 */
function chooseApi(): typeof import('@opentelemetry/api') {
  const app = appApi(appDirectory());
  if (app !== undefined && appApiIsNewer(app.version)) return require(app.entry) as typeof import('@opentelemetry/api');
  return (
    requireIfBuilt('api-bundle', () => require('./api-bundle') as typeof import('@opentelemetry/api')) ??
    (require('@opentelemetry/api') as typeof import('@opentelemetry/api'))
  );
}

export = chooseApi();
