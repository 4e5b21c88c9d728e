import { diag } from '@opentelemetry/api';
import { setExiting } from './exiting';

/**
 * How long the agent may hold the process at exit to flush queued spans (at most; the agent uses
 * the batch export timeout when it is shorter).
 */
export const SHUTDOWN_DEADLINE_MS = 5_000;

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface Flushable {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  /** What would be lost if the process ended now, for the line said when the deadline passes. */
  unexported?(): string | undefined;
  /**
   * The flush at `beforeExit`, when it differs from `forceFlush`: the export it starts is itself
   * work that empties the event loop again, so a flush that always exports something (metrics)
   * must not run at every `beforeExit`, or the process would never end.
   */
  flushWhenIdle?(): Promise<void>;
}

/** When an exit flush last ran out of time (0: never). */
let lastTimeout = 0;

/** An exit flush ran out of time less than `ms` ago: the collector is not answering, and that was said. */
function timedOutWithin(ms: number): boolean {
  return lastTimeout !== 0 && Date.now() - lastTimeout < ms;
}

/**
 * Runs `work` for at most `ms`; a ref'ed timer keeps the event loop alive meanwhile. A flush that
 * ran out of time less than `ms` ago means the collector is not answering: the exit is not held
 * a second time (a signal's flush, then the app's graceful end at beforeExit, would otherwise
 * wait for the same hung export twice); the flush is still started, unheld.
 */
function withDeadline(target: Flushable, ms: number, idle = false): Promise<void> {
  // Exiting: retry back-offs end now, and a refused connection is not retried (src/exiting.ts).
  setExiting(true);
  const work = idle && target.flushWhenIdle !== undefined ? target.flushWhenIdle() : target.forceFlush();
  if (timedOutWithin(ms)) {
    work.catch(() => undefined);
    setExiting(false);
    return Promise.resolve();
  }
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      lastTimeout = Date.now();
      const lost = target.unexported?.();
      diag.warn(`exit flush stopped after ${ms} ms without an answer${lost === undefined ? '' : `: ${lost} not exported`}`);
      resolve();
    }, ms);
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        diag.error('flush failed', error);
        resolve();
      },
    );
  }).finally(() => setExiting(false));
}

/**
 * Flushes at exit without changing how the app exits.
 * - `beforeExit`: the event loop is empty; a ref'ed deadline timer keeps it alive just long
 *   enough to export what is queued (the agent's own sockets are unref'ed).
 * - SIGTERM/SIGINT: if the app has its own handler, the agent only flushes and the app decides
 *   what happens. If not, the agent flushes, then re-raises the signal with its listener removed,
 *   so the process ends exactly as Node would have ended it (same signal, same status).
 *   A second signal during the flush re-raises at once.
 * - `process.exit()`: 'exit' listeners cannot wait for I/O, so the agent never delays the exit;
 *   what was still queued or in flight is lost (README), and said in one line with its count
 *   (see `sayWhatExitLoses`). The same holds for a crash (an uncaught exception or unhandled
 *   rejection with no handler): Node ends the process synchronously, and the agent does not
 *   block it with synchronous network I/O.
 * - One hold at most: after a flush ran out of time, the next exit flush within the deadline
 *   does not hold the process again (see `withDeadline`), so the exit is delayed by at most the
 *   deadline in all, not once per hook.
 */
export function installExitHooks(target: Flushable, deadlineMs = SHUTDOWN_DEADLINE_MS): () => void {
  let flushingAtExit = false;
  const onBeforeExit = (): void => {
    if (flushingAtExit) return;
    flushingAtExit = true;
    void withDeadline(target, deadlineMs, true).then(() => {
      // A later beforeExit (after the app scheduled more work) flushes again.
      setImmediate(() => (flushingAtExit = false)).unref();
    });
  };
  process.on('beforeExit', onBeforeExit);
  const onExit = (): void => sayWhatExitLoses(target, deadlineMs);
  process.on('exit', onExit);

  const signalHandlers = new Map<NodeJS.Signals, () => void>();
  for (const signal of SIGNALS) {
    let flushing = false;
    const handler = (): void => {
      const appHandlesIt = process.listenerCount(signal) > 1;
      if (flushing) {
        if (!appHandlesIt) reraise(signal, handler);
        return;
      }
      flushing = true;
      void withDeadline(target, deadlineMs).then(() => {
        flushing = false;
        if (!appHandlesIt && process.listenerCount(signal) === 1) reraise(signal, handler);
      });
    };
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }

  return () => {
    process.removeListener('beforeExit', onBeforeExit);
    process.removeListener('exit', onExit);
    for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
  };
}

/**
 * At 'exit' (after `process.exit()`, a crash, or a natural end whose flush is done) only
 * synchronous code runs: what is still queued or in flight is lost, and the app is told how much,
 * once. Nothing is said when everything left (the usual natural end), or when an exit flush
 * that ran out of time just said what it could not export.
 */
function sayWhatExitLoses(target: Flushable, deadlineMs: number): void {
  if (timedOutWithin(deadlineMs)) return;
  const lost = target.unexported?.();
  if (lost === undefined) return;
  diag.warn(
    `the process ended before the export (process.exit() or a crash, when Node waits for nothing): ${lost} not exported; ` +
      'an app that ends this way can lower OTEL_BSP_SCHEDULE_DELAY (spans) and OTEL_BLRP_SCHEDULE_DELAY (log records)',
  );
}

function reraise(signal: NodeJS.Signals, handler: () => void): void {
  process.removeListener(signal, handler);
  process.kill(process.pid, signal);
}
