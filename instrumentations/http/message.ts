import type { AnyFunction } from '../../src/instrument';
import type { IncomingMessage } from 'node:http';
import { onResponseEvent } from './client';
import { emitInContext } from './server';
import { CONTEXT, type HttpDeps, type Tagged } from './deps';

/**
 * `IncomingMessage.prototype.emit`. An IncomingMessage is either a server's request (tagged with
 * the server span's context: its events, 'data' and 'end' above all, run in that context) or a
 * client's response (its 'end' / 'close' end the client span). Anything else passes straight on.
 */
export function wrapIncomingMessageEmit(original: AnyFunction, deps: HttpDeps): AnyFunction {
  return function emit(this: IncomingMessage & Tagged, event: string | symbol): unknown {
    if (!deps.state.active) return Reflect.apply(original, this, arguments);
    const ctx = this[CONTEXT];
    if (ctx !== undefined) return emitInContext(ctx, original, this, event, arguments);
    try {
      onResponseEvent(deps, this, event);
    } catch (error) {
      deps.state.fail(error);
    }
    return Reflect.apply(original, this, arguments);
  };
}
