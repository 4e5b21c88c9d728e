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
  let fn = '(unknown)';
  let callCost = false;
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('fn=') || line.startsWith('cfn=')) {
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
      const space = line.indexOf(' ');
      const cost = space < 0 ? 0 : Number(line.slice(space + 1).split(' ')[0]);
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + cost);
    } else if (line.startsWith('summary:')) {
      total = Number(line.slice('summary:'.length).trim());
    }
  }
  if (total === undefined) throw new Error('not a callgrind output file (no summary line)');
  return { total, byFunction };
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
