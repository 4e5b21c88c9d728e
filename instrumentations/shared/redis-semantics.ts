import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { rememberRedacted, type SafeException } from '../../src/instrument';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_BATCH_SIZE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ERROR_TYPE_OTHER,
} from '../../src/semconv';

/**
 * The Redis semantic conventions, shared by the node-redis (`redis`) and `ioredis`
 * instrumentations: span names, the masked `db.query.text`, attributes and error mapping.
 * `redis-spans.ts` starts and ends their spans.
 *
 * Conventions followed (semantic-conventions `docs/db/redis.md`, `database-spans.md`):
 * - span name = `db.operation.name` (the Redis rule: no `{target}`, since the only target would
 *   be `db.namespace`, which Redis span names must not use): `GET`, `MULTI`, `PIPELINE`;
 * - `db.operation.name` = the command, upper-cased so both clients agree (ioredis says `get`,
 *   node-redis `GET`); only the first word (`CLIENT`, not `CLIENT SETNAME`);
 * - `db.query.text` in Redis CLI syntax with every value replaced by `?` and only key (and
 *   channel) arguments kept: `SET user:1 ?`, `HSET h ? ?`; commands not in the table below keep
 *   nothing but their name (`AUTH ? ?`, `EVAL ? ? ?`);
 * - `db.namespace` = the database index as a string; `server.address`, `server.port` from the
 *   client's configuration;
 * - an error reply sets `db.response.status_code` and `error.type` to its prefix (`WRONGTYPE`);
 *   other failures set `error.type` to the error's `code` (`ECONNREFUSED`) or class name
 *   (`ClientClosedError`, `MaxRetriesPerRequestError`), else `_OTHER`.
 */

export const DB_SYSTEM_REDIS = 'redis';

export type BatchMode = 'MULTI' | 'PIPELINE';

/** `db.query.text` stops growing (at an argument boundary) past this many characters. */
export const MAX_QUERY_TEXT_LENGTH = 1024;

// ---- command names ---------------------------------------------------------------------------

const MAX_CACHED_NAMES = 512;
const upperNames = new Map<string, string>();

/** `db.operation.name` (and span name) of a command as the client passes it: `get` → `GET`. */
export function operationName(command: unknown): string {
  const raw = typeof command === 'string' ? command : String(command);
  let name = upperNames.get(raw);
  if (name === undefined) {
    const space = raw.indexOf(' ');
    name = (space < 0 ? raw : raw.slice(0, space)).toUpperCase();
    if (upperNames.size >= MAX_CACHED_NAMES) upperNames.clear();
    upperNames.set(raw, name);
  }
  return name;
}

// ---- which arguments are keys ----------------------------------------------------------------

/** How a command's arguments (after the name) divide into keys, kept, and values, masked. */
const enum Keys {
  /** Only the first argument is a key: `SET k ?`, `HSET h ? ?`, `LRANGE l ? ?`. */
  First = 1,
  /** Every argument is a key: `DEL a b`, `MGET a b`. */
  All,
  /** The first two are keys: `RENAME a b`, `LMOVE a b ? ?`. */
  FirstTwo,
  /** Keys and values alternate: `MSET a ? b ?`. */
  Alternate,
  /** All but the last (a timeout): `BLPOP a b ?`. */
  AllButLast,
}

