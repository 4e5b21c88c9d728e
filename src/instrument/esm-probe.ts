/**
 * Loaded only by the feature probe in esm.ts: an ES module imports this CommonJS file while a
 * synchronous load hook answers for it with no source, as import-in-the-middle's does.
 */
export const loaded = true;
