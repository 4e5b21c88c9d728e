import type { Context } from '@opentelemetry/api';
import { callInContext } from '../../src/instrument';
import { isFailure } from './callbacks';
import type { PgOperation, PgSpans, Statement } from './spans';
import type { Submittable } from './types';

/** The operation of the submittable's current run, and the context its callback runs in. */
interface Watch {
  operation: PgOperation | undefined;
  parent: Context;
  /** The callback wrapper installed on the submittable, if any. */
  callback: unknown;
}

const watches = new WeakMap<object, Watch>();

export function isSubmittable(config: unknown): config is Submittable {
  return config !== null && typeof config === 'object' && typeof (config as Submittable).submit === 'function';
}

/** pg's Query keeps text and values itself; pg-query-stream keeps them on its cursor. */
export function submittableStatement(query: Submittable): Statement {
  const source = typeof query.text === 'string' || query.cursor === null || typeof query.cursor !== 'object' ? query : query.cursor;
  const values = source.values;
  return { text: typeof source.text === 'string' ? source.text : undefined, hasValues: Array.isArray(values) && values.length > 0 };
}

/**
 * A submittable (pg's `Query`, pg-cursor, pg-query-stream) ends when the client calls its
 * `handleReadyForQuery` (it is done: every row read, or the cursor closed) or `handleError`, or
 * when its callback is called, whichever comes first. Those are the Submittable contract pg
 * drives every such object through, so they are wrapped on the object itself (once per object;
 * a resubmitted object reuses them). Its events ('end', 'error', stream events) are left alone:
 * a listener of ours on 'error' would change what an unheard error does.
 */
export function watchSubmittable(query: Submittable, operation: PgOperation, parent: Context, spans: PgSpans): void {
  let watch = watches.get(query);
  if (watch === undefined) {
    watch = { operation, parent, callback: undefined };
    watches.set(query, watch);
    wrapHandlers(query, watch, spans);
  } else {
    settle(watch, spans, undefined, false);
    watch.operation = operation;
    watch.parent = parent;
  }
  // pg has just set the callback from the call's arguments, if there was one.
  const callback = query.callback;
  if (typeof callback === 'function' && callback !== watch.callback) {
    const current = watch;
    const wrapped = function (this: unknown, error: unknown): unknown {
      settle(current, spans, error, isFailure(error));
      return callInContext(current.parent, callback as (...args: unknown[]) => unknown, this, arguments);
    };
    watch.callback = wrapped;
    query.callback = wrapped;
  }
}

function wrapHandlers(query: Submittable, watch: Watch, spans: PgSpans): void {
  const ready = query.handleReadyForQuery;
  if (typeof ready === 'function') {
    query.handleReadyForQuery = function (this: unknown): unknown {
      // Called first: pg's Query hands a row-parsing failure over to handleError from here.
      const result = Reflect.apply(ready, this, arguments);
      settle(watch, spans, undefined, false);
      return result;
    };
  }
  const handleError = query.handleError;
  if (typeof handleError === 'function') {
    query.handleError = function (this: unknown, error: unknown): unknown {
      settle(watch, spans, error, true);
      return Reflect.apply(handleError, this, arguments);
    };
  }
}

function settle(watch: Watch, spans: PgSpans, error: unknown, failed: boolean): void {
  const operation = watch.operation;
  if (operation === undefined) return;
  watch.operation = undefined;
  spans.finish(operation, error, failed);
}
