import { noteFailure, type HookCall } from './hook-call';

/**
 * Synchronous throws. A hook or handler that throws is caught by fastify itself, which then
 * sends the error (`reply.send(err)`) and so runs the `onError` hooks. The wrapper does not catch
 * the app's error (try/finally only: the error leaves untouched); it parks the call here instead,
 * and the agent's own `onError` hook, the first of every route (instance.ts), claims it with the
 * error object a moment later, in the same synchronous run. A throw whose error never reaches
 * `onError` (an `onResponse` hook's, say) is settled on the next tick, as an error of unknown type.
 */
let pending: HookCall | undefined;

export function parkThrown(call: HookCall): void {
  if (pending !== undefined) pending.finishUnknown();
  pending = call;
  noteFailure(call.request);
  process.nextTick(settleUnclaimed, call);
}

/** From the agent's `onError` hook: the error fastify is handling for `request`. */
export function claimThrown(request: object, error: unknown): void {
  const call = pending;
  if (call === undefined || call.request !== request) return;
  pending = undefined;
  call.finish(error);
}

function settleUnclaimed(call: HookCall): void {
  if (pending !== call) return;
  pending = undefined;
  call.finishUnknown();
}
