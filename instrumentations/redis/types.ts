/**
 * The node-redis (`@redis/client`) shapes this instrumentation reads. Checked against
 * @redis/client 1.6 (redis 4), 5.11, 5.12 and 6.3 (`dist/lib/client/index.js`, `tracing.js`,
 * `socket.js`, `commander.js`).
 */

/**
 * What @redis/client >= 5.12 publishes on `tracing:node-redis:command:*` (and what the patches
 * for older versions hand to the same code). `args` includes the command name at index 0; in
 * the channel messages they are already partly redacted by the client (`?`), which only ever
 * removes information: the instrumentation masks again by its own rules.
 */
export interface CommandEvent {
  command: string;
  args: ArrayLike<unknown>;
  database: number | undefined;
  serverAddress: string | undefined;
  serverPort: number | undefined;
  /** Set on the commands of a pipeline, which the `batch` span covers. */
  batchMode?: 'MULTI' | 'PIPELINE';
  /** Set by TracingChannel.tracePromise. */
  error?: unknown;
  result?: unknown;
}

/** `tracing:node-redis:batch:*`. */
export interface BatchEvent {
  batchMode: 'MULTI' | 'PIPELINE';
  batchSize: number;
  database: number | undefined;
  serverAddress: string | undefined;
  serverPort: number | undefined;
  error?: unknown;
  result?: unknown;
}

/** `tracing:node-redis:connect:*`. */
export interface ConnectEvent {
  serverAddress: string | undefined;
  serverPort: number | undefined;
  clientId: string;
  error?: unknown;
}

/** `node-redis:connection:ready`: published on every (re)connection that reached ready. */
export interface ConnectionReadyEvent {
  clientId: string;
  serverAddress: string | undefined;
  serverPort: number | undefined;
  /** How long the successful attempt took. */
  createTimeMs: number;
}

/** `RedisClientOptions` as far as read: the URL is already merged into `socket` and `database`. */
export interface ClientOptions {
  socket?: { host?: string; port?: number; path?: string };
  database?: number;
}

/** A node-redis client (or, in 5.x, a proxy of one whose `_self` is the client). */
export interface NodeRedisClient {
  readonly options?: ClientOptions;
  readonly isOpen?: boolean;
  readonly _self?: NodeRedisClient;
}
