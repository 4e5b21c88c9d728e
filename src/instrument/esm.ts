import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';
import { diag } from '@opentelemetry/api';

/**
 * Registers import-in-the-middle's loader for the named modules only (its include list), so no
 * other module of the app is wrapped. Where Node has synchronous in-thread hooks that work with
 * it (`module.registerHooks`, fixed in 22.22.3 / 24.11.1 / 26), they are used: they cost a
 * fraction of the off-thread `module.register` loader (PERFORMANCE.md: +12-30 ms against +70 ms).
 * Returns which mechanism was used, or undefined when registration failed (logged once).
 */
export type EsmMechanism = 'registerHooks' | 'register';

type RegisterHooksModule = { register(options: { include: string[] }): void; supportsSyncHooks(): boolean };

function syncHooks(): RegisterHooksModule | undefined {
  if (typeof (nodeModule as { registerHooks?: unknown }).registerHooks !== 'function') return undefined;
  try {
    // An ES module: require() of it works on every Node that has registerHooks.
    const hooks = require('import-in-the-middle/register-hooks.mjs') as RegisterHooksModule;
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
      return 'registerHooks';
    }
    nodeModule.register('import-in-the-middle/hook.mjs', pathToFileURL(__filename).href, { data: { include: [...modules] } });
    return 'register';
  } catch (error) {
    diag.warn(`ES module hooks could not be registered; ${modules.join(', ')} are traced only when loaded with require()`, error);
    return undefined;
  }
}
