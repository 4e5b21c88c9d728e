import { existsSync } from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';

/**
 * Preloaded (`--require`) in every run of a suite whose tests import the library's TypeScript
 * sources (ioredis: `../../lib/Redis`): a file that resolves to `<from>/X.ts` loads the compiled
 * `<to>/X.js` instead, which is what users install and what the agent's hooks recognise
 * (`built/Redis.js`). Runs with and without the agent alike, so both test the same code. Set by
 * the runner's `--compiled FROM=TO` through this variable (absolute folders, JSON).
 */
export const COMPILED_ENV = 'OTELITE_PEERS_COMPILED';

interface ResolvingModule {
  _resolveFilename(request: string, parent: unknown, ...rest: unknown[]): string;
}

function install(from: string, to: string): void {
  const resolving = Module as unknown as ResolvingModule;
  const resolve = resolving._resolveFilename;
  const fromDir = from + path.sep;
  resolving._resolveFilename = function resolveCompiled(this: unknown, request, parent, ...rest) {
    const file = resolve.call(this, request, parent, ...rest);
    if (!file.startsWith(fromDir) || !file.endsWith('.ts') || file.endsWith('.d.ts')) return file;
    const compiled = path.join(to, file.slice(fromDir.length, -'.ts'.length) + '.js');
    return existsSync(compiled) ? compiled : file;
  };
}

const setting = process.env[COMPILED_ENV];
if (setting !== undefined) {
  const [from, to] = JSON.parse(setting) as [string, string];
  install(from, to);
}
