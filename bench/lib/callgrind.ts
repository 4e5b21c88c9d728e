import { BundleMap, describeJs, GC, ownerOf, type JsOwner } from './perf-profile';
import { lastAtOrBelow } from './stats';

/**
 * Reads what valgrind's callgrind counted: instructions executed (`Ir`) per function, itself
 * (not its callees). JIT-compiled JavaScript has no symbols; callgrind names it by address, and
 * `node --perf-basic-prof`'s map (/tmp/perf-<pid>.map) names those addresses.
 */

export interface SelfCosts {
  /** Every instruction counted (callgrind's `summary:`). */
  total: number;
  /** Instructions per function, callees excluded. */
  byFunction: Map<string, number>;
  /**
   * The events after `Ir` when callgrind simulated the caches and branches (`--cache-sim=yes
   * --branch-sim=yes`: `I1mr`, `D1mr`, `Bcm`...), each function's own counts in the same order;
   * empty without them.
   */
  otherEvents: string[];
  otherByFunction: Map<string, number[]>;
}

const COST_LINE = /^[0-9+\-*]/;
const NAMED = /^c?fn=\((\d+)\)(?: (.*))?$/;

/**
 * The callgrind output format (valgrind's "Callgrind Format Specification"): `fn=(id) name`
 * starts a function's cost lines, `(id)` alone refers to a name given before (in `fn=` or
 * `cfn=`); a cost line is a position and the event counts; the cost line right after `calls=` is
 * the inclusive cost of that call, already counted in the callee's own lines.
 */
export function parseCallgrind(text: string): SelfCosts {
  const names = new Map<string, string>();
  const byFunction = new Map<string, number>();
  const otherByFunction = new Map<string, number[]>();
  let otherEvents: string[] = [];
  let fn = '(unknown)';
  let callCost = false;
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('events:')) {
      const events = line.slice('events:'.length).trim().split(/\s+/);
      if (events[0] !== 'Ir') throw new Error(`callgrind counted ${events[0]} first, not instructions (Ir)`);
      otherEvents = events.slice(1);
    } else if (line.startsWith('fn=') || line.startsWith('cfn=')) {
      const m = NAMED.exec(line);
      if (m === null) continue;
      if (m[2] !== undefined) names.set(m[1]!, m[2]);
      if (line.startsWith('fn=')) fn = names.get(m[1]!) ?? `(fn ${m[1]})`;
    } else if (line.startsWith('calls=')) {
      callCost = true;
    } else if (COST_LINE.test(line)) {
      if (callCost) {
        callCost = false;
        continue;
      }
      // A line lists its position, then the events in order; trailing zeros are left out.
      const counts = line.split(' ').slice(1).map(Number);
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + (counts[0] ?? 0));
      if (otherEvents.length > 0) addOthers(otherByFunction, fn, counts, otherEvents.length);
    } else if (line.startsWith('summary:')) {
      total = Number(line.slice('summary:'.length).trim().split(/\s+/)[0]);
    }
  }
  if (total === undefined) throw new Error('not a callgrind output file (no summary line)');
  return { total, byFunction, otherEvents, otherByFunction };
}

function addOthers(byFunction: Map<string, number[]>, fn: string, counts: readonly number[], n: number): void {
  let sums = byFunction.get(fn);
  if (sums === undefined) byFunction.set(fn, (sums = new Array<number>(n).fill(0)));
  for (let i = 0; i < n; i++) sums[i]! += counts[i + 1] ?? 0;
}

/**
 * What the simulated caches and branch predictor missed (`--cache-sim=yes --branch-sim=yes`),
 * the compilers' left out as their instructions are: instruction-cache misses (first level),
 * data-cache misses (first level, reads and writes), last-level misses (instructions and data),
 * mispredicted branches (conditional and indirect). Undefined when the dump has no such events.
 */
export interface Misses {
  i1: number;
  d1: number;
  ll: number;
  branches: number;
}

const MISS_EVENTS: Record<keyof Misses, readonly string[]> = {
  i1: ['I1mr'],
  d1: ['D1mr', 'D1mw'],
  ll: ['ILmr', 'DLmr', 'DLmw'],
  branches: ['Bcm', 'Bim'],
};

