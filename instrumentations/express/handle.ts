import { context } from '@opentelemetry/api';
import { wrapMethod, type AnyFunction } from '../../src/instrument';
import type { TaggedLayer } from './layer-info';
import type { ExpressTracing } from './tracing';
import type { ExpressResponse } from './types';

/**
 * Request-time patches of a layer: `handle_request` / `handle_error` (express 4) and
 * `handleRequest` / `handleError` (router 2, express 5). Express calls them for every layer it
 * runs, with the `next` that leads on; the layer gets a `next` of ours instead (tracing.ts).
 *
 * Errors need no try/catch here: express itself catches a synchronous throw of the app's
 * function, and router 2 a rejected promise, and both pass the error to `next`, which is ours.
 * A layer whose function has the wrong arity for the call (an error handler in the normal flow,
 * a normal middleware with a pending error) is skipped by express at once, and gets no span.
 */
export interface LayerPrototype {
  [key: string]: unknown;
}

export function patchLayer(proto: LayerPrototype | undefined, requestKey: string, errorKey: string, tracing: ExpressTracing): void {
  if (proto === undefined || proto === null) return;
  wrapMethod(proto, requestKey, (original) => wrapHandleRequest(original, tracing));
  wrapMethod(proto, errorKey, (original) => wrapHandleError(original, tracing));
}

function wrapHandleRequest(original: AnyFunction, tracing: ExpressTracing): AnyFunction {
  return function handleRequest(this: TaggedLayer, req: object, res: ExpressResponse, next: AnyFunction): unknown {
    if (!tracing.state.active || typeof this?.handle !== 'function' || this.handle.length > 3) return Reflect.apply(original, this, arguments);
    const call = tracing.enter(this, req, res, next);
    if (call === undefined) return Reflect.apply(original, this, arguments);
    if (call.span === undefined || call.context === undefined) return original.call(this, req, res, call.next);
    return context.with(call.context, invoke3, undefined, original, this, req, res, call.next);
  };
}

function wrapHandleError(original: AnyFunction, tracing: ExpressTracing): AnyFunction {
  return function handleError(this: TaggedLayer, error: unknown, req: object, res: ExpressResponse, next: AnyFunction): unknown {
    if (!tracing.state.active || typeof this?.handle !== 'function' || this.handle.length !== 4) return Reflect.apply(original, this, arguments);
    const call = tracing.enter(this, req, res, next);
    if (call === undefined) return Reflect.apply(original, this, arguments);
    if (call.span === undefined || call.context === undefined) return original.call(this, error, req, res, call.next);
    return context.with(call.context, invoke4, undefined, original, this, error, req, res, call.next);
  };
}

function invoke3(fn: AnyFunction, self: unknown, a: unknown, b: unknown, c: unknown): unknown {
  return fn.call(self, a, b, c);
}

function invoke4(fn: AnyFunction, self: unknown, a: unknown, b: unknown, c: unknown, d: unknown): unknown {
  return fn.call(self, a, b, c, d);
}
