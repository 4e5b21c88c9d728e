import { existsSync, readFileSync } from 'node:fs';
import { lastAtOrBelow } from './stats';

/**
 * Turns `perf script` output (cpu-clock samples with call chains, JIT frames named by
 * `node --perf-basic-prof`) into CPU time per request, per kind of work. A sample is charged to
 * the innermost JavaScript frame's owner (the native code under it, a builtin or a syscall, is
 * that frame's cost), with three exceptions: anything under the exporter is export; garbage
 * collection and kernel time below the first JavaScript frame are their own kinds.
 */

/** Whose code a JavaScript frame is. */
export type JsOwner =
  | 'node and app'
  | 'otelite: instrumentations'
  | 'otelite: SDK and context'
  | 'otelite: export (encode, send)'
  | 'async context hooks (AsyncLocalStorage)';

export type Bucket =
  | JsOwner
  | 'garbage collection'
  | 'kernel (syscalls, TCP, wake-ups)'
  | 'event loop wait'
  | 'other native';

export const BUCKETS: readonly Bucket[] = [
  'node and app',
  'otelite: instrumentations',
  'otelite: SDK and context',
  'otelite: export (encode, send)',
  'async context hooks (AsyncLocalStorage)',
  'garbage collection',
  'kernel (syscalls, TCP, wake-ups)',
  'event loop wait',
  'other native',
];

export interface Profile {
  samples: number;
  /** Microseconds of CPU per request, per bucket. */
  buckets: Map<Bucket, number>;
  /** Microseconds per request per innermost JavaScript function (`name module`), otelite's only. */
  otelite: Map<string, number>;
  /** The same for the 'node and app' bucket: Node's own and the app's functions. */
  host: Map<string, number>;
}

interface Frame {
  js: boolean;
  kernel: boolean;
  text: string;
}

/**
 * esbuild writes the module's path (`// src/sdk/span.ts`, `// node_modules/semver/index.js`)
 * above each module it bundles: the bundle's line ranges name the module a JIT frame of the
 * bundle comes from.
 */
export class BundleMap {
  private readonly starts: number[] = [];
  private readonly modules: string[] = [];

  constructor(bundleFile: string | undefined) {
    if (bundleFile === undefined || !existsSync(bundleFile)) return;
    const lines = readFileSync(bundleFile, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const m = /^\/\/ ((?:build|node_modules|src|instrumentations)\/\S+\.(?:[cm]?js|ts))$/.exec(lines[i]!.trim());
      if (m !== null) {
        this.starts.push(i + 1);
        this.modules.push(m[1]!);
      }
    }
  }

  moduleAt(line: number): string | undefined {
    return this.modules[lastAtOrBelow(this.starts, line)];
  }
}

function parseFrame(line: string): Frame {
  const text = line.trim().replace(/^[0-9a-f]+ /, '').replace(/\+0x[0-9a-f]+/, '');
  return { js: text.startsWith('JS:'), kernel: text.includes('[kernel.kallsyms]'), text };
}

/** `name file:line`: the function name and where it lives (a bundle frame named by its module). */
export function describeJs(text: string, bundle: BundleMap): { name: string; where: string } {
  const body = text.replace(/^JS:[*~^+']?/, '').replace(/ \(.*\)$/, '');
  const m = /^(.*?)\s*(\S+):(\d+):(\d+)$/.exec(body);
  if (m === null) return { name: body, where: '' };
  let where = m[2]!;
  if (where.endsWith('agent-bundle.js')) where = bundle.moduleAt(Number(m[3])) ?? where;
  // An absolute path is shortened to where it starts in the repository (`build/...`, `node_modules/...`).
  if (where.startsWith('/')) where = where.replace(/^.*?\/(build|node_modules)\//, '$1/');
  return { name: m[1] || '(anonymous)', where };
}

const EXPORT = /export\/otlp\/|batch-processor|_http_client|_http_agent/;
export const GC = /Scavenge|MarkCompact|Heap::|Sweeper|ConcurrentMarking|GCTracer|MemoryAllocator|MinorMarkSweep/;

/** The agent's own code: its sources as named in the bundle, or tsc's output under build/. */
const OWN_INSTRUMENTATIONS = /^(build\/)?instrumentations\//;
const OWN_SOURCES = /^(build\/)?src\//;

export function ownerOf(where: string): JsOwner {
  if (/^node:(internal\/)?async_hooks/.test(where)) return 'async context hooks (AsyncLocalStorage)';
  if (OWN_INSTRUMENTATIONS.test(where)) return 'otelite: instrumentations';
  if (EXPORT.test(where) && OWN_SOURCES.test(where)) return 'otelite: export (encode, send)';
  if (OWN_SOURCES.test(where) || /@opentelemetry\/api/.test(where)) return 'otelite: SDK and context';
  return 'node and app';
}

export function analyze(script: string, requests: number, sampleMicros: number, bundle: BundleMap): Profile {
  const buckets = new Map<Bucket, number>(BUCKETS.map((b) => [b, 0]));
  const otelite = new Map<string, number>();
  const host = new Map<string, number>();
  const perRequest = sampleMicros / requests;
  let samples = 0;
  for (const block of script.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l.trim().length > 0);
    if (lines.length < 2) continue;
    samples++;
    const frames = lines.slice(1).map(parseFrame);
    const firstJs = frames.findIndex((f) => f.js);
    const native = firstJs < 0 ? frames : frames.slice(0, firstJs);
    const jsFrames = frames.filter((f) => f.js).map((f) => describeJs(f.text, bundle));
    let bucket: Bucket;
    if (jsFrames.some((f) => EXPORT.test(f.where))) bucket = 'otelite: export (encode, send)';
    else if (native.some((f) => GC.test(f.text))) bucket = 'garbage collection';
    else if (native.some((f) => /epoll_wait|epoll_pwait|uv__io_poll/.test(f.text))) bucket = 'event loop wait';
    else if (native.some((f) => f.kernel)) bucket = 'kernel (syscalls, TCP, wake-ups)';
    else if (jsFrames.length === 0) bucket = 'other native';
    else bucket = ownerOf(jsFrames[0]!.where);
    buckets.set(bucket, buckets.get(bucket)! + perRequest);
    const byFunction = bucket.startsWith('otelite') ? otelite : bucket === 'node and app' ? host : undefined;
    if (jsFrames.length > 0 && byFunction !== undefined) {
      const key = `${jsFrames[0]!.name} (${jsFrames[0]!.where})`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + perRequest);
    }
  }
  return { samples, buckets, otelite, host };
}