export function missesOf(costs: SelfCosts): Misses | undefined {
  // Each kind's columns in the dump's event order, found once.
  const columns = Object.entries(MISS_EVENTS).map(([key, names]) => [key as keyof Misses, names.map((name) => costs.otherEvents.indexOf(name))] as const);
  if (columns.some(([, indexes]) => indexes.includes(-1))) return undefined;
  const misses: Misses = { i1: 0, d1: 0, ll: 0, branches: 0 };
  for (const [fn, counts] of costs.otherByFunction) {
    if (COMPILERS.test(fn)) continue;
    for (const [key, indexes] of columns) for (const i of indexes) misses[key] += counts[i]!;
  }
  return misses;
}

/** `node --perf-basic-prof`'s map: `start size name` per line, hexadecimal. */
export class PerfMap {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly names: string[] = [];

  constructor(text: string) {
    const entries: Array<[number, number, string]> = [];
    for (const line of text.split('\n')) {
      const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
      if (m !== null) entries.push([parseInt(m[1]!, 16), parseInt(m[2]!, 16), m[3]!]);
    }
    // Code moved or collected leaves stale entries; a later entry at the same address wins.
    entries.sort((a, b) => a[0] - b[0]);
    for (const [start, size, name] of entries) {
      if (this.starts.length > 0 && this.starts[this.starts.length - 1] === start) {
        this.ends[this.ends.length - 1] = start + size;
        this.names[this.names.length - 1] = name;
        continue;
      }
      this.starts.push(start);
      this.ends.push(start + size);
      this.names.push(name);
    }
  }

  nameAt(address: number): string | undefined {
    const found = lastAtOrBelow(this.starts, address);
    return found >= 0 && address < this.ends[found]! ? this.names[found] : undefined;
  }
}

export type Kind =
  | Exclude<JsOwner, 'node and app'>
  | 'JavaScript: node and app'
  | 'V8 builtins, runtime, Node C++, libc'
  | 'garbage collection'
  | 'V8 optimizing compilers';

export const KINDS: readonly Kind[] = [
  'otelite: instrumentations',
  'otelite: SDK and context',
  'otelite: export (encode, send)',
  'async context hooks (AsyncLocalStorage)',
  'JavaScript: node and app',
  'V8 builtins, runtime, Node C++, libc',
  'garbage collection',
  'V8 optimizing compilers',
];

/**
 * V8's compiler pipelines (and the parser they start from): the JIT's warm-up, which goes on
 * long after the first requests and would otherwise blur what a request costs once compiled.
 */
const COMPILERS =
  /v8::internal::(compiler|maglev|baseline|interpreter)::|v8::internal::(Compiler|Parser|Scanner|Zone|Deoptimizer)\b|OptimizingCompileDispatcher/;

export interface Attributed {
  /** Instructions per kind. */
  kinds: Map<Kind, number>;
  /** Instructions per JavaScript function of otelite (`name (module)`). */
  otelite: Map<string, number>;
}

/**
 * V8 marks a JIT function's tier before its name (`JS:*name`): a function of the agent's still
 * running below TurboFan (`~` interpreted, `^` baseline, `+` Maglev) once warmed up is worth
 * knowing, its count is not what it costs optimized.
 */
function tierNote(perfName: string): string {
  const marker = perfName.charAt(3);
  return marker === '~' ? ' [interpreted]' : marker === '^' ? ' [baseline]' : marker === '+' ? ' [Maglev]' : '';
}

/** Each function's own instructions by kind; JIT code named through `map` (a bundle frame by its module). */
export function attribute(costs: SelfCosts, map: PerfMap, bundle: BundleMap): Attributed {
  const kinds = new Map<Kind, number>(KINDS.map((k) => [k, 0]));
  const otelite = new Map<string, number>();
  const add = (kind: Kind, n: number): void => {
    kinds.set(kind, kinds.get(kind)! + n);
  };
  for (const [fn, n] of costs.byFunction) {
    const jit = /^0x([0-9a-f]+)$/.exec(fn);
    const name = jit === null ? fn : (map.nameAt(parseInt(jit[1]!, 16)) ?? fn);
    if (!name.startsWith('JS:')) {
      add(COMPILERS.test(name) ? 'V8 optimizing compilers' : GC.test(name) ? 'garbage collection' : 'V8 builtins, runtime, Node C++, libc', n);
      continue;
    }
    const frame = describeJs(name, bundle);
    const owner = ownerOf(frame.where);
    const kind: Kind = owner === 'node and app' ? 'JavaScript: node and app' : owner;
    add(kind, n);
    if (kind.startsWith('otelite')) {
      const key = `${frame.name} (${frame.where})${tierNote(name)}`;
      otelite.set(key, (otelite.get(key) ?? 0) + n);
    }
  }
  return { kinds, otelite };
}
