import assert from 'node:assert/strict';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  GrpcStatus,
  isRetryableGrpcStatus,
  isRetryableHttpStatus,
  isRetryableNetworkError,
  networkFailure,
  parseRetryAfter,
  withRetry,
  type AttemptOutcome,
  type RetryClock,
} from '../../src/export/otlp/retry';

class FakeClock implements RetryClock {
  t = 1_000_000;
  sleeps: number[] = [];
  rnd = 0.5;
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
    return Promise.resolve();
  }
  random(): number {
    return this.rnd;
  }
}

const fail = (retryable: boolean, extra: Partial<AttemptOutcome> = {}): AttemptOutcome => ({
  ok: false,
  retryable,
  kind: retryable ? 'http-503' : 'http-400',
  error: new Error('nope'),
  ...extra,
});
const success: AttemptOutcome = { ok: true, retryable: false, kind: 'ok' };

/** An attempt function that plays `script` in order (the last entry repeats), each taking `costMs`. */
function scripted(clock: FakeClock, script: AttemptOutcome[], costMs = 0) {
  const calls: { remaining: number; n: number }[] = [];
  const fn = async (remaining: number, n: number): Promise<AttemptOutcome> => {
    calls.push({ remaining, n });
    clock.t += costMs;
    return script[Math.min(calls.length - 1, script.length - 1)]!;
  };
  return { fn, calls };
}

