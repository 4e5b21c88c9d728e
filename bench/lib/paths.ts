import { createRequire } from 'node:module';
import * as path from 'node:path';

/** The repository root, from build/bench/lib. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const BENCH_DIR = path.join(REPO_ROOT, 'bench');
/** Where runs write their reports: ignored by git; curated figures go to bench/results/ by hand. */
export const BENCH_OUT_DIR = path.join(REPO_ROOT, '.cache', 'bench');
export const BUILD_BENCH_DIR = path.join(REPO_ROOT, 'build', 'bench');
export const OTELITE_REGISTER = path.join(REPO_ROOT, 'build', 'src', 'register.js');
export const CONTEXT_FLOOR = path.join(BENCH_DIR, 'floor', 'context-only.cjs');

/**
 * `require` from bench/ (its own node_modules: the comparison agents, the official SDK, the
 * servers' libraries). Typed loosely on purpose: `npm run build` compiles bench/ too, and must
 * not need bench/node_modules to be installed.
 */
export const benchRequire = createRequire(path.join(BENCH_DIR, 'package.json'));

/** A path relative to the repository root, for printing commands. */
export function rel(p: string): string {
  const r = path.relative(REPO_ROOT, p);
  return r.startsWith('..') ? p : r;
}
