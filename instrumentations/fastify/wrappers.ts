import { context } from '@opentelemetry/api';
import { callInContext, disguise, invoke, isThenable, isWrapped, type AnyFunction } from '../../src/instrument';
import { startCall, type FastifyDeps, type HookCall } from './hook-call';
import type { HookInfo } from './hook-info';
import type { FastifyRequest } from './types';

/**
 * Wrappers of the app's hooks and handlers. A wrapper looks like the function it wraps (name,
 * arity, and an async function still looks async: fastify checks all three), so fastify treats
 * it exactly as it would the app's own.
 *
 * A hook's span lasts until the hook is done: it calls `done` (the last argument fastify passes)
 * or its promise settles, whichever comes first; an error either way is recorded on it. A
 * handler's span lasts until it returns, or until its promise settles (as with @fastify/otel and
 * fastify 5's own handler channel). A synchronous throw is recorded and rethrown to fastify.
 */

export function wrapHook(original: AnyFunction, info: HookInfo, deps: FastifyDeps): AnyFunction {
  if (isWrapped(original)) return original;
  return disguise(original, function hook(this: unknown): unknown {
    if (!deps.state.active) return Reflect.apply(original, this, arguments);
    const call = startCall(deps, info, arguments[0] as FastifyRequest);
    if (call === undefined) return Reflect.apply(original, this, arguments);
    const last = arguments.length - 1;
    if (last > 0 && typeof arguments[last] === 'function') arguments[last] = doneFor(call, arguments[last] as AnyFunction);
    return run(call, original, this, arguments);
  });
}

export function wrapHandler(original: AnyFunction, info: HookInfo, deps: FastifyDeps): AnyFunction {
  if (isWrapped(original)) return original;
  return disguise(original, function handler(this: unknown): unknown {
    if (!deps.state.active) return Reflect.apply(original, this, arguments);
    const call = startCall(deps, info, arguments[0] as FastifyRequest);
    if (call === undefined) return Reflect.apply(original, this, arguments);
    const result = run(call, original, this, arguments);
    if (!isThenable(result)) call.finish(undefined);
    return result;
  });
}

/**
 * Calls the app's function in its span's context; a promise it returns settles the span. A
 * synchronous throw ends the span with the error and leaves as it came (the same object), for
 * fastify to catch.
 */
function run(call: HookCall, original: AnyFunction, self: unknown, args: IArguments): unknown {
  let result: unknown;
  try {
    result = context.with(call.context, invoke, undefined, original, self, args);
  } catch (error) {
    call.finish(error ?? new Error(String(error)));
    throw error;
  }
  if (isThenable(result)) settleWith(call, result);
  return result;
}

/**
 * The `done` the hook gets: ends the span, then goes on in the context the hook started in, so
 * the rest of the request is not a child of a hook that has finished.
 */
function doneFor(call: HookCall, done: AnyFunction): AnyFunction {
  return function hookDone(this: unknown, error?: unknown): unknown {
    call.finish(error);
    return callInContext(call.parent, done, this, arguments);
  };
}

function settleWith(call: HookCall, promise: PromiseLike<unknown>): void {
  try {
    promise.then(
      () => call.finish(undefined),
      // fastify itself turns a falsy rejection into an error; the span records that it failed.
      (error: unknown) => call.finish(error ?? new Error(String(error))),
    );
  } catch {
    // A thenable whose `then` throws: fastify calls it too and handles that; the span just ends.
    call.finish(undefined);
  }
}
