/**
 * The OTLP exporter retry rules (OTLP specification, "Failures" and "Throttling"):
 * - HTTP: 429, 502, 503, 504 are retryable; every other 4xx/5xx is not (413, "too large", is
 *   not retried as is: the exporter splits the batch, see exporter.ts).
 * - gRPC: CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED (simplified: always, not only with
 *   RetryInfo), ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS are retryable.
 * - Transient network errors (refused, reset, timed out, broken pipe, socket hang up) are retryable.
 * - Exponential backoff with jitter, with the official JS exporter's numbers (first retry after
 *   1 s, x1.5 each time, at most 5 s, at most 5 attempts, +-20 % jitter); a server's
 *   `Retry-After` (seconds or HTTP date) replaces the backoff.
 * - The whole export, retries and waits included, stays within the export timeout: no wait goes
 *   past the deadline, and a `Retry-After` beyond it ends the export at once.
 * The clock, sleep and randomness are injectable for tests.
 */

import { sleepUnlessExiting } from '../../exiting';

export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** In [0, 1). */
  random(): number;
}

export const systemClock: RetryClock = {
  now: () => Date.now(),
  // A back-off ends early when the process starts exiting: the exit flush should not wait it out.
  sleep: sleepUnlessExiting,
  random: () => Math.random(),
};

export interface RetryPolicy {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  backoffMultiplier: number;
  /** Relative: 0.2 means the delay is drawn from [0.8, 1.2] x the backoff. */
  jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  initialBackoffMs: 1000,
  maxBackoffMs: 5000,
  backoffMultiplier: 1.5,
  jitter: 0.2,
});

/** What one attempt of sending a request came to. */
export interface AttemptOutcome {
  ok: boolean;
  /** Meaningful when !ok. */
  retryable: boolean;
  /** A server-requested delay before the next attempt (already relative to now). */
  retryAfterMs?: number;
  /**
   * A short stable name for the kind of failure ('http-400', 'grpc-14', 'network-ECONNREFUSED',
   * 'timeout', 'tls-…'), for saying each kind once. 'ok' on success.
   */
  kind: string;
  error?: Error;
  /** The response body, when there was one. */
  body?: Uint8Array;
  /** The HTTP status of the response, when there was one (OTLP/HTTP). */
  status?: number;
  contentType?: string;
}

export const RETRYABLE_HTTP_STATUS: ReadonlySet<number> = new Set([429, 502, 503, 504]);

export function isRetryableHttpStatus(status: number): boolean {
  return RETRYABLE_HTTP_STATUS.has(status);
}

export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const GRPC_NAMES = Object.fromEntries(Object.entries(GrpcStatus).map(([k, v]) => [v, k])) as Record<number, string>;

export function grpcStatusName(code: number): string {
  return GRPC_NAMES[code] ?? `code ${code}`;
}

export const RETRYABLE_GRPC_STATUS: ReadonlySet<number> = new Set([
  GrpcStatus.CANCELLED,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.ABORTED,
  GrpcStatus.OUT_OF_RANGE,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DATA_LOSS,
]);

export function isRetryableGrpcStatus(code: number): boolean {
  return RETRYABLE_GRPC_STATUS.has(code);
}

const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
]);

/** Transient network failures worth another attempt. */
export function isRetryableNetworkError(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && RETRYABLE_NETWORK_CODES.has(code)) return true;
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' && /socket hang up/i.test(message);
}

/**
 * A `Retry-After` header as milliseconds from `nowMs`: delay-seconds (integer, or decimal for
 * lenient servers) or an HTTP date; undefined when absent or unreadable. A date in the past is 0.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  if (Array.isArray(value)) value = value[0];
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) {
    const seconds = Number(v);
    return Number.isFinite(seconds) ? Math.round(seconds * 1000) : undefined;
  }
  if (!/[a-z]/i.test(v)) return undefined; // an HTTP date has day and month names; '-5' is no date
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** The wait before retry number `retry` (1 for the wait after the first attempt). */
export function backoffDelay(retry: number, policy: RetryPolicy, random: number): number {
  const base = Math.min(
    policy.maxBackoffMs,
    policy.initialBackoffMs * Math.pow(policy.backoffMultiplier, Math.max(0, retry - 1)),
  );
  const jittered = base * (1 + policy.jitter * (2 * random - 1));
  return Math.max(0, Math.min(policy.maxBackoffMs, Math.round(jittered)));
}

