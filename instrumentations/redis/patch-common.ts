import { callAround, isThenable, observeThenCall, wrapMethod, type AnyFunction, type InstrumentationState } from '../../src/instrument';
import { firstErrorIn, type BatchMode } from '../shared/redis-semantics';
import type { RedisOperation } from '../shared/redis-spans';
import type { NodeRedisSpans } from './spans';
import type { NodeRedisClient } from './types';

/**
 * Wrappers shared by the patches of @redis/client 1.x and 5.0-5.11 (the versions without
 * TracingChannels). Each wrapper checks `state.active` first, keeps the agent's own work inside
 * try/catch, and returns exactly what the original returned (same promise, same rejection).
 */

export interface ClientPrototype {
  connect?: AnyFunction;
  emit?: AnyFunction;
  sendCommand?: AnyFunction;
}

/** Events of a client that mark reconnection attempts. */
const CONNECTION_EVENTS = new Set<string | symbol>(['reconnecting', 'ready', 'error', 'end']);

/** Runs the original, ending `operation` with a synchronous throw (then rethrown unchanged). */
export function callTraced(
  state: InstrumentationState,
  spans: NodeRedisSpans,
  operation: RedisOperation | undefined,
  original: AnyFunction,
  self: unknown,
  args: unknown[],
  onResult?: (result: unknown) => unknown,
): unknown {
  let result: unknown;
  try {
    result = original.apply(self, args);
  } catch (error) {
    if (operation !== undefined) {
      try {
        spans.spans.end(operation, error);
      } catch (failure) {
        state.fail(failure);
      }
    }
    throw error;
  }
  if (operation !== undefined) {
    try {
      spans.settle(result, operation, onResult);
    } catch (failure) {
      state.fail(failure);
    }
  }
  return result;
}

/** `client.sendCommand(args, options)`: the command is `args[0]`. */
export function wrapSendCommand(proto: ClientPrototype, state: InstrumentationState, spans: NodeRedisSpans): void {
  wrapMethod(proto, 'sendCommand', (original) =>
    function sendCommand(this: NodeRedisClient, ...args: unknown[]): unknown {
      if (!state.active) return original.apply(this, args);
      let operation: RedisOperation | undefined;
      let select = false;
      const redisArgs = args[0];
      const options = args[1] as { isolated?: unknown } | undefined;
      try {
        select = Array.isArray(redisArgs) && (redisArgs[0] === 'SELECT' || redisArgs[0] === 'select');
        // `isolated: false` is set only by the client itself, re-sending an isolated command
        // on a pool connection: the outer call already has its span.
        if (Array.isArray(redisArgs) && options?.isolated !== false) operation = spans.command(redisArgs[0], redisArgs, spans.endpointOf(this));
      } catch (error) {
        state.fail(error);
      }
      const result = callTraced(state, spans, operation, original, this, args);
      if (select) trackSelect(state, spans, this, result, (redisArgs as unknown[])[1]);
      return result;
    },
  );
}

/** A MULTI or pipeline executor: `(commands, selectedDB, …)`; `modeOf` tells which it is. */
export function batchWrapper(
  state: InstrumentationState,
  spans: NodeRedisSpans,
  modeOf: (args: unknown[]) => BatchMode,
  execRepliesOf: (result: unknown) => unknown,
): (original: AnyFunction) => AnyFunction {
  return (original) =>
    function executeBatch(this: NodeRedisClient, ...args: unknown[]): unknown {
      if (!state.active) return original.apply(this, args);
      let operation: RedisOperation | undefined;
      let mode: BatchMode = 'PIPELINE';
      try {
        mode = modeOf(args);
        const commands = args[0];
        operation = spans.batch(mode, Array.isArray(commands) ? commands.length : 0, spans.endpointOf(this));
      } catch (error) {
        state.fail(error);
      }
      // Error replies inside EXEC do not reject the transaction; they still make it an error.
      const result = callTraced(state, spans, operation, original, this, args, mode === 'MULTI' ? (r) => firstErrorIn(execRepliesOf(r)) : undefined);
      if (args[1] !== undefined) trackSelect(state, spans, this, result, args[1]);
      return result;
    };
}

/** After a successful SELECT (alone or inside MULTI), spans report the new index. */
export function trackSelect(state: InstrumentationState, spans: NodeRedisSpans, client: NodeRedisClient, result: unknown, database: unknown): void {
  if (!isThenable(result)) return;
  result.then(
    () => {
      try {
        spans.selected(client, database);
      } catch (error) {
        state.fail(error);
      }
    },
    () => undefined,
  );
}

/** `connect()`: one span for the first connection, retries included. */
export function wrapConnect(proto: ClientPrototype, state: InstrumentationState, spans: NodeRedisSpans): void {
  wrapMethod(proto, 'connect', (original) =>
    function connect(this: NodeRedisClient, ...args: unknown[]): unknown {
      if (!state.active || this.isOpen === true) return original.apply(this, args);
      return callAround(state, original, this, args, () => spans.connectStarted(this), (result, span) =>
        spans.connectSettles(this, result, span),
      );
    },
  );
}

/**
 * The client's own `emit` (inherited from EventEmitter) observed, never changed: it re-emits its
 * socket's `reconnecting`, `ready`, `error` and `end`, which mark reconnection attempts. No
 * listener is added to the app's client (an `error` listener would change how errors surface).
 */
export function wrapEmit(proto: ClientPrototype, state: InstrumentationState, spans: NodeRedisSpans): void {
  wrapMethod(proto, 'emit', (original) =>
    function emit(this: NodeRedisClient, ...args: unknown[]): unknown {
      if (!state.active || !CONNECTION_EVENTS.has(args[0] as string)) return original.apply(this, args);
      return observeThenCall(state, () => spans.clientEvent(this, args[0] as string, args[1]), original, this, args);
    },
  );
}
