import type { Context } from '@opentelemetry/api';
import { callInContext } from '../../src/instrument';
import type { PgOperation, PgSpans } from './spans';
import type { NodeCallback } from './types';

/** Node-style callbacks report failure as a first argument other than null / undefined. */
export function isFailure(error: unknown): boolean {
  return error !== null && error !== undefined;
}

/**
 * The callback pg calls instead of the app's: it ends the operation (span, measurement) first (the operation is over
 * when pg reports it), then calls the app's callback with the same `this` and arguments, in the
 * context the app made the call in, and returns what it returns.
 */
export function endingCallback(callback: NodeCallback, operation: PgOperation, parent: Context, spans: PgSpans): NodeCallback {
  let open = true;
  return function (this: unknown, error: unknown) {
    if (open) {
      open = false;
      spans.finish(operation, error, isFailure(error));
    }
    return callInContext(parent, callback, this, arguments);
  };
}

/** pool.connect()'s callback `(error, client, release)`: the client tells the span where it connected. */
export function endingPoolCallback(callback: NodeCallback, operation: PgOperation, parent: Context, spans: PgSpans): NodeCallback {
  let open = true;
  return function (this: unknown, error: unknown, client: unknown) {
    if (open) {
      open = false;
      spans.finishPoolConnect(operation, error, isFailure(error), client);
    }
    return callInContext(parent, callback, this, arguments);
  };
}
