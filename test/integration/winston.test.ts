import assert from 'node:assert/strict';
import type { VersionSet } from '../kit/versions';
import { assertCorrelated, assertSent, assertUncorrelated, runLoggerApp, type Flavour } from './logger-kit';

/**
 * winston under the agent, in real processes: winston 2 (`previous`, through its rewriters) and
 * 3 (`current`, its JSON format), from a CommonJS app (--require) and an ES module app
 * (--import). The lines carry the SERVER span's ids exactly inside a request; the records arrive
 * as OTLP log records, once, also when the app has its own OpenTelemetry transport.
 */
const KINDS = ['plain', 'own', 'error', 'child', 'debug'];
const SEVERITIES: Record<string, [number, string]> = { error: [17, 'error'], child: [13, 'warn'], debug: [5, 'debug'] };

describe('winston instrumentation', function () {
  this.timeout(60_000);

  for (const set of ['previous', 'current'] as VersionSet[]) {
    for (const flavour of ['cjs', 'esm'] as Flavour[]) {
      it(`${set} set, ${flavour}: ids in the lines inside requests, the app's trace_id kept, each record sent`, async () => {
        const run = await runLoggerApp({ logger: 'winston', set, flavour, kinds: KINDS });
        assertCorrelated(run, KINDS);
        assertSent(run, 'winston', KINDS, SEVERITIES);
      });
    }
  }

  it('OTEL_NODE_DISABLED_INSTRUMENTATIONS=winston: no ids, nothing sent', async () => {
    const run = await runLoggerApp({ logger: 'winston', set: 'current', flavour: 'esm', kinds: KINDS, env: { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'winston' } });
    assertUncorrelated(run);
    assert.equal(run.logs.length, 0);
  });

  it("the app's own @opentelemetry/winston-transport: each record arrives once, from that transport, and the lines still carry the ids", async () => {
    const kinds = ['plain'];
    const run = await runLoggerApp({ logger: 'winston', set: 'current', flavour: 'cjs', kinds, file: 'otel-transport.cjs' });
    assertCorrelated(run, kinds);
    assert.equal(run.logs.length, run.lines.length, JSON.stringify(run.logs.map((r) => [r.scope.name, r.body])));
    assert.deepEqual(new Set(run.logs.map((r) => r.scope.name)), new Set(['@opentelemetry/winston-transport']));
  });
});
