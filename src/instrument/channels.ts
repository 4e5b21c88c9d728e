import type { AsyncLocalStorage } from 'node:async_hooks';
import * as dc from 'node:diagnostics_channel';
import type { InstrumentationState } from './state';

/**
 * Subscribes to a diagnostics channel with the handler contained: if the agent's handler
 * throws, the instrumentation is switched off (and its handlers unsubscribed), and the
 * publisher, which is the app's library, never sees the error.
 */
export function subscribeGuarded<M>(
  state: InstrumentationState,
  channel: string,
  handler: (message: M, name: string | symbol) => void,
): void {
  const guarded = (message: unknown, name: string | symbol): void => {
    if (!state.active) return;
    try {
      handler(message as M, name);
    } catch (error) {
      state.fail(error);
      dc.unsubscribe(channel, guarded);
    }
  };
  dc.subscribe(channel, guarded);
}

type Store = AsyncLocalStorage<unknown>;

/**
 * True when this Node's `runStores` runs a bound store's `run(value, next)` with the transform's
 * value: then a store object whose `run` is `context.with` gives the library's callback the
 * agent's context (Node 20 to 24). Node 26 enters stores with `store.withScope(value)`, a scope
 * without a callback, which the OpenTelemetry API cannot open.
 */
export function storeContractHolds(): boolean {
  try {
    const probe = dc.channel('otelite.store-contract-probe');
    const marker = {};
    let seen: unknown;
    const store = {
      run<R>(value: unknown, next: () => R): R {
        seen = value;
        return next();
      },
    };
    probe.bindStore(store as unknown as Store, () => marker);
    try {
      const result = (probe as unknown as { runStores(data: object, fn: () => number): number }).runStores({}, () => 42);
      return result === 42 && seen === marker;
    } finally {
      probe.unbindStore(store as unknown as Store);
    }
  } catch {
    return false;
  }
}
