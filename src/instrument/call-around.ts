import type { InstrumentationState } from './state';
import type { AnyFunction } from './wrap';

/**
 * The shape of most patches: the agent's `start` runs before the original and `settle` after it,
 * each contained (a failure switches the instrumentation off), while the original runs outside
 * any try: its `this`, arguments, return value and thrown error pass through untouched.
 * `settle` runs only when `start` returned something.
 */
export function callAround<T>(
  state: InstrumentationState,
  original: AnyFunction,
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

/**
 * The shape of a patch that only watches a call: the agent's `observe` first, contained (a
 * failure switches the instrumentation off), then the original, untouched.
 */
export function observeThenCall(state: InstrumentationState, observe: () => void, original: AnyFunction, self: unknown, args: unknown[]): unknown {
  try {
    observe();
  } catch (error) {
    state.fail(error);
  }
  return original.apply(self, args);
}

/**
 * Calls `done` once `value` settles (at once for a value that is not a thenable), containing
 * failures of the agent's own `done`: it runs outside any wrapper's try/catch. A rejection with
 * a falsy reason still reports an error.
 */
export function whenSettled(
  state: InstrumentationState,
  value: unknown,
  done: (error: unknown, result: unknown) => void,
): void {
  const call = (error: unknown, result: unknown): void => {
    try {
      done(error, result);
    } catch (failure) {
      state.fail(failure);
    }
  };
  if (!isThenable(value)) {
    call(undefined, value);
    return;
  }
  value.then(
    (result) => call(undefined, result),
    (error: unknown) => call(error ?? new Error(String(error)), undefined),
  );
}

/**
 * An object or function with a `then` method (Promises/A+'s "thenable"): what the patched
 * libraries return for a pending result.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function';
}
