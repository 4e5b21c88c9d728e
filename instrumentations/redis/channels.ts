import { subscribeGuarded, type InstrumentationState } from '../../src/instrument';
import type { NodeRedisSpans } from './spans';
import type { BatchEvent, CommandEvent, ConnectEvent, ConnectionReadyEvent } from './types';

/**
 * @redis/client >= 5.12 publishes its own TracingChannels (`lib/client/tracing.js`):
 * `node-redis:command` around `sendCommand` (in the caller's context, also while the client is
 * offline and queues), `node-redis:batch` around MULTI and pipelines, `node-redis:connect` around
 * `connect()`, and the point event `node-redis:connection:ready` on every (re)connection. Only
 * `start`, `end` and `asyncEnd` are needed: `asyncEnd` carries `error` or `result`, and `end`
 * with an `error` means the traced function threw and no `asyncEnd` follows.
 */
export function subscribeNodeRedisChannels(state: InstrumentationState, spans: NodeRedisSpans): void {
  subscribeGuarded<CommandEvent>(state, 'tracing:node-redis:command:start', (m) => spans.onCommandStart(m));
  subscribeGuarded<CommandEvent>(state, 'tracing:node-redis:command:end', (m) => spans.onCommandEnd(m));
  subscribeGuarded<CommandEvent>(state, 'tracing:node-redis:command:asyncEnd', (m) => spans.onCommandAsyncEnd(m));
  subscribeGuarded<BatchEvent>(state, 'tracing:node-redis:batch:start', (m) => spans.onBatchStart(m));
  subscribeGuarded<BatchEvent>(state, 'tracing:node-redis:batch:end', (m) => spans.onCommandEnd(m));
  subscribeGuarded<BatchEvent>(state, 'tracing:node-redis:batch:asyncEnd', (m) => spans.onCommandAsyncEnd(m));
  subscribeGuarded<ConnectEvent>(state, 'tracing:node-redis:connect:start', (m) => spans.onConnectStart(m));
  subscribeGuarded<ConnectEvent>(state, 'tracing:node-redis:connect:end', (m) => spans.onConnectEnd(m));
  subscribeGuarded<ConnectEvent>(state, 'tracing:node-redis:connect:asyncEnd', (m) => spans.onConnectAsyncEnd(m));
  subscribeGuarded<ConnectionReadyEvent>(state, 'node-redis:connection:ready', (m) => spans.onConnectionReady(m));
}
