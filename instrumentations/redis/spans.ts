import { context, ROOT_CONTEXT, type Context, type Span } from '@opentelemetry/api';
import { whenSettled, type InstrumentationState } from '../../src/instrument';
import {
  firstErrorIn,
  operationName,
  setBatchAttributes,
  setCommandAttributes,
  type BatchMode,
  type RedisEndpoint,
} from '../shared/redis-semantics';
import type { RedisOperation, RedisSpans } from '../shared/redis-spans';
import type {
  BatchEvent,
  ClientOptions,
  CommandEvent,
  ConnectEvent,
  ConnectionReadyEvent,
  NodeRedisClient,
} from './types';

const DEFAULT_PORT = 6379;

/** The client behind a 5.x command proxy (`withCommandOptions`), or the client itself. */
function selfOf(client: NodeRedisClient): NodeRedisClient {
  return client._self ?? client;
}

/** Endpoint of a patched client: its configuration, and the index of its last SELECT. */
class ClientEndpoint implements RedisEndpoint {
  serverAddress: string | undefined;
  serverPort: number | undefined;
  database: number | undefined;

  constructor(options: ClientOptions | undefined) {
    const socket = options?.socket;
    if (socket !== undefined && typeof socket.path === 'string') {
      this.serverAddress = socket.path;
      this.serverPort = undefined;
    } else {
      this.serverAddress = socket?.host ?? 'localhost';
      this.serverPort = socket?.port ?? DEFAULT_PORT;
    }
    this.database = typeof options?.database === 'number' ? options.database : 0;
  }
}

/**
 * node-redis events to spans. One code path for both sources: @redis/client >= 5.12 publishes
 * TracingChannel messages (channels.ts calls the `on*` methods with them), older versions are
 * patched (patch-client1.ts, patch-client5.ts) and call `command`/`batch`/`settle` with
 * the same information read from the client. A span lives on the library's own object (the
 * channel message, or the promise's closure), so nothing here outlives the command. An operation
 * is a span and, when the agent exports metrics, a `db.client.operation.duration` measurement,
 * made whether or not the span is sampled.
 */
export class NodeRedisSpans {
  /** Channel message -> its operation (or its connect span), while the command runs. */
  private readonly byMessage = new WeakMap<object, RedisOperation>();
  private readonly connectByMessage = new WeakMap<object, Span>();
  /** Client ids with a `connect()` in flight (channels), whose own `ready` is not a reconnection. */
  private readonly connecting = new Set<string>();
  /** Patched clients: their endpoint, a `connect()` in flight, a reconnection attempt in flight. */
  private readonly endpoints = new WeakMap<NodeRedisClient, ClientEndpoint>();
  private readonly connectingClients = new WeakSet<NodeRedisClient>();
  private readonly attempts = new WeakMap<NodeRedisClient, Span>();

  constructor(
    readonly spans: RedisSpans,
    private readonly state: InstrumentationState,
  ) {}

  // ---- building blocks, shared by both sources ------------------------------------------------

  /** A command sent to `endpoint`: its span (with name and masked query text) and measurement. */
  command(command: unknown, args: ArrayLike<unknown>, endpoint: RedisEndpoint, parent: Context = context.active()): RedisOperation | undefined {
    const name = operationName(command);
    const operation = this.spans.start(name, parent, endpoint);
    if (operation?.span !== undefined) setCommandAttributes(operation.span, name, args, 1, endpoint);
    return operation;
  }

  batch(mode: BatchMode, size: number, endpoint: RedisEndpoint): RedisOperation | undefined {
    const operation = this.spans.start(mode, context.active(), endpoint);
    if (operation?.span !== undefined) setBatchAttributes(operation.span, mode, size, endpoint);
    return operation;
  }

  /** Ends `operation` when `promise` settles; `onResult` may find an error in a resolved value. */
  settle(promise: unknown, operation: RedisOperation, onResult?: (result: unknown) => unknown): void {
    whenSettled(this.state, promise, (error, result) => {
      this.spans.end(operation, error === undefined && onResult !== undefined ? onResult(result) : error);
    });
  }

  // ---- patched clients ------------------------------------------------------------------------

  endpointOf(client: NodeRedisClient): ClientEndpoint {
    const self = selfOf(client);
    let endpoint = this.endpoints.get(self);
    if (endpoint === undefined) {
      endpoint = new ClientEndpoint(self.options);
      this.endpoints.set(self, endpoint);
    }
    return endpoint;
  }

