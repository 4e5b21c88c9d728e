import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';
import * as zlib from 'node:zlib';

/**
 * Loading the agent bundle is most of the agent's start-up, and most of that is V8 compiling
 * it: the whole file when it is read, then each function the first time it runs. V8 can save
 * that work (a code cache) and reuse it in the next process; Node 20 does so only for its own
 * built-in modules, and Node 22's `module.enableCompileCache()` would switch it on for every
 * module of the app, which is not the agent's to decide. So the bundle is compiled here, with
 * a cache kept in the package's own directory (`.cache/code/`), trusted as the code beside it.
 *
 * The cache is written once, after the agent has started (so that it holds the functions that
 * start-up ran), when there was none or V8 rejected it (another V8, other flags). V8 checks its
 * version and flags but, of the source, only the length (a cache of another source of the same
 * length runs that other code: tested), so the file name carries the bundle's length and CRC-32
 * (`zlib.crc32`, Node >= 20.15; below that there is no cache) and V8's version: a rebuilt or
 * reinstalled bundle never meets an old cache. Every failure (a read-only directory, a full
 * disk, a race with another process, which the write-then-rename makes harmless) leaves the
 * agent as it would be without a cache.
 */
export interface CodeCachedModule<T> {
  readonly exports: T;
  /** Whether V8 took its compiled code from the cache. */
  readonly fromCache: boolean;
  /** Writes the cache if it was missing or rejected; never throws. */
  save(): void;
}

/** The package's own cache directory: `.cache/code/` beside `build/`. */
export const PACKAGE_CODE_CACHE_DIR = join(__dirname, '..', '..', '.cache', 'code');

/** A cache file's name: `<bundle>@<build>@<runtime>.bin`. */
interface CacheName {
  bundle: string;
  /** The bundle's content: length and CRC-32. */
  build: string;
  file: string;
}

type Crc32 = (data: Buffer) => number;
/** `zlib.crc32` (Node >= 20.15, 22.2), read through a cast: @types/node 20 does not declare it. */
const crc32 = (zlib as unknown as { crc32?: Crc32 }).crc32;

/** The cache file of the bundle `filename` with this content, in `cacheDir`; undefined when this Node cannot key one. */
export function cacheNameOf(filename: string, content: Buffer, cacheDir: string): CacheName | undefined {
  if (typeof crc32 !== 'function') return undefined;
  const bundle = basename(filename, '.js');
  const build = `${content.length}-${crc32(content).toString(16)}`;
  return { bundle, build, file: join(cacheDir, `${bundle}@${build}@v8-${process.versions.v8}-${process.arch}.bin`) };
}

/**
 * `require(filename)` compiled with the code cache from `cacheDir`, or undefined when the file
 * does not exist (the bundle was not built). A failure while running the module throws, as
 * `require` would.
 */
export function requireWithCodeCache<T>(filename: string, cacheDir: string): CodeCachedModule<T> | undefined {
  let content: Buffer;
  try {
    content = readFileSync(filename);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const cache = cacheNameOf(filename, content, cacheDir);
  const cachedData = cache === undefined ? undefined : readIfPresent(cache.file);
  // Module.wrap keeps every line where it is in the file (the wrapper shares the first line), so
  // stack traces read as with `require`.
  const script = new Script(Module.wrap(content.toString('utf8')), { filename, cachedData });
  const module = new Module(filename);
  module.filename = filename;
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  const requireFromFile = Module.createRequire(filename);
  // In require.cache while it runs and after, as `require` would leave it (and out if it throws).
  requireFromFile.cache[filename] = module;
  try {
    wrapper.call(module.exports, module.exports, requireFromFile, module, filename, dirname(filename));
  } catch (error) {
    delete requireFromFile.cache[filename];
    throw error;
  }
  module.loaded = true;
  const fromCache = cachedData !== undefined && !script.cachedDataRejected;
  return {
    exports: module.exports as T,
    fromCache,
    save() {
      if (!fromCache && cache !== undefined) writeCache(script, cache);
    },
  };
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function writeCache(script: Script, cache: CacheName): void {
  const dir = dirname(cache.file);
  const temporary = `${cache.file}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cache.file);
    removeStale(dir, cache);
  } catch {
    // Start-up just stays as slow as without a cache; a partly written file is not left behind.
    try {
      unlinkSync(temporary);
    } catch {
      // It was never created.
    }
  }
}

/** Caches of earlier builds of the same bundle; those of this build for another V8 stay. */
function removeStale(dir: string, cache: CacheName): void {
  for (const name of readdirSync(dir)) {
    const [bundle, build] = name.split('@');
    if (bundle !== cache.bundle || build === cache.build || !name.endsWith('.bin')) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // Another process removed it first.
    }
  }
}
