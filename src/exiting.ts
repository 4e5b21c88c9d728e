/**
 * Whether the process is on its way out (an exit flush is running). At exit, waiting is what
 * costs: the exporter stops retrying a refused connection, and retry back-offs end at once.
 */
let exiting = false;
const sleepers = new Set<() => void>();
const flushEndListeners: Array<() => void> = [];

export function isExiting(): boolean {
  return exiting;
}

/** Set by the exit hooks when an exit flush starts, cleared when the app goes on (beforeExit). */
export function setExiting(value: boolean): void {
  exiting = value;
  if (!value) {
    for (const listener of flushEndListeners.splice(0)) listener();
    return;
  }
  for (const wake of sleepers) wake();
  sleepers.clear();
}

/** Calls `listener` once, when the running exit flush ends (what it gathered is said then). */
export function whenExitFlushEnds(listener: () => void): void {
  flushEndListeners.push(listener);
}

/** Waits `ms` (without keeping the process alive), or less when the process starts exiting. */
export function sleepUnlessExiting(ms: number): Promise<void> {
  if (exiting) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const wake = (): void => {
      clearTimeout(timer);
      sleepers.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    timer.unref();
    sleepers.add(wake);
  });
}
