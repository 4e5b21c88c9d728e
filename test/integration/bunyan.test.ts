import assert from 'node:assert/strict';
import type { VersionSet } from '../kit/versions';
import { assertCorrelated, assertSent, assertUncorrelated, lineOf, runLoggerApp, type Flavour } from './logger-kit';

/**
 * bunyan under the agent, in real processes: bunyan 1 (`previous`) and 2 (`current`), from a
 * CommonJS app (--require) and an ES module app (--import) that imports `bunyan` by name (its one
 * file, which the ES module loader loads without `require`). The lines carry the SERVER span's
 * ids exactly inside a request; the records arrive as OTLP log records.
 */
const KINDS = ['plain', 'own', 'error', 'child', 'debug'];
const SEVERITIES: Record<string, [number, string]> = { error: [17, 'error'], child: [13, 'warn'], debug: [5, 'debug'] };

describe('bunyan instrumentation', function () {
  this.timeout(60_000);

  for (const set of ['previous', 'current'] as VersionSet[]) {
    for (const flavour of ['cjs', 'esm'] as Flavour[]) {
      it(`${set} set, ${flavour}: ids in the lines inside requests, the app's trace_id kept, each record sent`, async () => {
        const run = await runLoggerApp({ logger: 'bunyan', set, flavour, kinds: KINDS });
        assertCorrelated(run, KINDS);
        assertSent(run, 'bunyan', KINDS, SEVERITIES);
        // bunyan's own fields are unchanged: the ids come after them.
        assert.equal(lineOf(run, 'plain').v, 0);
      });
    }
  }

  it('OTEL_NODE_DISABLED_INSTRUMENTATIONS=bunyan: no ids, nothing sent', async () => {
    const run = await runLoggerApp({ logger: 'bunyan', set: 'current', flavour: 'cjs', kinds: KINDS, env: { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'bunyan' } });
    assertUncorrelated(run);
    assert.equal(run.logs.length, 0);
  });
});
