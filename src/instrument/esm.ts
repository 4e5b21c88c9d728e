import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';
import { diag } from '@opentelemetry/api';

/**
 * Registers import-in-the-middle's loader for the named modules only (its include list), so no
 * other module of the app is wrapped. Where this Node has synchronous in-thread hooks that work
 * with it, they are used: they cost a fraction of the off-thread `module.register` loader
 * (start-up measured at +12-30 ms against +70 ms). Which one is chosen by feature detection, never by
 * version number (`syncHooksWork` below); returns the mechanism used, or undefined when
 * registration failed (logged once).
 */
export type EsmMechanism = 'registerHooks' | 'register';

type ResolveResult = { url: string; format?: string | null; shortCircuit?: boolean };
type LoadResult = { format?: string | null; source?: unknown; shortCircuit?: boolean };
type ResolveHook = (specifier: string, context: object, next: (specifier: string, context: object) => ResolveResult) => ResolveResult;
type LoadHook = (url: string, context: object, next: (url: string, context: object) => LoadResult) => LoadResult;
type RegisterHooks = (hooks: { resolve?: ResolveHook; load?: LoadHook }) => { deregister?: () => void } | undefined;
type RegisterHooksModule = { register(options: { include: string[] }): void; supportsSyncHooks(): boolean };

let probed: boolean | undefined;

/** The probe beside this file; or under `instrument/` when this code runs from the agent's bundle. */
function probeFile(): string {
  try {
    return require.resolve('./esm-probe');
  } catch {
    return require.resolve('./instrument/esm-probe');
  }
}

/**
 * Whether `module.registerHooks` exists and runs import-in-the-middle's synchronous loader. The
 * function alone is not enough: until a fix (nodejs/node#59929, in 22.22.3 / 24.11.1 / 26) its
 * load hooks rejected the nullish `source` that import-in-the-middle returns for a CommonJS
 * module in the ES module graph, and the app crashed with ERR_INVALID_RETURN_PROPERTY_VALUE as
 * soon as it imported one. So the probe does exactly that, once, with hooks of its own, and
 * removes them: `require()` of a virtual ES module (require(esm): the graph is loaded in
 * this thread, synchronously) that imports a CommonJS file whose load hook answers with no
 * source. About 1-3 ms, paid only by an app that has an ES-module-only target.
 */
export function syncHooksWork(): boolean {
  if (probed !== undefined) return probed;
  probed = false;
  const registerHooks = (nodeModule as { registerHooks?: RegisterHooks }).registerHooks;
  if (typeof registerHooks !== 'function') return false;
  const target = probeFile();
  const targetUrl = pathToFileURL(target).href;
  const entryUrl = new URL(`./esm-probe-entry-${process.pid}.mjs`, targetUrl).href;
  const entrySpecifier = 'otelite:esm-probe';
  let hooks: { deregister?: () => void } | undefined;
  try {
    hooks = registerHooks({
      resolve: (specifier, context, next) =>
        specifier === entrySpecifier ? { url: entryUrl, format: 'module', shortCircuit: true } : next(specifier, context),
      load: (url, context, next) => {
        if (url === entryUrl) {
          return { format: 'module', source: `import probe from ${JSON.stringify(targetUrl)}; export const loaded = probe.loaded;`, shortCircuit: true };
        }
        if (url === targetUrl) return { format: 'commonjs', source: undefined, shortCircuit: true };
        return next(url, context);
      },
    });
    probed = (require(entrySpecifier) as { loaded?: unknown }).loaded === true;
  } catch (error) {
    diag.debug(`module.registerHooks cannot run the ES module hooks here (${(error as Error)?.message}); using module.register`);
  } finally {
    hooks?.deregister?.();
    delete require.cache[target];
  }
  return probed;
}

/**
 * import-in-the-middle's resolve hook takes a module with no parent (a `require()` from
 * `node -e`, `--print` or the REPL) for the entry point and gives it the format `commonjs`, even a
 * builtin: Node then reads `node:fs` from disk as a file and the script dies with ENOENT. A hook
 * registered after it runs before it, sees its answer, and gives a builtin back its own format.
 */
const keepBuiltinFormat: ResolveHook = (specifier, context, next) => {
  const result = next(specifier, context);
  if (result !== null && typeof result === 'object' && typeof result.url === 'string' && result.url.startsWith('node:') && result.format === 'commonjs') {
    return { ...result, format: 'builtin' };
  }
  return result;
};

function syncHooks(): RegisterHooksModule | undefined {
  if (!syncHooksWork()) return undefined;
  try {
    // An ES module: require() of it works wherever the probe did (require(esm) is in use there).
    const hooks = require('import-in-the-middle/register-hooks.mjs') as RegisterHooksModule;
    // import-in-the-middle has its own list of the Node versions with the fix, and refuses the
    // others; on those the probe has already said no.
    return hooks.supportsSyncHooks() ? hooks : undefined;
  } catch {
    return undefined;
  }
}

export function registerEsmLoader(modules: readonly string[]): EsmMechanism | undefined {
  try {
    const hooks = syncHooks();
    if (hooks !== undefined) {
      hooks.register({ include: [...modules] });
      (nodeModule as { registerHooks?: RegisterHooks }).registerHooks?.({ resolve: keepBuiltinFormat });
      return 'registerHooks';
    }
    nodeModule.register('import-in-the-middle/hook.mjs', pathToFileURL(__filename).href, { data: { include: [...modules] } });
    return 'register';
  } catch (error) {
    diag.warn(`ES module hooks could not be registered; ${modules.join(', ')} are traced only when loaded with require()`, error);
    return undefined;
  }
}
