import { context, trace, type Context, type Span } from '@opentelemetry/api';
import { wrapMethod } from '../../src/instrument';
import { endingPoolCallback } from './callbacks';
import type { PoolMetrics } from './pool-metrics';
import { callTrackingPromise } from './promise';
import { spanOperation, type PgSpans } from './spans';
import type { NodeCallback, PgPool } from './types';

type Method = (this: PgPool, ...args: unknown[]) => unknown;

/**
 * Patches `Pool.prototype.connect` (pg-pool): a `connect` span for the time it takes to get a
 * client, an idle one or a new connection (whose own `connect` span is its child). The
 * callback runs in the caller's context, however long it waited: pg-pool may hand the client
 * over from another request's `release()`. `pool.query()` goes through `pool.connect()` and
 * then `client.query()`, so it makes this span and one query span, both children of the caller.
 * With metrics, the first `connect()` of a pool registers it with `poolMetrics`.
 */
export function patchPool(Pool: unknown, spans: PgSpans, poolMetrics: PoolMetrics | undefined): void {
  const prototype = (Pool as { prototype?: Record<string, Method> } | null)?.prototype;
  if (prototype === undefined || prototype === null) return;
  wrapMethod(prototype, 'connect', (original) => wrapPoolConnect(original, spans, poolMetrics));
}

function wrapPoolConnect(original: Method, spans: PgSpans, poolMetrics: PoolMetrics | undefined): Method {
  const state = spans.state;
  return function connect(this: PgPool, callback?: unknown): unknown {
    if (!state.active) return Reflect.apply(original, this, arguments);
    let span: Span | undefined;
    let parent: Context | undefined;
    let spanContext: Context | undefined;
    try {
      poolMetrics?.track(this);
      parent = context.active();
      if (spans.traces(parent)) {
        span = spans.startPoolConnect(this, parent);
        spanContext = trace.setSpan(parent, span);
      }
    } catch (error) {
      state.fail(error);
    }
    if (span === undefined || parent === undefined) return Reflect.apply(original, this, arguments);
    const opened = spanOperation(span);
    const previous = spans.poolConnectContext;
    spans.poolConnectContext = spanContext;
    try {
      if (typeof callback === 'function') {
        return original.call(this, endingPoolCallback(callback as NodeCallback, opened, parent, spans));
      }
      const args = arguments;
      return callTrackingPromise(
        this,
        'Promise',
        () => Reflect.apply(original, this, args),
        (error, client, failed) => spans.finishPoolConnect(opened, error, failed, client),
      );
    } catch (error) {
      spans.finish(opened, error, true);
      throw error;
    } finally {
      spans.poolConnectContext = previous;
    }
  };
}
