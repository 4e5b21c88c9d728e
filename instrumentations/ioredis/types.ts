/**
 * The ioredis shapes this instrumentation reads, checked against ioredis 5.9, 5.11 and 6.0
 * (`built/Redis.js`, `built/Pipeline.js`, `built/transaction.js`, `built/redis/event_handler.js`).
 */

/** `Command`: one per call; the client may pass it to `sendCommand` again (offline queue, resend). */
export interface IoredisCommand {
  /** Lower case: `get`, `hset`. */
  name: string;
  /** The arguments after the name, already flattened by ioredis. */
  args: unknown[];
  promise: Promise<unknown>;
}

/** `Redis` (a standalone connection; a Cluster talks to its nodes through these too). */
export interface IoredisClient {
  /** `wait`, `connecting`, `connect` (handshake), `ready`, `reconnecting`, `close`, `end`. */
  status: string;
  options: { host?: string; port?: number; path?: string; db?: number };
  /** The live connection state: `select` is the database index in use. */
  condition?: { select?: number } | null;
}

/** What `sendCommand` gets as `stream` for a pipeline's commands. */
export interface PipelineStream {
  isPipeline?: boolean;
}

/** `Pipeline`: `redis.pipeline()` and (with MULTI/EXEC queued around the commands) `redis.multi()`. */
export interface IoredisPipeline {
  redis: IoredisClient;
  isCluster?: boolean;
  _queue: IoredisCommand[];
  /** > 0 while a transaction's first `exec` only queues EXEC. */
  _transactions: number;
  /** What every `exec` call returns. */
  promise: Promise<unknown>;
}
