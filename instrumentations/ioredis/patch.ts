import { callAround, observeThenCall, wrapMethod, type AnyFunction, type InstrumentationState, type PatchTarget } from '../../src/instrument';
import type { IoredisSpans } from './spans';
import type { IoredisClient, IoredisCommand, IoredisPipeline, PipelineStream } from './types';

/**
 * ioredis >= 5 < 7, patched in its internal files (`built/Redis.js`, `built/Pipeline.js`), which
 * pass through the require hook even when an ES module app imports `ioredis`.
 *
 * ioredis 5.11 also publishes TracingChannels (`ioredis:command`, `:batch`, `:connect`); they are
 * not used, because they cannot give the spans this instrumentation promises: `ioredis:command`
 * fires only when a command is written, so a command queued while the client is offline gets its
 * span when the queue is flushed, in the flusher's context (wrong parent, wrong start), and one
 * that fails in the queue (connection refused, `maxRetriesPerRequest`) gets no span at all; and a
 * plain pipeline publishes no `ioredis:batch`, only one `ioredis:command` per command. Patching
 * `sendCommand` is needed for those anyway, and one path for every version keeps spans identical.
 */
export const IOREDIS_VERSIONS = '>=5.0.0 <7';

interface RedisPrototype {
  sendCommand?: AnyFunction;
  connect?: AnyFunction;
  silentEmit?: AnyFunction;
}

export function ioredisTargets(state: InstrumentationState, spans: IoredisSpans): PatchTarget[] {
  const redis: PatchTarget = {
    module: 'ioredis',
    file: 'built/Redis.js',
    versions: IOREDIS_VERSIONS,
    patch(exports) {
      const proto = (exports as { default?: { prototype?: RedisPrototype } }).default?.prototype;
      if (proto === undefined) return exports;
      wrapMethod(proto, 'sendCommand', (original) =>
        function sendCommand(this: IoredisClient, ...args: unknown[]): unknown {
          if (state.active) {
            try {
              spans.commandSent(this, args[0] as IoredisCommand, args[1] as PipelineStream | undefined);
            } catch (error) {
              state.fail(error);
            }
          }
          return original.apply(this, args);
        },
      );
      wrapMethod(proto, 'connect', (original) =>
        function connect(this: IoredisClient, ...args: unknown[]): unknown {
          if (!state.active) return original.apply(this, args);
          return callAround(state, original, this, args, () => spans.connectStarted(this), (result, span) =>
            spans.connectSettles(this, result, span),
          );
        },
      );
      wrapMethod(proto, 'silentEmit', (original) =>
        function silentEmit(this: IoredisClient, ...args: unknown[]): unknown {
          if (!state.active || args[0] !== 'error') return original.apply(this, args);
          return observeThenCall(state, () => spans.errorEmitted(this, args[1]), original, this, args);
        },
      );
      return exports;
    },
  };

  const pipeline: PatchTarget = {
    module: 'ioredis',
    file: 'built/Pipeline.js',
    versions: IOREDIS_VERSIONS,
    patch(exports) {
      const proto = (exports as { default?: { prototype?: { exec?: AnyFunction } } }).default?.prototype;
      if (proto === undefined) return exports;
      wrapMethod(proto, 'exec', (original) =>
        function exec(this: IoredisPipeline, ...args: unknown[]): unknown {
          if (state.active) {
            try {
              spans.pipelineExec(this);
            } catch (error) {
              state.fail(error);
            }
          }
          return original.apply(this, args);
        },
      );
      return exports;
    },
  };

  return [redis, pipeline];
}
