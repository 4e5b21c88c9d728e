import { context, ROOT_CONTEXT, type Span } from '@opentelemetry/api';
import { whenSettled, type InstrumentationState } from '../../src/instrument';
import {
  firstErrorIn,
  operationName,
  setBatchAttributes,
  setCommandAttributes,
  type BatchMode,
  type RedisEndpoint,
} from '../shared/redis-semantics';
import type { RedisSpans } from '../shared/redis-spans';
import type { IoredisClient, IoredisCommand, IoredisPipeline, PipelineStream } from './types';

/**
 * Commands ioredis sends itself while a connection is being set up (status `connect`): part of
 * connecting, not of the app's work. ioredis's own list (`HANDSHAKE_COMMANDS`) plus HELLO.
 */
const HANDSHAKE_COMMANDS = new Set(['auth', 'hello', 'select', 'client', 'readonly', 'info']);
const CONNECTING_STATUSES = new Set(['connecting', 'connect', 'ready']);

function endpointOf(client: IoredisClient | undefined): RedisEndpoint {
  const options = client?.options;
  if (options === undefined) return { serverAddress: undefined, serverPort: undefined, database: undefined };
  const database = client?.condition?.select ?? options.db ?? 0;
  if (typeof options.path === 'string') return { serverAddress: options.path, serverPort: undefined, database };
  return { serverAddress: options.host ?? 'localhost', serverPort: options.port ?? 6379, database };
}

/** The error a pipeline's results hold: `[[error, reply], …]`, EXEC's replies last for MULTI. */
function batchError(results: unknown, multi: boolean): unknown {
  if (!Array.isArray(results)) return undefined;
  if (multi) {
    const exec = results[results.length - 1] as unknown;
    if (!Array.isArray(exec)) return undefined;
    return exec[0] instanceof Error ? exec[0] : firstErrorIn(exec[1]);
  }
  for (const entry of results) if (Array.isArray(entry) && entry[0] instanceof Error) return entry[0];
  return undefined;
}

/**
 * ioredis calls to spans. Every state kept is keyed by ioredis's own objects (WeakSet/WeakMap),
 * so it lasts exactly as long as ioredis keeps the command, pipeline or client.
 */
export class IoredisSpans {
  /** Commands already seen by `sendCommand`: a queued command passes through it again when sent. */
  private readonly seen = new WeakSet<IoredisCommand>();
  /** Pipelines whose `exec` already has its span (exec runs again for retries and cluster waits). */
  private readonly executed = new WeakSet<IoredisPipeline>();
  /** Clients with a traced connection attempt: the last `error` they emitted during it. */
  private readonly attempts = new WeakMap<IoredisClient, { error: unknown }>();

  constructor(
    readonly spans: RedisSpans,
    private readonly state: InstrumentationState,
  ) {}

  /**
   * `sendCommand(command, stream)`: a span for each command, started the first time the client
   * sees it, in the caller's context, even when the client is offline and only queues it.
   */
  commandSent(client: IoredisClient, command: IoredisCommand, stream: PipelineStream | undefined): void {
    if (command === null || typeof command !== 'object' || this.seen.has(command)) return;
    this.seen.add(command);
    // A pipeline's commands are covered by its batch span.
    if (stream !== undefined && stream !== null && stream.isPipeline === true) return;
    if (client.status === 'connect' && HANDSHAKE_COMMANDS.has(command.name)) return;
    const name = operationName(command.name);
    const endpoint = endpointOf(client);
    const operation = this.spans.start(name, context.active(), endpoint);
    if (operation === undefined) return;
    if (operation.span !== undefined) setCommandAttributes(operation.span, name, command.args, 0, endpoint);
    whenSettled(this.state, command.promise, (error) => this.spans.end(operation, error));
  }

  /**
   * `Pipeline#exec`: one span per pipeline or transaction. A transaction's first `exec` call only
   * queues EXEC (`_transactions` > 0) and calls `exec` again, which sends. Called before the
   * original `exec`, which always returns `pipeline.promise`.
   */
  pipelineExec(pipeline: IoredisPipeline): void {
    if (pipeline._transactions > 0 || this.executed.has(pipeline)) return;
    this.executed.add(pipeline);
    const queue = Array.isArray(pipeline._queue) ? pipeline._queue : [];
    const multi = queue.length >= 2 && queue[0]?.name === 'multi' && queue[queue.length - 1]?.name === 'exec';
    const mode: BatchMode = multi ? 'MULTI' : 'PIPELINE';
    const endpoint = pipeline.isCluster === true ? endpointOf(undefined) : endpointOf(pipeline.redis);
    const operation = this.spans.start(mode, context.active(), endpoint);
    if (operation === undefined) return;
    if (operation.span !== undefined) setBatchAttributes(operation.span, mode, multi ? queue.length - 2 : queue.length, endpoint);
    // ioredis resolves a pipeline with each command's [error, reply], even when commands failed.
    whenSettled(this.state, pipeline.promise, (error, results) => this.spans.end(operation, error ?? batchError(results, multi)));
  }

  /**
   * `connect()`: one span per connection attempt; a reconnection (the client calls `connect` from
   * its retry timer, status `reconnecting`) is a root span, since no caller is waiting on it.
   */
  connectStarted(client: IoredisClient): Span | undefined {
    if (CONNECTING_STATUSES.has(client.status)) return undefined; // ioredis rejects the call
    const parent = client.status === 'reconnecting' ? ROOT_CONTEXT : context.active();
    const span = this.spans.startConnect(parent, endpointOf(client));
    if (span !== undefined) this.attempts.set(client, { error: undefined });
    return span;
  }

  /** `connect()` rejects with a bare "Connection is closed."; the cause came as an `error` event. */
  connectSettles(client: IoredisClient, promise: unknown, span: Span): void {
    whenSettled(this.state, promise, (error) => {
      const attempt = this.attempts.get(client);
      this.attempts.delete(client);
      this.spans.endConnect(span, error === undefined ? undefined : (attempt?.error ?? error));
    });
  }

  /** `silentEmit('error', error)`: how ioredis reports a connection failure. */
  errorEmitted(client: IoredisClient, error: unknown): void {
    const attempt = this.attempts.get(client);
    if (attempt !== undefined && attempt.error === undefined) attempt.error = error;
  }

}
