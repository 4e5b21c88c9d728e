/**
 * `satisfies(version, range)` for the ranges instrumentations declare (`*`, `>=4 <5`,
 * `>=5.12.0`, `>=1 <2 || >=5 <6`), without loading semver: its ~40 files and the parse of each
 * range cost ~10 ms of start-up in an app that loads three patched libraries. Prereleases are
 * included and ordered the way semver orders them (`5.0.0-rc.1` is below `5.0.0`). Returns
 * undefined for anything else (`^`, `~`, `x`, hyphen ranges, build metadata...): the caller
 * then asks semver.
 */
export function simpleSatisfies(version: string, range: string): boolean | undefined {
  const parsed = parseVersion(version);
  if (parsed === undefined) return undefined;
  let any = false;
  for (const alternative of range.split('||')) {
    const comparators = alternative.trim().split(/\s+/);
    let all = true;
    for (const comparator of comparators) {
      const result = compareWith(parsed, comparator);
      if (result === undefined) return undefined;
      if (!result) all = false;
    }
    if (all) any = true;
  }
  return any;
}

interface Version {
  parts: [number, number, number];
  prerelease: boolean;
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/;
const COMPARATOR = /^(>=|<=|>|<|=)?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/;

function parseVersion(version: string): Version | undefined {
  const m = VERSION.exec(version.trim());
  if (m === null) return undefined;
  return { parts: [Number(m[1]), Number(m[2]), Number(m[3])], prerelease: m[4] !== undefined };
}

/** -1, 0 or 1: `v` against the bound (a prerelease sorts below its release). */
function compare(v: Version, bound: [number, number, number]): number {
  for (let i = 0; i < 3; i++) {
    if (v.parts[i]! !== bound[i]) return v.parts[i]! < bound[i]! ? -1 : 1;
  }
  return v.prerelease ? -1 : 0;
}

function compareWith(v: Version, comparator: string): boolean | undefined {
  if (comparator === '*' || comparator === '') return true;
  const m = COMPARATOR.exec(comparator);
  if (m === null) return undefined;
  const op = m[1] ?? '=';
  // A partial bound (`<5`, `>=4.2`) means its missing parts are zero, except for `=`/`<=`/`>`,
  // where semver reads it as a whole range (`<=5` is `<6.0.0-0`): left to semver.
  const partial = m[3] === undefined || m[4] === undefined;
  if (partial && op !== '>=' && op !== '<') return undefined;
  const bound: [number, number, number] = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)];
  const c = compare(v, bound);
  switch (op) {
    case '>=':
      // `>=5` is `>=5.0.0-0` in semver's reading with prereleases included: 5.0.0-rc.1 is in.
      return c >= 0 || (partial && v.prerelease && samePrefix(v, bound));
    case '<':
      // `<5` is `<5.0.0-0`: 5.0.0-rc.1 is out, as semver has it.
      return partial && v.prerelease && samePrefix(v, bound) ? false : c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    default:
      return c === 0 && !v.prerelease;
  }
}

function samePrefix(v: Version, bound: [number, number, number]): boolean {
  return v.parts[0] === bound[0] && v.parts[1] === bound[1] && v.parts[2] === bound[2];
}
