import Module from 'node:module';
import { dirname } from 'node:path';
import { diag } from '@opentelemetry/api';
import { NODE_MODULES, packageOfRequest } from './require-filter';
import { wrapMethod, type AnyFunction } from './wrap';

/**
 * An ES module's `import bunyan from 'bunyan'` of a CommonJS package: Node's ES module loader
 * runs the file it resolved through `Module._load(filename)`, with no parent module and without
 * `require`, so the require hook never sees it (the files that file requires do pass through
 * the hook). Such loads are offered here under the hook's own names: `bunyan` for the package's
 * main file, `pg/lib/client.js` for a file imported by its path. Every other load costs one
 * comparison.
 */

/** Called with an imported file's exports and its hook name (`bunyan`, `pg/lib/client.js`). */
export type OnImported = (exports: unknown, name: string, basedir: string) => unknown;

interface Loader {
  _load: AnyFunction;
}

export function watchImportedFiles(isTarget: (name: string) => boolean, onImported: OnImported): void {
  wrapMethod(Module as unknown as Loader, '_load', (original) =>
    function _load(this: unknown, request: unknown, parent: unknown): unknown {
      const exports: unknown = Reflect.apply(original, this, arguments);
      // A require() has a parent; the main script is not in a package anyone patches.
      if (parent != null || typeof request !== 'string' || !request.includes('node_modules')) return exports;
      try {
        offer(request, exports, isTarget, onImported);
      } catch (error) {
        diag.debug(`otelite: an ES module import of ${request} was not offered to the instrumentations: ${(error as Error)?.message}`);
      }
      // The ES module gets the exports Node made, whatever a patch returns: patches change them in place.
      return exports;
    },
  );
}

function offer(filename: string, exports: unknown, isTarget: (name: string) => boolean, onImported: OnImported): void {
  const path = filename.replace(/\\/g, '/');
  const at = path.lastIndexOf(NODE_MODULES);
  if (at < 0) return;
  const start = at + NODE_MODULES.length;
  const pkg = packageOfRequest(path.slice(start));
  if (pkg === undefined) return;
  const basedir = path.slice(0, start + pkg.length);
  const inside = path.slice(basedir.length + 1);
  let name: string | undefined;
  if (isTarget(`${pkg}/${inside}`)) name = `${pkg}/${inside}`;
  else if (isTarget(pkg) && isMainFile(pkg, basedir, filename)) name = pkg;
  if (name !== undefined) onImported(exports, name, basedir);
}

/** Whether `filename` is what `require(pkg)` loads from next to the package (its main file). */
function isMainFile(pkg: string, basedir: string, filename: string): boolean {
  // From the node_modules folder the package sits in (a scope's folder for `@scope/name`).
  return require.resolve(pkg, { paths: [dirname(basedir)] }) === filename;
}
