/**
 * A small harness for the micro-benchmarks: each case has an otelite function and the official
 * SDK's equivalent; rounds alternate between the two (after a warm-up) so that drift and
 * background load hit both alike, and the median of the rounds is reported.
 */

export interface Case {
  name: string;
  /** What one "op" is, e.g. 'span' or 'extract'. */
  unit: string;
  /** Operations done by one call (e.g. spans per encoded batch). */
  opsPerCall?: number;
  otelite: () => unknown;
  official: () => unknown;
  note?: string;
}

export interface CaseResult {
  name: string;
  unit: string;
  oteliteNs: number;
  officialNs: number;
  /** official / otelite: how many times cheaper otelite is. */
  speedup: number;
  oteliteRounds: number[];
  officialRounds: number[];
  note?: string;
}

export interface HarnessOptions {
  quick: boolean;
}

let blackhole: unknown;

function timeCalls(fn: () => unknown, calls: number): number {
  let last: unknown;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) last = fn();
  const ns = Number(process.hrtime.bigint() - t0);
  blackhole = last;
  return ns;
}

/** Calls `fn` in growing batches for at least `ms`. */
function warm(fn: () => unknown, ms: number): void {
  const until = Date.now() + ms;
  let calls = 16;
  while (Date.now() < until) {
    timeCalls(fn, calls);
    if (calls < 1 << 16) calls *= 2;
  }
}

/** Calls per round so that a round lasts about `targetMs`. */
function calibrate(fn: () => unknown, targetMs: number): number {
  let calls = 1;
  for (;;) {
    const ns = timeCalls(fn, calls);
    if (ns > 5e6 || calls >= 1 << 24) return Math.max(1, Math.round((calls * targetMs * 1e6) / ns));
    calls *= 4;
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function runCase(c: Case, options: HarnessOptions): CaseResult {
  const targetMs = options.quick ? 20 : 80;
  const rounds = options.quick ? 5 : 15;
  const ops = c.opsPerCall ?? 1;
  // Warm-up: both sides reach their optimized code (and a steady GC rhythm) before anything counts.
  warm(c.otelite, options.quick ? 250 : 600);
  warm(c.official, options.quick ? 250 : 600);
  const nA = calibrate(c.otelite, targetMs);
  const nB = calibrate(c.official, targetMs);
  for (let w = 0; w < 2; w++) {
    timeCalls(c.otelite, nA);
    timeCalls(c.official, nB);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      a.push(timeCalls(c.otelite, nA) / (nA * ops));
      b.push(timeCalls(c.official, nB) / (nB * ops));
    } else {
      b.push(timeCalls(c.official, nB) / (nB * ops));
      a.push(timeCalls(c.otelite, nA) / (nA * ops));
    }
  }
  const oteliteNs = median(a);
  const officialNs = median(b);
  return {
    name: c.name,
    unit: c.unit,
    oteliteNs,
    officialNs,
    speedup: officialNs / oteliteNs,
    oteliteRounds: a,
    officialRounds: b,
    note: c.note,
  };
}

/** Runs the cases and prints a table, or (with --json) one JSON line `{ "micro": [...] }`. */
export function runMain(title: string, makeCases: (options: HarnessOptions) => Case[]): CaseResult[] {
  const quick = process.argv.includes('--quick');
  const json = process.argv.includes('--json');
  const options = { quick };
  const results: CaseResult[] = [];
  for (const c of makeCases(options)) {
    const result = runCase(c, options);
    results.push(result);
    if (!json) {
      console.log(
        `${c.name.padEnd(52)} otelite ${result.oteliteNs.toFixed(1).padStart(8)} ns/${c.unit}` +
          `   official ${result.officialNs.toFixed(1).padStart(8)} ns/${c.unit}   ${result.speedup.toFixed(2)}x`,
      );
    }
  }
  if (json) process.stdout.write(`${JSON.stringify({ title, node: process.version, micro: results })}\n`);
  void blackhole;
  return results;
}
