import { wrapMethod, type InstrumentationState, type PatchTarget, type AnyFunction } from '../../src/instrument';
import type { RedisOperation } from '../shared/redis-spans';
import { batchWrapper, callTraced, trackSelect, wrapConnect, wrapEmit, wrapSendCommand, type ClientPrototype } from './patch-common';
import type { NodeRedisSpans } from './spans';
import type { NodeRedisClient } from './types';

/**
 * @redis/client 1.x (redis 4): no diagnostics channels, so the client is patched.
 *
 * Where commands pass: `client.get(…)` and the other command methods are made by
 * `commander.attachCommands` when `client/index.js` loads, each calling the executor it was
 * given (`RedisClient.prototype.commandsExecutor`, captured then); module commands
 * (`client.json.get`) get the executor from `RedisClient.extend` at run time; both run
 * `commander.transformCommandArguments` and then the client's private `#sendCommand`. So:
 * - `commander.js` is patched first (the client file requires it before calling
 *   `attachCommands`): the executor given to `attachCommands` for `RedisClient` is wrapped, and
 *   `transformCommandArguments` hands the wrapped executor the Redis arguments it computed, so
 *   they are not computed twice;
 * - `client/index.js`: `commandsExecutor` (module commands), `sendCommand`, `SELECT`,
 *   `multiExecutor` (MULTI when it gets a chain id, else a pipeline), `connect`, `emit`.
 * A command span starts right after the executor queued the command (the same tick: nothing can
 * have been answered yet). Not traced: Lua scripts and functions (`executeScript`,
 * `executeFunction`), legacy mode, and the commands the client sends itself while connecting.
 */
export const CLIENT1_VERSIONS = '>=1.0.0 <2';

interface Commander1 {
  attachCommands?: AnyFunction;
  extendWithCommands?: AnyFunction;
  transformCommandArguments?: AnyFunction;
}

interface AttachConfig {
  BaseClass?: { name?: unknown };
  executor?: AnyFunction;
}

interface Client1Prototype extends ClientPrototype {
  commandsExecutor?: AnyFunction;
  SELECT?: AnyFunction;
  multiExecutor?: AnyFunction;
}

export function client1Targets(state: InstrumentationState, spans: NodeRedisSpans): PatchTarget[] {
  /**
   * Armed by a traced executor for the synchronous part of its call, in which the client's
   * executor calls `transformCommandArguments` once; the patched one leaves the result here.
   */
  const capture: { armed: boolean; args: unknown[] | undefined } = { armed: false, args: undefined };

  function traceExecutor(original: AnyFunction): AnyFunction {
    return function commandsExecutor(this: NodeRedisClient, ...args: unknown[]): unknown {
      if (!state.active) return original.apply(this, args);
      capture.armed = true;
      capture.args = undefined;
      let result: unknown;
      try {
        result = original.apply(this, args);
      } finally {
        capture.armed = false;
      }
      const redisArgs = capture.args;
      capture.args = undefined;
      // No arguments: the command failed while transforming them, before reaching Redis.
      if (redisArgs === undefined) return result;
      try {
        const operation = spans.command(redisArgs[0], redisArgs, spans.endpointOf(this));
        if (operation !== undefined) spans.settle(result, operation);
      } catch (error) {
        state.fail(error);
      }
      return result;
    };
  }

  const commander: PatchTarget = {
    module: '@redis/client',
    file: 'dist/lib/commander.js',
    versions: CLIENT1_VERSIONS,
    patch(exports) {
      const commanderExports = exports as Commander1;
      // `extendWithCommands` in 1.0.x, `attachCommands` since.
      for (const key of ['attachCommands', 'extendWithCommands'] as const) {
        if (typeof commanderExports[key] !== 'function') continue;
        wrapMethod(commanderExports, key, (original) =>
          function attachCommands(this: unknown, config: AttachConfig, ...rest: unknown[]): unknown {
            if (state.active && config?.BaseClass?.name === 'RedisClient' && typeof config.executor === 'function') {
              config = { ...config, executor: traceExecutor(config.executor) };
            }
            return original.call(this, config, ...rest);
          },
        );
      }
      wrapMethod(commanderExports, 'transformCommandArguments', (original) =>
        function transformCommandArguments(this: unknown, ...args: unknown[]): unknown {
          const result = original.apply(this, args) as { args?: unknown } | undefined;
          if (capture.armed) {
            capture.armed = false;
            capture.args = Array.isArray(result?.args) ? result.args : undefined;
          }
          return result;
        },
      );
      return exports;
    },
  };

  const client: PatchTarget = {
    module: '@redis/client',
    file: 'dist/lib/client/index.js',
    versions: CLIENT1_VERSIONS,
    patch(exports) {
      const proto = (exports as { default?: { prototype?: Client1Prototype } }).default?.prototype;
      if (proto === undefined) return exports;
      wrapMethod(proto, 'commandsExecutor', traceExecutor);
      wrapSendCommand(proto, state, spans);
      wrapMethod(proto, 'SELECT', (original) =>
        function SELECT(this: NodeRedisClient, ...args: unknown[]): unknown {
          if (!state.active) return original.apply(this, args);
          // SELECT(db) or SELECT(commandOptions, db).
          const database = typeof args[0] === 'number' ? args[0] : args[1];
          let operation: RedisOperation | undefined;
          try {
            operation = spans.command('SELECT', ['SELECT', database], spans.endpointOf(this));
          } catch (error) {
            state.fail(error);
          }
          const result = callTraced(state, spans, operation, original, this, args);
          trackSelect(state, spans, this, result, database);
          return result;
        },
      );
      // multiExecutor(commands, selectedDB, chainId): a chain id means MULTI; it resolves to
      // [MULTI reply, QUEUED replies, EXEC replies].
      wrapMethod(
        proto,
        'multiExecutor',
        batchWrapper(
          state,
          spans,
          (args) => (args[2] !== undefined ? 'MULTI' : 'PIPELINE'),
          (result) => (Array.isArray(result) ? result[result.length - 1] : undefined),
        ),
      );
      wrapConnect(proto, state, spans);
      wrapEmit(proto, state, spans);
      return exports;
    },
  };

  return [commander, client];
}
