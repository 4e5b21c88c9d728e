import Module, { isBuiltin } from 'node:module';

type Require = (this: Module, id: string) => unknown;

export const NODE_MODULES = '/node_modules/';

/** The package a path lies in: the name after its last `node_modules/` (`@scope/name` for scoped ones). */
export function packageOfPath(filename: string): string | undefined {
  const path = filename.includes('\\') ? filename.replace(/\\/g, '/') : filename;
  const at = path.lastIndexOf(NODE_MODULES);
  if (at < 0) return undefined;
  return packageOfRequest(path.slice(at + NODE_MODULES.length));
}

/** The package a bare request names: `pg`, `pg/lib/client`, `@redis/client/dist/x` → `@redis/client`. */
export function packageOfRequest(request: string): string | undefined {
  const first = request.indexOf('/');
  if (request.startsWith('@')) {
    if (first < 0) return undefined;
    const second = request.indexOf('/', first + 1);
    return second < 0 ? request : request.slice(0, second);
  }
  return first < 0 ? request : request.slice(0, first);
}

function isPathRequest(request: string): boolean {
  const c = request.charCodeAt(0);
  // `.`, `/`, `\`, or a Windows drive (`C:`).
  return c === 46 || c === 47 || c === 92 || (request.length > 1 && request.charCodeAt(1) === 58);
}

/**
 * The packages the hook patches, and for each the names a relative require of one of its target
 * files can end in: `lib/router/layer.js` is reached by `./layer` or `./layer.js`,
 * `lib/router/index.js` also by `./router`. A package's main file is reached by `.`, `..` or an
 * `index` path from inside it.
 */
export class HookedPackages {
  private readonly fileNames = new Map<string, Set<string>>();

  add(packageName: string, file: string | undefined): void {
    let names = this.fileNames.get(packageName);
    if (names === undefined) this.fileNames.set(packageName, (names = new Set(['', '.', '..', 'index'])));
    if (file === undefined) return;
    const segments = file.replace(/\\/g, '/').split('/');
    const base = stripExtension(segments[segments.length - 1] ?? '');
    names.add(base);
    if (base === 'index' && segments.length > 1) names.add(segments[segments.length - 2]!);
  }

  has(packageName: string): boolean {
    return this.fileNames.has(packageName);
  }

  /** Whether a relative require ending in `lastSegment`, from inside `packageName`, may load a target file. */
  mayReach(packageName: string, lastSegment: string): boolean {
    return this.fileNames.get(packageName)?.has(stripExtension(lastSegment)) === true;
  }
}

function stripExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 && /^\.[cm]?js$/.test(name.slice(dot)) ? name.slice(0, dot) : name;
}

function lastSegment(request: string): string {
  const slash = Math.max(request.lastIndexOf('/'), request.lastIndexOf('\\'));
  return slash < 0 ? request : request.slice(slash + 1);
}

/**
 * Whether `require(request)` made by the module at `parentFilename` can load a file the hook
 * patches. A bare request names its package; a path request stays in the requiring module's
 * package unless it spells out a `node_modules` path, and reaches a target file only by that
 * file's name. Builtins never concern the hook (they are patched at start-up). When unsure, the
 * answer is yes: the hook then decides, as it would alone.
 */
export function mayLoadPackage(request: unknown, parentFilename: unknown, packages: HookedPackages): boolean {
  if (typeof request !== 'string' || request.length === 0) return true;
  if (isPathRequest(request)) {
    if (request.includes('node_modules')) return true;
    if (typeof parentFilename !== 'string') return false;
    const owner = packageOfPath(parentFilename);
    return owner !== undefined && packages.mayReach(owner, lastSegment(request));
  }
  if (isBuiltin(request)) return false;
  const name = packageOfRequest(request);
  return name === undefined || packages.has(name);
}

/**
 * require-in-the-middle resolves the file of every require() the app makes, a second time next
 * to Node's own resolution, to learn which package it belongs to: for an app that loads express,
 * pg and redis that is hundreds of requires and about 10 ms of start-up. Nearly
 * all of them are decidable without resolving (`mayLoadPackage`), so only the requires that may
 * concern a patched package go through the hook; the others take the require that was in place
 * before it. Call right after installing the hook, with the require it replaced.
 */
export function narrowRequireHook(before: Require, packages: HookedPackages): void {
  const hooked = Module.prototype.require as unknown as Require;
  if (hooked === before) return;
  const narrowed = function require(this: Module, id: string): unknown {
    return mayLoadPackage(id, this?.filename, packages) ? Reflect.apply(hooked, this, arguments) : Reflect.apply(before, this, arguments);
  };
  Module.prototype.require = narrowed as unknown as typeof Module.prototype.require;
}
