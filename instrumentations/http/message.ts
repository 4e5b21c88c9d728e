import { context } from '@opentelemetry/api';
import { invoke, type AnyFunction } from '../../src/instrument';
import type { IncomingMessage } from 'node:http';
import { onResponseEvent } from './client';
import { exchangeOf } from '../shared/server-exchange';
import { eventNeedsContext, nodeEndListener, unheardOtherEvent } from './server';
import type { HttpDeps } from './deps';

/**
 * `IncomingMessage.prototype.emit`. An IncomingMessage is either a server's request (its exchange
 * holds the server span's context: its events, 'data' and 'end' above all, run in that context) or a
 * client's response (its 'end' / 'close' end the client span). Anything else passes straight on.
 */
export function wrapIncomingMessageEmit(original: AnyFunction, deps: HttpDeps): AnyFunction {
  return function emit(this: IncomingMessage, event: string | symbol): unknown {
    if (!deps.state.active || unheardOtherEvent(this, event, 'end')) return Reflect.apply(original, this, arguments);
    const exchange = exchangeOf(this);
    if (exchange !== undefined) {
      // A followed server request: its events run in its span's context, when it has one.
      const ctx = exchange.context;
      if (ctx === undefined || !eventNeedsContext(ctx, this, event, event === 'end' ? nodeEndListener(this) : undefined)) {
        return Reflect.apply(original, this, arguments);
      }
      return context.with(ctx, invoke, undefined, original, this, arguments);
    }
    try {
      onResponseEvent(deps, this, event);
    } catch (error) {
      deps.state.fail(error);
    }
    return Reflect.apply(original, this, arguments);
  };
}