describe('OTLP retry policy', () => {
  describe('classification', () => {
    it('retries HTTP 429, 502, 503, 504 and nothing else', () => {
      for (const s of [429, 502, 503, 504]) assert.ok(isRetryableHttpStatus(s), String(s));
      for (const s of [400, 401, 403, 404, 405, 408, 413, 415, 500, 501, 505]) assert.ok(!isRetryableHttpStatus(s), String(s));
    });

    it('retries the OTLP list of gRPC codes', () => {
      const yes = [
        GrpcStatus.CANCELLED,
        GrpcStatus.DEADLINE_EXCEEDED,
        GrpcStatus.RESOURCE_EXHAUSTED,
        GrpcStatus.ABORTED,
        GrpcStatus.OUT_OF_RANGE,
        GrpcStatus.UNAVAILABLE,
        GrpcStatus.DATA_LOSS,
      ];
      const no = [
        GrpcStatus.OK,
        GrpcStatus.UNKNOWN,
        GrpcStatus.INVALID_ARGUMENT,
        GrpcStatus.NOT_FOUND,
        GrpcStatus.ALREADY_EXISTS,
        GrpcStatus.PERMISSION_DENIED,
        GrpcStatus.FAILED_PRECONDITION,
        GrpcStatus.UNIMPLEMENTED,
        GrpcStatus.INTERNAL,
        GrpcStatus.UNAUTHENTICATED,
      ];
      for (const c of yes) assert.ok(isRetryableGrpcStatus(c), String(c));
      for (const c of no) assert.ok(!isRetryableGrpcStatus(c), String(c));
    });

    it('retries transient network errors only', () => {
      for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']) {
        assert.ok(isRetryableNetworkError(Object.assign(new Error('x'), { code })), code);
      }
      assert.ok(isRetryableNetworkError(new Error('socket hang up')));
      assert.ok(!isRetryableNetworkError(Object.assign(new Error('x'), { code: 'ENOTFOUND' })));
      assert.ok(!isRetryableNetworkError(new Error('something else')));
      assert.ok(!isRetryableNetworkError(undefined));
    });

    it('never retries TLS failures, and unwraps http2 causes', () => {
      const tls = networkFailure(Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }));
      assert.equal(tls.retryable, false);
      assert.equal(tls.kind, 'tls-SELF_SIGNED_CERT_IN_CHAIN');
      assert.match(tls.error!.message, /OTEL_EXPORTER_OTLP_CERTIFICATE/);
      const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
      const wrapped = Object.assign(new Error('The pending stream has been canceled'), { code: 'ERR_HTTP2_STREAM_CANCEL', cause });
      const out = networkFailure(wrapped);
      assert.equal(out.retryable, true);
      assert.equal(out.kind, 'network-ECONNREFUSED');
    });
  });

  describe('Retry-After', () => {
    it('reads delay-seconds', () => {
      assert.equal(parseRetryAfter('0', 0), 0);
      assert.equal(parseRetryAfter('3', 0), 3000);
      assert.equal(parseRetryAfter(' 120 ', 0), 120_000);
      assert.equal(parseRetryAfter('1.5', 0), 1500);
    });

    it('reads an HTTP date relative to now, past dates as 0', () => {
      const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
      assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:04 GMT', now), 4000);
      assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now), 0);
    });

    it('ignores garbage', () => {
      assert.equal(parseRetryAfter(undefined, 0), undefined);
      assert.equal(parseRetryAfter('', 0), undefined);
      assert.equal(parseRetryAfter('soon', 0), undefined);
      assert.equal(parseRetryAfter('-5', 0), undefined);
    });
  });

  describe('backoff', () => {
    it('starts at 1 s, grows x1.5, caps at 5 s, jitter within +-20 %', () => {
      const p = DEFAULT_RETRY_POLICY;
      assert.equal(backoffDelay(1, p, 0.5), 1000);
      assert.equal(backoffDelay(2, p, 0.5), 1500);
      assert.equal(backoffDelay(3, p, 0.5), 2250);
      assert.equal(backoffDelay(4, p, 0.5), 3375);
      assert.equal(backoffDelay(5, p, 0.5), 5000);
      assert.equal(backoffDelay(9, p, 0.5), 5000);
      assert.equal(backoffDelay(1, p, 0), 800);
      assert.equal(backoffDelay(1, p, 0.999999), 1200);
      for (let n = 1; n < 10; n++) {
        for (const r of [0, 0.1, 0.5, 0.9, 0.9999]) {
          const d = backoffDelay(n, p, r);
          const base = Math.min(5000, 1000 * 1.5 ** (n - 1));
          assert.ok(d >= base * 0.8 - 1 && d <= Math.min(5000, base * 1.2) + 1, `retry ${n} random ${r}: ${d}`);
        }
      }
    });
  });

  describe('withRetry', () => {
    it('returns at once on success', async () => {
      const clock = new FakeClock();
      const { fn, calls } = scripted(clock, [success]);
      const r = await withRetry(fn, 10_000, clock);
      assert.equal(r.ok, true);
      assert.equal(r.attempts, 1);
      assert.equal(calls.length, 1);
      assert.deepEqual(clock.sleeps, []);
    });

    it('does not retry a non-retryable failure', async () => {
      const clock = new FakeClock();
      const { fn, calls } = scripted(clock, [fail(false)]);
      const r = await withRetry(fn, 10_000, clock);
      assert.equal(r.ok, false);
      assert.equal(r.kind, 'http-400');
      assert.equal(calls.length, 1);
      assert.deepEqual(clock.sleeps, []);
    });

    it('retries a retryable failure with growing waits, at most 5 attempts', async () => {
      const clock = new FakeClock();
      const { fn, calls } = scripted(clock, [fail(true)]);
      const r = await withRetry(fn, 60_000, clock);
      assert.equal(r.ok, false);
      assert.equal(r.attempts, 5);
      assert.equal(calls.length, 5);
      assert.deepEqual(clock.sleeps, [1000, 1500, 2250, 3375]);
      assert.deepEqual(
        calls.map((c) => c.n),
        [1, 2, 3, 4, 5],
      );
    });

    it('succeeds after failures', async () => {
      const clock = new FakeClock();
      const { fn, calls } = scripted(clock, [fail(true), fail(true), success]);
      const r = await withRetry(fn, 60_000, clock);
      assert.equal(r.ok, true);
      assert.equal(r.attempts, 3);
      assert.equal(calls.length, 3);
    });

    it('honours Retry-After instead of the backoff', async () => {
      const clock = new FakeClock();
      const { fn } = scripted(clock, [fail(true, { retryAfterMs: 2500 }), fail(true, { retryAfterMs: 0 }), success]);
      const r = await withRetry(fn, 60_000, clock);
      assert.equal(r.ok, true);
      assert.deepEqual(clock.sleeps, [2500, 0]);
    });

    it('gives up at once when Retry-After reaches past the deadline', async () => {
      const clock = new FakeClock();
      const { fn, calls } = scripted(clock, [fail(true, { retryAfterMs: 30_000 }), success]);
      const r = await withRetry(fn, 10_000, clock);
      assert.equal(r.ok, false);
      assert.equal(calls.length, 1);
      assert.deepEqual(clock.sleeps, []);
    });

    it('never sleeps past the deadline, and hands each attempt the time left', async () => {
      const clock = new FakeClock();
      const start = clock.t;
      const { fn, calls } = scripted(clock, [fail(true)], 700); // each attempt takes 700 ms
      const r = await withRetry(fn, 4000, clock);
      assert.equal(r.ok, false);
      // t=0 attempt (700) -> sleep 1000 -> t=1700 attempt (700) -> t=2400: sleep 1500 would end at 3900 < 4000
      // -> t=3900 attempt with 100 ms left (700) -> t=4600: stop
      assert.deepEqual(
        calls.map((c) => c.remaining),
        [4000, 2300, 100],
      );
      assert.deepEqual(clock.sleeps, [1000, 1500]);
      const slept = clock.sleeps.reduce((a, b) => a + b, 0);
      assert.ok(start + slept <= start + 4000);
    });

    it('stops when a backoff would cross the deadline', async () => {
      const clock = new FakeClock();
      const { fn, calls } = scripted(clock, [fail(true)], 0);
      const r = await withRetry(fn, 2000, clock);
      // attempt at 0, sleep 1000, attempt at 1000, next sleep 1500 would end at 2500 > 2000
      assert.equal(calls.length, 2);
      assert.deepEqual(clock.sleeps, [1000]);
      assert.equal(r.attempts, 2);
    });

    it('takes a throwing attempt as a final failure', async () => {
      const clock = new FakeClock();
      const r = await withRetry(
        async () => {
          throw new Error('bug');
        },
        1000,
        clock,
      );
      assert.equal(r.ok, false);
      assert.equal(r.retryable, false);
      assert.equal(r.error?.message, 'bug');
    });
  });
});
