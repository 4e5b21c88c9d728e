import { wrapMethod, type InstrumentationState, type PatchTarget, type AnyFunction } from '../../src/instrument';
import { batchWrapper, wrapConnect, wrapEmit, wrapSendCommand, type ClientPrototype } from './patch-common';
import type { NodeRedisSpans } from './spans';

/**
 * @redis/client 5.0 to 5.11 (redis 5 before the TracingChannels of 5.12): every command method
 * ends in `this.sendCommand(args, options)`, a prototype method, as do SELECT and the client's
 * re-authentication; transactions and pipelines go to `_executeMulti` / `_executePipeline`
 * (which queue their commands directly, so they make no command spans). Patched: those three,
 * `connect` and `emit`. From 5.12 on the same information comes from the client's channels
 * (channels.ts), so these versions stop here: patching them too would trace every command twice.
 */
export const CLIENT5_VERSIONS = '>=5.0.0 <5.12.0';

interface Client5Prototype extends ClientPrototype {
  _executeMulti?: AnyFunction;
  _executePipeline?: AnyFunction;
}

export function client5Targets(state: InstrumentationState, spans: NodeRedisSpans): PatchTarget[] {
  return [
    {
      module: '@redis/client',
      file: 'dist/lib/client/index.js',
      versions: CLIENT5_VERSIONS,
      patch(exports) {
        const proto = (exports as { default?: { prototype?: Client5Prototype } }).default?.prototype;
        if (proto === undefined) return exports;
        wrapSendCommand(proto, state, spans);
        // _executeMulti(commands, selectedDB) resolves to the EXEC replies.
        wrapMethod(proto, '_executeMulti', batchWrapper(state, spans, () => 'MULTI', (result) => result));
        wrapMethod(proto, '_executePipeline', batchWrapper(state, spans, () => 'PIPELINE', () => undefined));
        wrapConnect(proto, state, spans);
        wrapEmit(proto, state, spans);
        return exports;
      },
    },
  ];
}
