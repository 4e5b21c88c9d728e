import assert from 'node:assert/strict';
import { closedPort as refusingPort, startPostgres, type RunningPostgres } from '../kit/servers';
import { caseSpan, childrenOf, pgSpans, runPgFixture } from './pg-kit';

/**
 * The settings that change what the pg instrumentation does: OTEL_NODE_DB_REQUIRE_PARENT_SPAN
 * and OTEL_NODE_DISABLED_INSTRUMENTATIONS. The fixture's `root` case queries outside any span;
 * `promise` and `pool-query` query inside one.
 */
describe('pg instrumentation settings (real PostgreSQL, real processes)', function () {
  this.timeout(60_000);
  let server: RunningPostgres;
  let closedPort: number;
  const cases = ['root', 'promise', 'pool-query'];

  before(async () => {
    server = await startPostgres();
    closedPort = await refusingPort();
  });
  after(async () => {
    await server?.stop();
  });

  it('by default, a query outside any span makes a root span', async () => {
    const run = await runPgFixture(server, { set: 'current', flavour: 'cjs', closedPort, cases });
    const roots = pgSpans(run.spans).filter((s) => s.parentSpanId === undefined);
    const probe = roots.find((s) => s.attributes['db.query.text'] === 'SELECT ? AS root_probe');
    assert.ok(probe, 'root query span');
    assert.equal(probe.name, 'SELECT');
    // The setup (connect, DROP, CREATE, INSERT) is outside any span too.
    assert.equal(roots.length, 5);
  });

  it('with OTEL_NODE_DB_REQUIRE_PARENT_SPAN=true, only queries inside a span make spans', async () => {
    const run = await runPgFixture(server, {
      set: 'current',
      flavour: 'cjs',
      closedPort,
      cases,
      env: { OTEL_NODE_DB_REQUIRE_PARENT_SPAN: 'true' },
    });
    const pg = pgSpans(run.spans);
    assert.equal(pg.filter((s) => s.parentSpanId === undefined).length, 0, 'no root pg spans');
    assert.deepEqual(
      childrenOf(run.spans, caseSpan(run, 'promise')).map((s) => s.name),
      ['SELECT otelite_users'],
    );
    // The pool's new connection is still made inside the pool.connect() span.
    const [poolConnect, query] = childrenOf(run.spans, caseSpan(run, 'pool-query'));
    assert.equal(poolConnect.name, 'connect');
    assert.equal(query.name, 'SELECT otelite_users');
    assert.deepEqual(
      childrenOf(run.spans, poolConnect).map((s) => s.name),
      ['connect'],
    );
    assert.equal(pg.length, 4);
    assert.equal(run.results.get('root'), '[{"root_probe":1}]');
  });

  for (const flavour of ['cjs', 'esm'] as const) {
    it(`with OTEL_NODE_DISABLED_INSTRUMENTATIONS=pg (${flavour}): pg untouched, no pg spans`, async () => {
      const run = await runPgFixture(server, {
        set: 'previous',
        flavour,
        closedPort,
        cases,
        env: { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg' },
      });
      assert.equal(run.wrapped, 'false', 'Client.prototype.query is the original');
      assert.equal(pgSpans(run.spans).length, 0);
      // The app's own spans are still exported: tracing is on, only pg is off.
      assert.equal(caseSpan(run, 'promise').name, 'case promise');
      assert.equal(run.results.get('pool-query'), '[{"n":2}]');
    });
  }
});
