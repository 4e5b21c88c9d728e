import type { AnyFunction } from '../../src/instrument';
import type { IncomingMessage } from 'node:http';
import { onResponseEvent } from './client';
import { exchangeOf } from '../shared/server-exchange';
import { emitInContext, nodeEndListener } from './server';
import type { HttpDeps } from './deps';

/**
 * `IncomingMessage.prototype.emit`. An IncomingMessage is either a server's request (its exchange
 * holds the server span's context: its events, 'data' and 'end' above all, run in that context) or a
 * client's response (its 'end' / 'close' end the client span). Anything else passes straight on.
 */
export function wrapIncomingMessageEmit(original: AnyFunction, deps: HttpDeps): AnyFunction {
  return function emit(this: IncomingMessage, event: string | symbol): unknown {
    if (!deps.state.active) return Reflect.apply(original, this, arguments);
    const exchange = exchangeOf(this);
    if (exchange !== undefined) {
      // A followed server request: its events run in its span's context, when it has one.
      const ctx = exchange.context;
      if (ctx === undefined) return Reflect.apply(original, this, arguments);
      return emitInContext(ctx, original, this, event, arguments, event === 'end' ? nodeEndListener(this) : undefined);
    }
    try {
      onResponseEvent(deps, this, event);
    } catch (error) {
      deps.state.fail(error);
    }
    return Reflect.apply(original, this, arguments);
  };
}
