/**
 * Entry point for `node --import otelite/register` and `node --require otelite/register`.
 * It never throws: whatever goes wrong, the app runs, untraced, and one line says why.
 */
function isDisabled(): boolean {
  return (process.env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true';
}

function isSupportedNode(): boolean {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major > 20 || (major === 20 && minor >= 6);
}

/**
 * The agent as one file (`npm run build` bundles it with esbuild): loading it costs ~30 ms less
 * start-up than its ~150 separate files, and compiling it with a V8 code cache (code-cache.ts)
 * about 10 ms less CPU again (bench/RESULTS.md). The bundle's @opentelemetry/api is chosen at
 * load time by api-choice.ts (the bundled copy, or the app's when it is a newer minor). When the
 * bundle was not built (a plain `tsc`), the agent loads as separate files.
 */
function loadAgent(): { agent: typeof import('./agent'); loaded(): void } {
  const { join } = require('node:path') as typeof import('node:path');
  const { PACKAGE_CODE_CACHE_DIR, requireWithCodeCache } = require('./code-cache') as typeof import('./code-cache');
  const bundle = requireWithCodeCache<typeof import('./agent')>(join(__dirname, 'agent-bundle.js'), PACKAGE_CODE_CACHE_DIR);
  if (bundle !== undefined) return { agent: bundle.exports, loaded: () => bundle.save() };
  return { agent: require('./agent') as typeof import('./agent'), loaded: () => undefined };
}

if (!isDisabled()) {
  if (!isSupportedNode()) {
    process.stderr.write(`otelite: Node.js ${process.versions.node} is not supported (needs >= 20.6); tracing is off\n`);
  } else {
    try {
      // Loaded lazily so that OTEL_SDK_DISABLED=true loads nothing beyond this file.
      const { agent, loaded } = loadAgent();
      agent.startAgent();
      loaded();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      process.stderr.write(`otelite: the agent failed to start, the app runs without tracing: ${reason}\n`);
    }
  }
}
