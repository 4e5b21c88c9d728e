import { readFileSync } from 'node:fs';
import Module, { isBuiltin, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { diag } from '@opentelemetry/api';
import { Hook } from 'require-in-the-middle';
import { watchImportedFiles } from './entry-imports';
import { registerEsmLoader } from './esm';
import { HookedPackages, narrowRequireHook } from './require-filter';
import { simpleSatisfies } from './version-range';
import { stateOf } from './state';
import type { Instrumentation, PatchTarget } from './types';

interface Registration {
  instrumentation: Instrumentation;
  target: PatchTarget;
}

type Satisfies = (version: string, range: string, options: { includePrerelease: boolean }) => boolean;
let satisfies: Satisfies | undefined;

/** semver is loaded only for a range `simpleSatisfies` cannot read: it costs ~10 ms of start-up. */
function inRange(version: string, range: string): boolean {
  const simple = simpleSatisfies(version, range);
  if (simple !== undefined) return simple;
  satisfies ??= require('semver/functions/satisfies') as Satisfies;
  return satisfies(version, range, { includePrerelease: true });
}

/** Exports objects already patched, per target: a module loaded twice is patched once. */
const patched = new WeakMap<PatchTarget, WeakSet<object>>();
const versionByDir = new Map<string, string | undefined>();

function packageVersion(basedir: string): string | undefined {
  if (!versionByDir.has(basedir)) {
    let version: string | undefined;
    try {
      version = (JSON.parse(readFileSync(join(basedir, 'package.json'), 'utf8')) as { version?: string }).version;
    } catch {
      version = undefined;
    }
    versionByDir.set(basedir, version);
  }
  return versionByDir.get(basedir);
}

function hookName(target: PatchTarget): string {
  return target.file === undefined ? target.module : `${target.module}/${target.file}`;
}

function isPatched(target: PatchTarget, exports: unknown): boolean {
  return exports !== null && typeof exports === 'object' && patched.get(target)?.has(exports) === true;
}

/** Applies one target's patch, containing every failure to its instrumentation. */
function applyPatch(registration: Registration, exports: unknown, version: string | undefined): unknown {
  const { instrumentation, target } = registration;
  const state = stateOf(instrumentation.name);
  const name = hookName(target);
  if (!state.active || exports === null || (typeof exports !== 'object' && typeof exports !== 'function')) return exports;
  if (version === undefined || !inRange(version, target.versions)) {
    diag.debug(`${name} ${version ?? '(unknown version)'} is outside ${instrumentation.name}'s supported range ${target.versions}; left untouched`);
    return exports;
  }
  let seen = patched.get(target);
  if (seen === undefined) patched.set(target, (seen = new WeakSet()));
  if (seen.has(exports as object)) return exports;
  try {
    const result = target.patch(exports, version) ?? exports;
    seen.add(exports as object);
    if (result !== exports && result !== null && typeof result === 'object') seen.add(result);
    diag.debug(`patched ${name} ${version}`);
    return result;
  } catch (error) {
    state.fail(error);
    return exports;
  }
}

/**
 * Installs what the given instrumentations need: builtins are patched right away (so ES module
 * imports of `node:http` see the patched functions), everything else through ONE
 * require-in-the-middle hook for all module names (measured: one hook for seven names
 * costs half of seven hooks, and every later require pays per hook); the CommonJS files an ES
 * module imports, which bypass `require`, are offered to the same targets (entry-imports.ts).
 * Targets marked `esm` also get import-in-the-middle, registered only for their module names and
 * only if there are any.
 */
export function installHooks(instrumentations: readonly Instrumentation[]): void {
  const byName = new Map<string, Registration[]>();
  const esm = new Map<string, Registration[]>();
  let needsInternals = false;
  let patchedBuiltin = false;
  const add = (map: Map<string, Registration[]>, name: string, registration: Registration) => {
    const list = map.get(name);
    if (list === undefined) map.set(name, [registration]);
    else list.push(registration);
  };

  for (const instrumentation of instrumentations) {
    for (const target of instrumentation.targets) {
      const registration = { instrumentation, target };
      if (isBuiltin(target.module)) {
        applyPatch(registration, require(target.module), process.versions.node);
        patchedBuiltin = true;
        continue;
      }
      if (target.file !== undefined) needsInternals = true;
      add(byName, hookName(target), registration);
      if (target.esm === true && target.file === undefined) add(esm, target.module, registration);
    }
  }
  // ESM wrappers of builtins copy named exports when first created; refresh them.
  if (patchedBuiltin) syncBuiltinESMExports();

  if (byName.size > 0) {
    const modules = [...new Set([...byName.values()].flat().map((r) => r.target.module))];
    /** A target file was loaded (`name` is the hook name: `bunyan`, `pg/lib/client.js`). */
    const patchLoaded = <T>(exports: T, name: string, basedir: string | undefined): T => {
      const registrations = byName.get(name.replace(/\\/g, '/'));
      if (registrations === undefined) return exports;
      const version = basedir === undefined ? undefined : packageVersion(basedir);
      let result: unknown = exports;
      for (const registration of registrations) result = applyPatch(registration, result, version);
      return result as T;
    };
    const before = Module.prototype.require;
    new Hook(modules, { internals: needsInternals }, patchLoaded);
    const hooked = new HookedPackages();
    for (const registrations of byName.values()) for (const { target } of registrations) hooked.add(target.module, target.file);
    narrowRequireHook(before, hooked);
    watchImportedFiles((name) => byName.has(name), patchLoaded);
  }

  if (esm.size > 0 && registerEsmLoader([...esm.keys()]) !== undefined) {
    // Loaded only here: most apps need no ESM hook and should not pay for loading it.
    const { Hook: ImportHook } = require('import-in-the-middle') as typeof import('import-in-the-middle');
    new ImportHook([...esm.keys()], (namespace, name, basedir) => {
      const version = basedir === undefined ? undefined : packageVersion(basedir);
      for (const registration of esm.get(name) ?? []) {
        // A CommonJS package imported from ESM: its namespace's default is module.exports,
        // which the require hook may have patched already.
        if (isPatched(registration.target, namespace.default)) continue;
        applyPatch(registration, namespace, version);
      }
    });
  }
}

/** Runs each instrumentation's `enable` (channel subscriptions), containing failures. */
export function enableChannels(instrumentations: readonly Instrumentation[]): void {
  for (const instrumentation of instrumentations) {
    if (instrumentation.enable === undefined) continue;
    try {
      instrumentation.enable();
    } catch (error) {
      stateOf(instrumentation.name).fail(error);
    }
  }
}
