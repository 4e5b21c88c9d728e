/**
 * The shapes of pg 8 and pg-pool 3 objects this instrumentation reads or wraps, checked
 * against pg 8.11 and 8.23 (`lib/client.js`, `lib/query.js`), pg-pool 3.x, pg-cursor 2.x and
 * pg-query-stream 4.x. Everything is optional: a field pg does not have is simply not used.
 */

export type NodeCallback = (this: unknown, error: unknown, ...results: unknown[]) => unknown;

/** A promise constructor as pg stores it (`client._Promise`, `pool.Promise`). */
export type PromiseConstructorLike = new (executor: (resolve: (value: unknown) => void, reject: (reason: unknown) => void) => void) => PromiseLike<unknown>;

/** `client.connectionParameters`, resolved by pg from the config, the URL and PG* variables. */
export interface ConnectionParameters {
  host?: string;
  port?: number | string;
  database?: string;
}

export interface PgClient {
  connectionParameters?: ConnectionParameters;
  host?: string;
  port?: number | string;
  database?: string;
  /** The promise constructor `query()` and `connect()` build their promises with. */
  _Promise?: PromiseConstructorLike;
}

/** The config-object form of `client.query`. */
export interface QueryConfig {
  text?: unknown;
  values?: unknown;
  name?: unknown;
  callback?: unknown;
}

/**
 * Anything with `submit`: pg's `Query`, pg-cursor's `Cursor`, pg-query-stream's `QueryStream`
 * (whose text and values live on its `cursor`). The client calls `handleReadyForQuery` when
 * the submittable is done and `handleError` when it failed.
 */
export interface Submittable {
  submit(connection: unknown): unknown;
  text?: unknown;
  values?: unknown;
  cursor?: { text?: unknown; values?: unknown };
  callback?: unknown;
  handleReadyForQuery?: (...args: unknown[]) => unknown;
  handleError?: (...args: unknown[]) => unknown;
}

export interface PgPool {
  options?: { host?: unknown; port?: unknown; database?: unknown; max?: unknown };
  Promise?: PromiseConstructorLike;
  /** pg-pool's own counts: every client it holds (connecting, checked out, idle), the idle ones, the waiting `connect()` calls. */
  readonly totalCount?: unknown;
  readonly idleCount?: unknown;
  readonly waitingCount?: unknown;
  /** Set once `end()` has closed every client. */
  readonly ended?: unknown;
}
