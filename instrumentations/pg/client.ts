import { context, type Context } from '@opentelemetry/api';
import { wrapMethod } from '../../src/instrument';
import { endingCallback } from './callbacks';
import { callTrackingPromise } from './promise';
import { spanOperation, type PgOperation, type PgSpans, type Statement } from './spans';
import { isSubmittable, submittableStatement, watchSubmittable } from './submittable';
import type { NodeCallback, PgClient, QueryConfig } from './types';

type Method = (this: PgClient, ...args: unknown[]) => unknown;

/**
 * Our callbacks that pg 8.11 and older stored on the app's config object (its
 * normalizeQueryConfig assigns `config.callback`), mapped to the app's own: a reused config
 * object must not wrap our wrapper.
 */
const configCallbacks = new WeakMap<object, NodeCallback>();

/** Patches `Client.prototype.query` and `Client.prototype.connect` (pg/lib/client.js). */
export function patchClient(Client: unknown, spans: PgSpans): void {
  const prototype = (Client as { prototype?: Record<string, Method> } | null)?.prototype;
  if (prototype === undefined || prototype === null) return;
  wrapMethod(prototype, 'query', (original) => wrapQuery(original, spans));
  wrapMethod(prototype, 'connect', (original) => wrapConnect(original, spans));
}

function statementOf(config: unknown, values: unknown): Statement {
  if (typeof config === 'string') return { text: config, hasValues: Array.isArray(values) && values.length > 0 };
  const query = (config ?? {}) as QueryConfig;
  const bound = Array.isArray(values) ? values : query.values;
  return { text: typeof query.text === 'string' ? query.text : undefined, hasValues: Array.isArray(bound) && bound.length > 0 };
}

/**
 * `client.query` in every form: `(text | config[, values][, callback])`, `config.callback`, a
 * submittable, and the promise pg returns when there is no callback. One operation per call: a
 * span, child of the caller's context, and a measurement when the agent exports metrics (also
 * when no span is made or it is sampled out); what pg returns and hands to the callback is untouched.
 */
function wrapQuery(original: Method, spans: PgSpans): Method {
  const state = spans.state;
  return function query(this: PgClient, config: unknown, values?: unknown, callback?: unknown): unknown {
    if (!state.active) return Reflect.apply(original, this, arguments);
    let operation: PgOperation | undefined;
    let parent: Context | undefined;
    let submittable = false;
    try {
      parent = context.active();
      const traced = spans.traces(parent);
      if (traced || spans.measures(parent)) {
        submittable = isSubmittable(config);
        operation = spans.startQuery(this, submittable ? submittableStatement(config as never) : statementOf(config, values), parent, traced);
      }
    } catch (error) {
      state.fail(error);
    }
    if (operation === undefined || parent === undefined) return Reflect.apply(original, this, arguments);

    if (submittable) {
      const result = callEndingOnThrow(original, this, arguments, operation, spans);
      try {
        watchSubmittable(config as never, operation, parent, spans);
      } catch (error) {
        state.fail(error);
        operation.span?.end();
      }
      return result;
    }

    let appCallback: NodeCallback | undefined;
    let position = 0;
    try {
      if (typeof callback === 'function') {
        appCallback = callback as NodeCallback;
        position = 2;
      } else if (typeof values === 'function') {
        appCallback = values as NodeCallback;
        position = 1;
      } else if (config !== null && typeof config === 'object' && typeof (config as QueryConfig).callback === 'function') {
        const own = (config as QueryConfig).callback as NodeCallback;
        appCallback = configCallbacks.get(own) ?? own;
        position = 3;
      }
    } catch (error) {
      state.fail(error);
    }

    if (appCallback === undefined) return callWithTrackedPromise(original, this, arguments, operation, spans);
    const wrapped = endingCallback(appCallback, operation, parent, spans);
    if (position === 3) configCallbacks.set(wrapped, appCallback);
    // The same shape of call, with our callback where the app's was.
    const args = position === 1 ? [config, wrapped] : [config, values, wrapped];
    return callEndingOnThrow(original, this, args, operation, spans);
  };
}

/**
 * The promise form of a call: pg's own promise is returned, and `operation` ends when it settles
 * (learned by swapping `client._Promise` for the duration of the call, promise.ts).
 */
function callWithTrackedPromise(original: Method, self: PgClient, args: IArguments, operation: PgOperation, spans: PgSpans): unknown {
  return callEndingOnThrow(
    callTrackingPromise,
    undefined,
    [self, '_Promise', () => Reflect.apply(original, self, args), (error: unknown, _value: unknown, failed: boolean) => spans.finish(operation, error, failed)],
    operation,
    spans,
  );
}

/** `client.connect([callback])`: a span from the call to the connection being ready (or failing). */
function wrapConnect(original: Method, spans: PgSpans): Method {
  const state = spans.state;
  return function connect(this: PgClient, callback?: unknown): unknown {
    if (!state.active) return Reflect.apply(original, this, arguments);
    let operation: PgOperation | undefined;
    let parent: Context | undefined;
    try {
      parent = context.active();
      // Inside pool.connect(), a new connection is a child of the pool's span.
      const spanParent = spans.poolConnectContext ?? parent;
      if (spans.traces(spanParent)) operation = spanOperation(spans.startClientConnect(this, spanParent));
    } catch (error) {
      state.fail(error);
    }
    if (operation === undefined || parent === undefined) return Reflect.apply(original, this, arguments);
    if (typeof callback === 'function') {
      return callEndingOnThrow(original, this, [endingCallback(callback as NodeCallback, operation, parent, spans)], operation, spans);
    }
    return callWithTrackedPromise(original, this, arguments, operation, spans);
  };
}

/**
 * Calls pg. If it throws (a null query, a callback that is not a function), the operation
 * records the error and ends, and the very same error goes on to the app.
 */
function callEndingOnThrow(fn: (...args: never[]) => unknown, thisArg: unknown, args: ArrayLike<unknown>, operation: PgOperation, spans: PgSpans): unknown {
  try {
    return Reflect.apply(fn, thisArg, args);
  } catch (error) {
    spans.finish(operation, error, true);
    throw error;
  }
}
