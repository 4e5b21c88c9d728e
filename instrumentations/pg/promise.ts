import { isThenable } from '../../src/instrument';
import type { PromiseConstructorLike } from './types';

/** Called once when the tracked promise settles, before anything awaiting it runs. */
export type Settle = (error: unknown, value: unknown, failed: boolean) => void;

/**
 * Calls `call` (which builds its promise with `owner[key]`, as pg's `client.query()`,
 * `client.connect()` and pg-pool's `pool.connect()` do with `client._Promise` / `pool.Promise`)
 * and learns when that promise settles WITHOUT touching the promise the app gets back.
 *
 * Why not `result.then(…)`: a handler attached to the app's promise marks it handled, so a
 * rejection the app ignores would no longer be reported (and would no longer crash a Node that
 * treats unhandled rejections as fatal); returning a chained promise instead adds ticks and
 * hands the app a promise pg never made. So for the duration of the (synchronous) call,
 * `owner[key]` is a constructor that builds the same kind of promise with the same executor,
 * only with `resolve` / `reject` first telling `settle`. The app gets the very promise pg
 * built, settling at the same moment with the same value or error.
 *
 * If the owner has no such constructor (a future pg), or it cannot be swapped, or no promise
 * was built that way, the result is chained as the fallback: the chained promise rejects exactly
 * when the original does, so the app's handling (or not) of it is what counts, as before.
 */
export function callTrackingPromise(owner: object, key: string, call: () => unknown, settle: Settle): unknown {
  const slots = owner as Record<string, unknown>;
  const Real = slots[key];
  if (typeof Real !== 'function') return chain(call(), settle);
  const Tracked = trackerOf(Real as PromiseConstructorLike);
  try {
    slots[key] = Tracked;
  } catch {
    return chain(call(), settle);
  }
  if (slots[key] !== Tracked) return chain(call(), settle);
  const outer = pending;
  pending = settle;
  let result: unknown;
  let tracked: boolean;
  try {
    result = call();
  } finally {
    slots[key] = Real;
    tracked = pending === undefined;
    pending = outer;
  }
  return tracked ? result : chain(result, settle);
}

/** The `settle` of the call in progress, until its promise is built (calls are synchronous). */
let pending: Settle | undefined;
/** One tracking constructor per promise constructor, made once: a per-call one costs far more. */
const trackers = new WeakMap<object, PromiseConstructorLike>();

function trackerOf(Real: PromiseConstructorLike): PromiseConstructorLike {
  let Tracked = trackers.get(Real);
  if (Tracked !== undefined) return Tracked;
  const tracker = function Tracked(executor: (resolve: (value: unknown) => void, reject: (reason: unknown) => void) => void): PromiseLike<unknown> {
    const settle = pending;
    if (settle === undefined) return new Real(executor);
    pending = undefined;
    return new Real((resolve, reject) =>
      executor(
        (value) => {
          settle(undefined, value, false);
          resolve(value);
        },
        (reason) => {
          settle(reason, undefined, true);
          reject(reason);
        },
      ),
    );
  };
  // Statics (`Promise.reject(…)`, which pg-pool uses) reach the real constructor, and, called
  // on the tracker, build their promise through it too.
  Object.setPrototypeOf(tracker, Real);
  tracker.prototype = Real.prototype;
  Tracked = tracker as unknown as PromiseConstructorLike;
  trackers.set(Real, Tracked);
  return Tracked;
}

/** The fallback: a promise that settles like `result`, after telling `settle`. */
function chain(result: unknown, settle: Settle): unknown {
  if (!isThenable(result)) return result;
  return result.then(
    (value) => {
      settle(undefined, value, false);
      return value;
    },
    (reason: unknown) => {
      settle(reason, undefined, true);
      throw reason;
    },
  );
}
