/**
 * V8's own account of each young-generation collection, read from `node --trace-gc-nvp`: Node 20
 * to 24 print one `key=value` line per collection (`gc=s` for a scavenge), Node 26 prints
 * `GC: {json}` with the same keys. What survives a scavenge is what makes V8 grow the young
 * generation (it grows once the bytes surviving since the last growth pass its capacity) and
 * what is promoted fills the old one: the two figures behind peak RSS under load, and, unlike
 * RSS or CPU time, nearly the same from one run to the next on a noisy machine.
 */
export interface Scavenge {
  /** Bytes copied within the young generation (alive at this scavenge for the first time). */
  survived: number;
  /** Bytes moved to the old generation (alive at two scavenges in a row). */
  promoted: number;
  /** Bytes allocated since the previous collection; undefined where this Node does not print it. */
  allocated: number | undefined;
}

/** What a scavenge kept alive. */
type Survival = Pick<Scavenge, 'survived' | 'promoted'>;

const NVP_SCAVENGE = /(?:^|\s)gc=s(?:\s|$)/;

function numberField(fields: Record<string, unknown>, key: string): number | undefined {
  const value = Number(fields[key]);
  return Number.isFinite(value) ? value : undefined;
}

function fieldsOf(line: string): Record<string, unknown> | undefined {
  const json = line.indexOf('GC: {');
  if (json >= 0) {
    try {
      return JSON.parse(line.slice(json + 4)) as Record<string, unknown>;
    } catch {
      return undefined; // a line cut by the pipe: not counted
    }
  }
  if (!NVP_SCAVENGE.test(line)) return undefined;
  const fields: Record<string, string> = {};
  for (const pair of line.trim().split(/\s+/)) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return fields;
}

/** The scavenge a trace line reports, or undefined for any other line (other collections included). */
export function parseScavenge(line: string): Scavenge | undefined {
  const fields = fieldsOf(line);
  if (fields === undefined || fields.gc !== 's') return undefined;
  const survived = numberField(fields, 'new_space_survived');
  const promoted = numberField(fields, 'promoted');
  return survived === undefined || promoted === undefined ? undefined : { survived, promoted, allocated: numberField(fields, 'allocated') };
}

/**
 * The mean of the later half of a run's scavenges: the first ones follow start-up and warm-up
 * (loading an agent promotes hundreds of KB per scavenge), which a mean over the whole run
 * would mix in with the steady state under load.
 */
export function steadyState(scavenges: readonly Survival[]): Survival & { counted: number } {
  const later = scavenges.slice(Math.floor(scavenges.length / 2));
  const mean = (pick: (s: Survival) => number): number => (later.length === 0 ? 0 : later.reduce((sum, s) => sum + pick(s), 0) / later.length);
  return { survived: mean((s) => s.survived), promoted: mean((s) => s.promoted), counted: later.length };
}

/**
 * Bytes allocated while the scavenges were taken, from each one's `allocated` (what the heap grew
 * by since the previous collection); undefined when any of them lacks it. A mark-compact in the
 * window is not a scavenge, so what was allocated before it is left out: rare under load.
 */
export function allocatedBytes(scavenges: readonly Scavenge[]): number | undefined {
  let total = 0;
  for (const s of scavenges) {
    if (s.allocated === undefined) return undefined;
    total += s.allocated;
  }
  return total;
}
