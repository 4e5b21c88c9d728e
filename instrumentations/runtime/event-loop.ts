import { createHistogram, performance, type EventLoopUtilization } from 'node:perf_hooks';

/**
 * How often the delay is sampled. A block longer than the period shows in full whatever the
 * period (the timer comes back that much late); the period is the floor of every sample and how
 * often an idle process wakes up: at 20 ms the sampler costs an idle process about 10 ms of CPU
 * per second (5 ms at 50 ms, with a floor of 50 ms).
 */
export const DELAY_RESOLUTION_MS = 20;

/** One interval's event-loop delays, in seconds. */
export interface DelayReading {
  min: number;
  max: number;
  mean: number;
  stddev: number;
  p50: number;
  p90: number;
  p99: number;
}

const NS_PER_S = 1e9;
const NS_PER_MS = 1e6;

/**
 * The event-loop delay: an unref'ed timer every DELAY_RESOLUTION_MS records how long it took to
 * come back (the period included) into a `perf_hooks.createHistogram()`, read and reset at each
 * collection so that each reading covers the interval since the previous one.
 *
 * Not `monitorEventLoopDelay`, on any line. Its timer's `reset()` also forgets when it last
 * fired, so the time up to its next sample is never recorded: a block that starts right after
 * a collection was missing from every reading (10 times out of 10 on Node 20). Its
 * `samplePerIteration` mode (Node 26.5, backported to 24) does not see a block inside an I/O
 * callback, where a server's request handlers run (24.21 and 26.10: a 200 ms block in a
 * socket's `data` handler left no sample above 100 ms). This timer keeps its last time across
 * resets and sees a block wherever it happens.
 */
export class EventLoopDelay {
  private readonly histogram = createHistogram();
  private readonly timer: NodeJS.Timeout;

  constructor(fail: (error: unknown) => void) {
    let last = performance.now();
    this.timer = setInterval(() => {
      try {
        const now = performance.now();
        this.histogram.record(Math.max(1, Math.round((now - last) * NS_PER_MS)));
        last = now;
      } catch (error) {
        fail(error);
      }
    }, DELAY_RESOLUTION_MS);
    this.timer.unref();
  }

  /** The delays since the previous call; undefined when no sample was taken in between. */
  take(): DelayReading | undefined {
    const h = this.histogram;
    if (h.count === 0) return undefined;
    const reading = {
      min: h.min / NS_PER_S,
      max: h.max / NS_PER_S,
      mean: h.mean / NS_PER_S,
      stddev: h.stddev / NS_PER_S,
      p50: h.percentile(50) / NS_PER_S,
      p90: h.percentile(90) / NS_PER_S,
      p99: h.percentile(99) / NS_PER_S,
    };
    h.reset();
    return reading;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The event loop's time: cumulative active and idle seconds, and the utilization since the previous call. */
export interface LoopTimeReading {
  activeSeconds: number;
  idleSeconds: number;
  /** Undefined when no time passed since the previous call. */
  utilization: number | undefined;
}

/** `performance.eventLoopUtilization`, the utilization taken between two collections. */
export class EventLoopTime {
  private last: EventLoopUtilization = performance.eventLoopUtilization();

  take(): LoopTimeReading {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, this.last);
    this.last = now;
    return { activeSeconds: now.active / 1000, idleSeconds: now.idle / 1000, utilization: Number.isFinite(utilization) ? utilization : undefined };
  }
}
