/**
 * `load()` (a require of one of the files `npm run bundle` writes), or undefined when that file
 * was not built: a plain `tsc` build has no bundles. Any other failure while loading it throws.
 */
export function requireIfBuilt<T>(file: string, load: () => T): T | undefined {
  try {
    return load();
  } catch (error) {
    // The module not found must be that file itself, not one it requires (the message's require
    // stack would name the file then too).
    const notFound = /Cannot find module '([^']+)'/.exec(String((error as Error)?.message));
    const missing = (error as NodeJS.ErrnoException)?.code === 'MODULE_NOT_FOUND' && notFound !== null && notFound[1]!.includes(file);
    if (!missing) throw error;
    return undefined;
  }
}
