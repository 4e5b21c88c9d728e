import type { InstrumentationState } from './state';

/**
 * The shape of most patches: the agent's `start` runs before the original and `settle` after it,
 * each contained (a failure switches the instrumentation off), while the original runs outside
 * any try: its `this`, arguments, return value and thrown error pass through untouched.
 * `settle` runs only when `start` returned something.
 */
export function callAround<T>(
  state: InstrumentationState,
  original: (...args: any[]) => unknown,
  self: unknown,
  args: unknown[],
  start: () => T | undefined,
  settle: (result: unknown, started: T) => void,
): unknown {
  let started: T | undefined;
  try {
    started = start();
  } catch (error) {
    state.fail(error);
  }
  const result = original.apply(self, args);
  if (started !== undefined) {
    try {
      settle(result, started);
    } catch (error) {
      state.fail(error);
    }
  }
  return result;
}