  /** A successful SELECT (or a MULTI that selected) changes the index later commands report. */
  selected(client: NodeRedisClient, database: unknown): void {
    const index = Number(database);
    if (Number.isInteger(index)) this.endpointOf(client).database = index;
  }

  /** `connect()` of a patched client: one span, covering the retries of this first connection. */
  connectStarted(client: NodeRedisClient): Span | undefined {
    const span = this.spans.startConnect(context.active(), this.endpointOf(client));
    if (span !== undefined) this.connectingClients.add(selfOf(client));
    return span;
  }

  /** Ends the span of `connect()` when its promise settles. */
  connectSettles(client: NodeRedisClient, promise: unknown, span: Span): void {
    whenSettled(this.state, promise, (error) => {
      this.connectingClients.delete(selfOf(client));
      this.spans.endConnect(span, error);
    });
  }

  /**
   * Events a patched client emits: after a connection drops, each reconnection attempt is a
   * `connect` span from `reconnecting` to `ready` (or to the `error` that ends the attempt). The
   * attempts happen in the background, so their spans are root spans.
   */
  clientEvent(client: NodeRedisClient, event: string | symbol, arg: unknown): void {
    const self = selfOf(client);
    if (event === 'reconnecting') {
      if (this.connectingClients.has(self) || this.attempts.has(self)) return;
      const span = this.spans.startConnect(ROOT_CONTEXT, this.endpointOf(self));
      if (span !== undefined) this.attempts.set(self, span);
      return;
    }
    if (event !== 'ready' && event !== 'error' && event !== 'end') return;
    const span = this.attempts.get(self);
    if (span === undefined) return;
    this.attempts.delete(self);
    this.spans.endConnect(span, event === 'error' ? arg : undefined);
  }

  // ---- channels (@redis/client >= 5.12) ------------------------------------------------------

  onCommandStart(message: CommandEvent): void {
    // A pipeline's commands are covered by its batch span.
    if (message.batchMode !== undefined) return;
    const operation = this.command(message.command, message.args, message);
    if (operation !== undefined) this.byMessage.set(message, operation);
  }

  onBatchStart(message: BatchEvent): void {
    const operation = this.batch(message.batchMode, message.batchSize, message);
    if (operation !== undefined) this.byMessage.set(message, operation);
  }

  /** `asyncEnd`: the promise settled (`error` set when it rejected). */
  onCommandAsyncEnd(message: CommandEvent | BatchEvent): void {
    const operation = this.byMessage.get(message);
    if (operation === undefined) return;
    this.byMessage.delete(message);
    let error = message.error;
    // Error replies inside EXEC do not reject the transaction; they still make it an error.
    if (error === undefined && 'batchSize' in message && message.batchMode === 'MULTI') error = firstErrorIn(message.result);
    this.spans.end(operation, error);
  }

  /** `end`: the traced function returned, or threw (then no `asyncEnd` follows). */
  onCommandEnd(message: CommandEvent | BatchEvent): void {
    if (message.error !== undefined) this.onCommandAsyncEnd(message);
  }

  onConnectStart(message: ConnectEvent): void {
    this.connecting.add(message.clientId);
    const span = this.spans.startConnect(context.active(), message);
    if (span !== undefined) this.connectByMessage.set(message, span);
  }

  onConnectAsyncEnd(message: ConnectEvent): void {
    this.connecting.delete(message.clientId);
    const span = this.connectByMessage.get(message);
    if (span === undefined) return;
    this.connectByMessage.delete(message);
    this.spans.endConnect(span, message.error);
  }

  onConnectEnd(message: ConnectEvent): void {
    if (message.error !== undefined) this.onConnectAsyncEnd(message);
  }

  /**
   * `node-redis:connection:ready` outside a `connect()`: a reconnection succeeded. The client
   * publishes nothing when an attempt starts or fails, so the span covers the successful attempt
   * only, back-dated by its `createTimeMs`.
   */
  onConnectionReady(message: ConnectionReadyEvent): void {
    if (this.connecting.has(message.clientId)) return;
    const startTime = Date.now() - (Number.isFinite(message.createTimeMs) ? message.createTimeMs : 0);
    const span = this.spans.startConnect(ROOT_CONTEXT, message, startTime);
    if (span !== undefined) this.spans.endConnect(span);
  }
}
