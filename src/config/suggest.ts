/**
 * "Did you mean …?" for a value that is not one of a known set: the one rule used by every
 * enumerated variable's warning, by the CLI's options and by the instrumentation names.
 */

/**
 * Optimal-string-alignment distance (Damerau-Levenshtein where no substring is edited twice):
 * insertions, deletions, substitutions and swaps of two adjacent characters each cost 1, so
 * `grcp` is one edit from `grpc`, as `consle` is from `console`.
 */
export function editDistance(a: string, b: string): number {
  // Three rolling rows: the one before the previous is needed for a swap.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      current.push(d);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length];
}

/**
 * How many edits still look like a typo of `candidate`: one for short words (`b3` is not a typo
 * of `b3multi`, nor `none` of `otlp`), about a third of the length for longer ones, three at most.
 */
function tolerance(candidate: string): number {
  return Math.min(3, Math.max(1, Math.floor(candidate.length / 3)));
}

/**
 * The known value closest to `value` (case-insensitive), or undefined when none is close enough
 * to be a typo of it. Ties go to the earlier candidate.
 */
export function closest(value: string, candidates: readonly string[]): string | undefined {
  const typed = value.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    // A length difference beyond the tolerance is already too many edits (and keeps a huge
    // value from costing anything).
    if (Math.abs(typed.length - candidate.length) > tolerance(candidate)) continue;
    const distance = editDistance(typed, candidate.toLowerCase());
    if (distance === 0) return undefined; // it is known: nothing to suggest
    if (distance <= tolerance(candidate) && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` (did you mean X?)` to append to a message, or '' when nothing known is close to `value`. */
export function didYouMean(value: string, candidates: readonly string[]): string {
  const suggestion = closest(value, candidates);
  return suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
}