const KEY_RULES = new Map<string, Keys>();
function rule(keys: Keys, names: string): void {
  for (const name of names.split(' ')) KEY_RULES.set(name, keys);
}
rule(
  Keys.First,
  'GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX APPEND STRLEN INCR INCRBY INCRBYFLOAT DECR DECRBY ' +
    'SETRANGE GETRANGE SUBSTR SETBIT GETBIT BITCOUNT BITPOS BITFIELD BITFIELD_RO LCS ' +
    'EXPIRE PEXPIRE EXPIREAT PEXPIREAT EXPIRETIME PEXPIRETIME TTL PTTL PERSIST TYPE DUMP RESTORE MOVE ' +
    'HSET HSETNX HGET HMSET HMGET HDEL HGETALL HKEYS HVALS HLEN HEXISTS HINCRBY HINCRBYFLOAT HSTRLEN ' +
    'HSCAN HRANDFIELD HEXPIRE HPEXPIRE HEXPIREAT HPEXPIREAT HTTL HPTTL HPERSIST HGETDEL HGETEX HSETEX ' +
    'LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LRANGE LLEN LINDEX LSET LREM LTRIM LINSERT LPOS ' +
    'SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SSCAN ' +
    'ZADD ZREM ZRANGE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZSCORE ' +
    'ZMSCORE ZCARD ZINCRBY ZRANK ZREVRANK ZCOUNT ZLEXCOUNT ZREMRANGEBYSCORE ZREMRANGEBYRANK ' +
    'ZREMRANGEBYLEX ZSCAN ZPOPMIN ZPOPMAX ZRANDMEMBER ' +
    'PFADD XADD XLEN XRANGE XREVRANGE XDEL XTRIM XACK XCLAIM XAUTOCLAIM XPENDING XSETID ' +
    'GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEORADIUS GEORADIUSBYMEMBER GEORADIUS_RO ' +
    'GEORADIUSBYMEMBER_RO PUBLISH SPUBLISH',
);
rule(
  Keys.All,
  'DEL UNLINK EXISTS MGET TOUCH WATCH SINTER SUNION SDIFF SINTERSTORE SUNIONSTORE SDIFFSTORE ' +
    'PFCOUNT PFMERGE SUBSCRIBE UNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE',
);
rule(Keys.FirstTwo, 'RENAME RENAMENX RPOPLPUSH LMOVE BLMOVE SMOVE COPY GEOSEARCHSTORE ZRANGESTORE');
rule(Keys.Alternate, 'MSET MSETNX');
rule(Keys.AllButLast, 'BLPOP BRPOP BZPOPMIN BZPOPMAX BRPOPLPUSH');

function isKey(keys: Keys | undefined, index: number, count: number): boolean {
  switch (keys) {
    case Keys.First:
      return index === 0;
    case Keys.All:
      return true;
    case Keys.FirstTwo:
      return index < 2;
    case Keys.Alternate:
      return (index & 1) === 0;
    case Keys.AllButLast:
      return index < count - 1;
    default:
      return false;
  }
}

function keyText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return '?';
}

/**
 * `db.query.text` for `name` with arguments `args[first..]`: keys kept, every other argument `?`.
 * `name` is the upper-case operation name. The text stops at an argument boundary once it passes
 * MAX_QUERY_TEXT_LENGTH (a `DEL` of ten thousand keys does not make a ten-thousand-key attribute).
 */
export function maskedQueryText(name: string, args: ArrayLike<unknown>, first = 0): string {
  const keys = KEY_RULES.get(name);
  const count = args.length - first;
  let text = name;
  for (let i = 0; i < count && text.length < MAX_QUERY_TEXT_LENGTH; i++) {
    text += isKey(keys, i, count) ? ' ' + keyText(args[first + i]) : ' ?';
  }
  return text;
}

// ---- errors ----------------------------------------------------------------------------------

export interface RedisErrorInfo {
  /** `error.type`. */
  type: string;
  /** `db.response.status_code`: the Redis error prefix, for error replies only. */
  statusCode: string | undefined;
  /** A message safe to export (see `safeMessage`). */
  message: string;
}

const REPLY_ERROR_CLASSES = new Set(['ReplyError', 'ErrorReply', 'SimpleError', 'BlobError']);
const ERROR_PREFIX = /^[A-Z][A-Z0-9_-]*$/;
/** Redis echoes arguments of an unknown command; they may be values. */
const ECHOED_ARGS = ', with args beginning with:';

