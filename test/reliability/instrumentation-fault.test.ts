import assert from 'node:assert/strict';
import * as path from 'node:path';
import { startReceiver } from '../kit/otlp-receiver';
import { RELIABILITY_FIXTURES, request, startServerApp } from './kit';

/**
 * An instrumentation whose own code throws (simulated by test/fixtures/reliability/poison-app.cjs,
 * which makes the agent's tracer for that instrumentation fail at span start, at setAttribute, or
 * at end) switches itself off with one diagnostic line; the request that hit the bug and every
 * later one still succeed, the other instrumentations and manual spans keep working.
 */

const APP = path.join(RELIABILITY_FIXTURES, 'poison-app.cjs');
const SERVICE = 'reliability-poison';

interface Case {
  poison: string;
  /** Requests (path, expected body) made, in order, each a few times. */
  requests: Array<[string, string]>;
  /** The instrumentation that must switch itself off ('' for the control run). */
  off: '' | 'http' | 'undici';
}

const CASES: Case[] = [
  { poison: '', requests: [['/hello', 'hello'], ['/fetch', 'fetched hello'], ['/client', 'got hello']], off: '' },
  ...(['start', 'attr', 'end'] as const).flatMap((how): Case[] => [
    { poison: `http:${how}`, requests: [['/hello', 'hello'], ['/client', 'got hello'], ['/fetch', 'fetched hello']], off: 'http' },
    { poison: `undici:${how}`, requests: [['/fetch', 'fetched hello'], ['/hello', 'hello'], ['/client', 'got hello']], off: 'undici' },
  ]),
];

describe('reliability: an instrumentation that throws switches itself off', function () {
  this.timeout(30_000);

  for (const c of CASES) {
    const title = c.off === ''
      ? 'control: with no fault, http, undici and manual spans are all exported'
      : `${c.off} failing at ${c.poison.split(':')[1]}: one diagnostic, the request and later ones succeed, the rest still traced`;
    it(title, async () => {
      const receiver = await startReceiver({ protocol: 'http/protobuf' });
      const app = await startServerApp({
        file: APP,
        env: {
          OTEL_SERVICE_NAME: SERVICE,
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
          OTEL_BSP_SCHEDULE_DELAY: '50',
          POISON: c.poison,
        },
      });
      try {
        let served = 0;
        for (let round = 0; round < 3; round++) {
          for (const [p, expected] of c.requests) {
            const { status, body } = await request(app.port, p);
            assert.equal(status, 200, `${p} in round ${round}`);
            assert.equal(body, expected, `${p} in round ${round}`);
            served++;
          }
        }
        const exit = await app.stop('SIGTERM');
        assert.equal(exit.signal, 'SIGTERM', exit.stderr);

        const failed = exit.stderr.split('\n').filter((l) => /instrumentation ".*" failed and is now off/.test(l));
        const byScope = (name: string) => receiver.spans.filter((s) => s.scope.name === name);
        // Every request handled ran the app's code once (/fetch and /client also call /hello).
        assert.ok(byScope('poison-app').length >= served, 'manual spans still exported');
        if (c.off === '') {
          assert.deepEqual(failed, []);
          assert.ok(byScope('otelite/http').length > 0 && byScope('otelite/undici').length > 0);
          return;
        }
        assert.equal(failed.length, 1, exit.stderr);
        assert.match(failed[0]!, new RegExp(`^otelite error: instrumentation "${c.off}" failed and is now off \\(the app is unaffected\\): Error: poisoned`));
        assert.doesNotMatch(exit.stderr, /^\s+at /m, 'no stack trace printed');
        assert.equal(byScope(`otelite/${c.off}`).length, 0, `no ${c.off} spans after the failure`);
        const other = c.off === 'http' ? 'otelite/undici' : 'otelite/http';
        assert.ok(byScope(other).length > 0, `${other} still traced`);
      } finally {
        await app.stop('SIGKILL').catch(() => undefined);
        await receiver.close();
      }
    });
  }
});
