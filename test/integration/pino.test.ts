import assert from 'node:assert/strict';
import type { VersionSet } from '../kit/versions';
import { assertCorrelated, assertSent, assertUncorrelated, lineOf, runLoggerApp, type Flavour } from './logger-kit';

/**
 * pino under the agent, in real processes: pino 9 (`previous`) and 10 (`current`), from a
 * CommonJS app (--require) and an ES module app (--import). An http server logs inside its
 * request handlers and once outside any request; the lines must carry the SERVER span's ids
 * exactly inside a request, and the same records must arrive as OTLP log records.
 */
const KINDS = ['plain', 'own', 'error', 'child', 'mixin', 'bound', 'multi'];
const SEVERITIES: Record<string, [number, string]> = { error: [17, 'error'], child: [13, 'warn'] };

describe('pino instrumentation', function () {
  this.timeout(60_000);

  for (const set of ['previous', 'current'] as VersionSet[]) {
    for (const flavour of ['cjs', 'esm'] as Flavour[]) {
      it(`${set} set, ${flavour}: ids in the lines inside requests, the app's mixin and trace_id kept, each record sent once`, async () => {
        const run = await runLoggerApp({ logger: 'pino', set, flavour, kinds: KINDS });
        assertCorrelated(run, KINDS);
        assert.equal(lineOf(run, 'mixin').app_mixin, 'kept', "the app's mixin still runs");
        assertSent(run, 'pino', KINDS, SEVERITIES);
      });
    }
  }

  for (const protocol of ['http/json', 'grpc'] as const) {
    it(`the same records over ${protocol}`, async () => {
      const run = await runLoggerApp({ logger: 'pino', set: 'current', flavour: 'cjs', kinds: KINDS, protocol });
      assertCorrelated(run, KINDS);
      assertSent(run, 'pino', KINDS, SEVERITIES);
    });
  }

  it("the app's own pino-opentelemetry-transport: otelite sends nothing, the lines still carry the ids", async () => {
    const kinds = ['plain'];
    const run = await runLoggerApp({ logger: 'pino', set: 'current', flavour: 'cjs', kinds, file: 'otel-transport.cjs' });
    assertCorrelated(run, kinds);
    const scopes = JSON.stringify(run.logs.map((r) => [r.scope.name, r.body]));
    assert.equal(run.logs.filter((r) => r.scope.name === 'otelite/pino').length, 0, scopes);
    assert.equal(run.logs.length, run.lines.length, `each record once, from the transport: ${scopes}`);
  });

  it('OTEL_NODE_DISABLED_INSTRUMENTATIONS=pino: no ids, nothing sent, spans still made', async () => {
    const run = await runLoggerApp({ logger: 'pino', set: 'current', flavour: 'cjs', kinds: KINDS, env: { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pino' } });
    assertUncorrelated(run);
    assert.equal(run.logs.length, 0);
    assert.ok(run.spans.length >= KINDS.length);
  });

  it('OTELITE_LOGS_SEND_LOGGERS=false: ids in the lines, nothing sent', async () => {
    const run = await runLoggerApp({ logger: 'pino', set: 'current', flavour: 'esm', kinds: KINDS, env: { OTELITE_LOGS_SEND_LOGGERS: 'false' } });
    assertCorrelated(run, KINDS);
    assert.equal(run.logs.length, 0);
  });
});
