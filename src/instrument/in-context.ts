import { context, type Context } from '@opentelemetry/api';
import type { AnyFunction } from './wrap';

/** `context.with(ctx, invoke, undefined, fn, self, args)` calls `fn` with `this` and arguments, no closure. */
export function invoke(fn: AnyFunction, self: unknown, args: ArrayLike<unknown>): unknown {
  return Reflect.apply(fn, self, args);
}

/**
 * Calls `fn` with `self` and `args` in `ctx`: a callback, `next` or `done` runs in the context of
 * the code it belongs to, not in whatever context the event that calls it carries. When `ctx` is
 * already the active context, nothing is entered.
 */
export function callInContext(ctx: Context, fn: AnyFunction, self: unknown, args: ArrayLike<unknown>): unknown {
  if (context.active() === ctx) return Reflect.apply(fn, self, args);
  return context.with(ctx, invoke, undefined, fn, self, args);
}
