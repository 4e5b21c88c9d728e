/**
 * The semantic conventions of the runtime metrics (semantic-conventions 1.44.0): "Semantic
 * conventions for Node.js runtime metrics", "V8 JS engine runtime metrics" (both Development) and
 * the process metrics (Release Candidate). Only this instrumentation uses them, so they live here
 * rather than in src/semconv.ts.
 */
export const METRIC_EVENTLOOP_DELAY_PREFIX = 'nodejs.eventloop.delay.';
export const METRIC_EVENTLOOP_UTILIZATION = 'nodejs.eventloop.utilization';
export const METRIC_EVENTLOOP_TIME = 'nodejs.eventloop.time';
export const METRIC_GC_DURATION = 'v8js.gc.duration';
export const METRIC_HEAP_USED = 'v8js.memory.heap.used';
/** Was `v8js.memory.heap.limit` until semantic-conventions 1.42.0 (renamed, same value: `space_size`). */
export const METRIC_HEAP_SPACE_SIZE = 'v8js.memory.heap.space.size';
export const METRIC_HEAP_SPACE_AVAILABLE = 'v8js.memory.heap.space.available_size';
export const METRIC_HEAP_SPACE_PHYSICAL = 'v8js.memory.heap.space.physical_size';
export const METRIC_PROCESS_CPU_TIME = 'process.cpu.time';
export const METRIC_PROCESS_MEMORY_USAGE = 'process.memory.usage';

export const ATTR_EVENTLOOP_STATE = 'nodejs.eventloop.state';
export const ATTR_GC_TYPE = 'v8js.gc.type';
export const ATTR_HEAP_SPACE_NAME = 'v8js.heap.space.name';
export const ATTR_CPU_MODE = 'cpu.mode';

/** The `ExplicitBucketBoundaries` advice the V8 JS runtime conventions give `v8js.gc.duration`, in seconds (not the HTTP durations' finer one). */
export const GC_DURATION_BOUNDARIES = [0.01, 0.1, 1, 10];
