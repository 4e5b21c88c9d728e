/** The values of `v8js.gc.type`. */
export type GcType = 'major' | 'minor' | 'incremental' | 'weakcb';

/**
 * A `gc` performance entry's `detail.kind` (V8's GCType, one flag per entry) to `v8js.gc.type`.
 * Node names four of them in `perf_hooks.constants`; Node 26 adds `NODE_PERFORMANCE_GC_MINOR_MARK_SWEEP`
 * (V8's young-generation mark-sweep, 2), a minor collection like a scavenge. Written as numbers:
 * they are V8's, the same on every line, and a line whose `constants` lacks one still reports it.
 * Anything else is undefined (and not recorded): V8 defines no other kind.
 */
export function gcTypeOf(kind: unknown): GcType | undefined {
  switch (kind) {
    case 1: // NODE_PERFORMANCE_GC_MINOR (Scavenge)
    case 2: // NODE_PERFORMANCE_GC_MINOR_MARK_SWEEP
      return 'minor';
    case 4: // NODE_PERFORMANCE_GC_MAJOR (Mark-Sweep-Compact)
      return 'major';
    case 8: // NODE_PERFORMANCE_GC_INCREMENTAL (incremental marking)
      return 'incremental';
    case 16: // NODE_PERFORMANCE_GC_WEAKCB (processing of weak callbacks)
      return 'weakcb';
    default:
      return undefined;
  }
}
