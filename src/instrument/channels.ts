import { subscribe, unsubscribe } from 'node:diagnostics_channel';
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
      unsubscribe(channel, guarded);
    }
  };
  subscribe(channel, guarded);
}