function className(error: object): string | undefined {
  const name = (error as { name?: unknown }).name;
  if (typeof name === 'string' && name !== 'Error' && name !== '') return name;
  const ctor = (error as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === 'string' && ctor !== '' ? ctor : undefined;
}

function safeMessage(message: string): string {
  const echoed = message.indexOf(ECHOED_ARGS);
  return echoed < 0 ? message : message.slice(0, echoed);
}

/** The most relevant error: node-redis wraps the failures of EXEC and of reconnecting. */
function innermost(error: unknown): unknown {
  if (error === null || typeof error !== 'object') return error;
  const e = error as { replies?: unknown; errorIndexes?: unknown; socketError?: unknown };
  if (Array.isArray(e.replies) && Array.isArray(e.errorIndexes) && e.errorIndexes.length > 0) {
    const first = e.replies[e.errorIndexes[0] as number];
    if (first instanceof Error) return first;
  }
  if (e.socketError instanceof Error) return e.socketError;
  return error;
}

export function describeError(raw: unknown): RedisErrorInfo {
  const error = innermost(raw);
  if (error === null || typeof error !== 'object') {
    return { type: ERROR_TYPE_OTHER, statusCode: undefined, message: String(error) };
  }
  const message = typeof (error as Error).message === 'string' ? (error as Error).message : '';
  const cls = className(error);
  if (cls !== undefined && REPLY_ERROR_CLASSES.has(cls)) {
    const space = message.indexOf(' ');
    const prefix = space < 0 ? message : message.slice(0, space);
    if (ERROR_PREFIX.test(prefix)) return { type: prefix, statusCode: prefix, message: safeMessage(message) };
  }
  const code = (error as { code?: unknown }).code;
  const type = typeof code === 'string' && code !== '' ? code : (cls ?? ERROR_TYPE_OTHER);
  return { type, statusCode: undefined, message: safeMessage(message) };
}

/**
 * ERROR status, `error.type`, `db.response.status_code` and an exception event. The event is
 * built from the sanitized message, never from the app's error object itself: an error reply's
 * message and stack can echo command arguments.
 */
export function recordRedisError(span: Span, error: unknown): void {
  const info = describeError(error);
  span.setAttribute(ATTR_ERROR_TYPE, info.type);
  if (info.statusCode !== undefined) span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, info.statusCode);
  const stack = info.statusCode === undefined && error instanceof Error ? error.stack : undefined;
  const exception: SafeException = { name: info.type, message: info.message, stack: stack === undefined ? undefined : safeMessage(stack) };
  // The app may throw this error on: its handler's and request's spans record the same text.
  rememberRedacted(error, exception);
  span.recordException(exception);
  span.setStatus({ code: SpanStatusCode.ERROR, message: info.message });
}

/** The first Error among `replies` (error replies inside EXEC or a pipeline's results). */
export function firstErrorIn(replies: unknown): Error | undefined {
  if (!Array.isArray(replies)) return undefined;
  for (const reply of replies) if (reply instanceof Error) return reply;
  return undefined;
}

// ---- attributes ------------------------------------------------------------------------------

/** Where a command goes: the client's configuration, and its database index. */
export interface RedisEndpoint {
  serverAddress: string | undefined;
  serverPort: number | undefined;
  database?: number | string | undefined;
}

export function setEndpointAttributes(span: Span, endpoint: RedisEndpoint): void {
  if (endpoint.serverAddress !== undefined) span.setAttribute(ATTR_SERVER_ADDRESS, endpoint.serverAddress);
  if (endpoint.serverPort !== undefined) span.setAttribute(ATTR_SERVER_PORT, endpoint.serverPort);
  if (endpoint.database !== undefined) span.setAttribute(ATTR_DB_NAMESPACE, String(endpoint.database));
}

/** The attributes of one command's span; `name` is its operation name, `args[first..]` its arguments. */
export function setCommandAttributes(span: Span, name: string, args: ArrayLike<unknown>, first: number, endpoint: RedisEndpoint): void {
  span.setAttribute(ATTR_DB_OPERATION_NAME, name);
  span.setAttribute(ATTR_DB_QUERY_TEXT, maskedQueryText(name, args, first));
  setEndpointAttributes(span, endpoint);
}

/**
 * A MULTI/EXEC transaction or a pipeline is one span named `MULTI` or `PIPELINE`, whatever
 * commands it holds, with `db.operation.batch.size` (not set for a batch of one, which the
 * conventions say is not a batch) and no `db.query.text`.
 */
export function setBatchAttributes(span: Span, mode: BatchMode, size: number, endpoint: RedisEndpoint): void {
  span.setAttribute(ATTR_DB_OPERATION_NAME, mode);
  if (size !== 1) span.setAttribute(ATTR_DB_OPERATION_BATCH_SIZE, size);
  setEndpointAttributes(span, endpoint);
}