export interface RetryResult extends AttemptOutcome {
  attempts: number;
}

/**
 * Runs `attempt` (given the time left before the deadline, and the attempt number from 1) until it
 * succeeds, fails for good, the attempts run out, or the deadline would be passed by waiting.
 * Returns the last outcome. `attempt` must not throw (a throw is taken as a non-retryable failure).
 */
export async function withRetry(
  attempt: (remainingMs: number, attemptNo: number) => Promise<AttemptOutcome>,
  timeoutMs: number,
  clock: RetryClock = systemClock,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): Promise<RetryResult> {
  const deadline = clock.now() + timeoutMs;
  let last: AttemptOutcome | undefined;
  let n = 0;
  for (;;) {
    const remaining = deadline - clock.now();
    if (remaining <= 0) {
      return last !== undefined
        ? { ...last, attempts: n }
        : { ok: false, retryable: false, kind: 'timeout', error: new Error(`export timed out after ${timeoutMs} ms`), attempts: n };
    }
    n++;
    try {
      last = await attempt(remaining, n);
    } catch (err) {
      return { ok: false, retryable: false, kind: 'internal', error: err instanceof Error ? err : new Error(String(err)), attempts: n };
    }
    if (last.ok || !last.retryable || n >= policy.maxAttempts) return { ...last, attempts: n };
    const delay = last.retryAfterMs ?? backoffDelay(n, policy, clock.random());
    if (clock.now() + delay >= deadline) return { ...last, attempts: n };
    await clock.sleep(delay);
  }
}

/** The error behind a wrapper (http2 wraps a session's failure into each pending stream's). */
function rootCause(err: unknown): unknown {
  let e = err;
  for (let i = 0; i < 4; i++) {
    const cause = (e as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null || typeof cause !== 'object') break;
    e = cause;
  }
  return e;
}

const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_SSL|ERR_TLS|HOSTNAME_MISMATCH|ALTNAME|^EPROTO$/;

/**
 * An error message fit for one diagnostic line: OpenSSL's raw error strings
 * ("80AC…:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:
 * ../deps/openssl/…/rec_layer_s3.c:1601:SSL alert number 116\n"), alone or after a prefix such as
 * "write EPROTO ", become their reason ("tlsv13 alert certificate required"), and line breaks
 * become spaces.
 */
function oneLine(message: string): string {
  const openssl = /(?:^|\s)[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:([^:\n]+)/.exec(message);
  const text = openssl !== null ? openssl[1]! : message;
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** The failure outcome for an error raised by a connection or request (never retried if TLS). */
export function networkFailure(err: unknown): AttemptOutcome {
  const e = rootCause(err) as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = oneLine(typeof e?.message === 'string' ? e.message : String(e));
  if (code !== undefined && TLS_CODE.test(code)) {
    return {
      ok: false,
      retryable: false,
      kind: `tls-${code}`,
      error: new Error(
        `TLS connection failed: ${message} (${code}); check the CA certificate (OTEL_EXPORTER_OTLP_CERTIFICATE) ` +
          'and the client key and certificate (OTEL_EXPORTER_OTLP_CLIENT_KEY, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE)',
      ),
    };
  }
  return {
    ok: false,
    retryable: isRetryableNetworkError(e),
    kind: `network-${code ?? (/socket hang up/i.test(message) ? 'ECONNRESET' : 'error')}`,
    error: new Error(code !== undefined && !message.includes(code) ? `${message} (${code})` : message),
  };
}
