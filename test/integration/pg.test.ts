import assert from 'node:assert/strict';
import type { DecodedSpan } from '../kit/otlp-decoder';
import { closedPort as refusingPort, startPostgres, type RunningPostgres } from '../kit/servers';
import type { VersionSet } from '../kit/versions';
import {
  caseSpan,
  childrenOf,
  exportedStrings,
  KIND_CLIENT,
  pgSpans,
  runPgFixture,
  SECRETS,
  STATUS_ERROR,
  STATUS_UNSET,
  type Flavour,
  type PgRun,
} from './pg-kit';

/**
 * The pg instrumentation against a real PostgreSQL, from real processes: each version set (pg
 * 8.11 / pg-pool / pg-cursor / pg-query-stream of `previous`, pg 8.23 of `current`) from a
 * CommonJS app (--require) and an ES module app (--import). The app (test/fixtures/pg) runs
 * every calling form inside a span per case; what it saw must equal a run without the agent.
 */

/** What one span of a case must be. */
interface Expected {
  name: string;
  /** db.query.text; absent on connect spans. */
  text?: string;
  /** Server error: SQLSTATE, and the status message (quoted parts redacted). */
  sqlstate?: string;
  message?: string;
  /** Client-side error: error.type. */
  errorType?: string;
  /** Children of this span (a new pooled connection). */
  children?: Expected[];
  /** server.port when not the server's (a refused connection). */
  port?: 'closed';
}

const CONNECT: Expected = { name: 'connect' };
const MISSING_TABLE: Expected = {
  name: 'SELECT otelite_missing_table',
  text: 'SELECT * FROM otelite_missing_table',
  sqlstate: '42P01',
  message: 'relation ? does not exist',
};

const CASES: Record<string, Expected[]> = {
  promise: [{ name: 'SELECT otelite_users', text: 'SELECT id, name FROM otelite_users WHERE name <> ? AND id > ? ORDER BY id' }],
  callback: [{ name: 'SELECT otelite_users', text: 'SELECT count(*)::int AS n FROM otelite_users' }],
  'text-values-callback': [{ name: 'SELECT', text: 'SELECT $1::text AS v' }],
  config: [{ name: 'INSERT otelite_users', text: 'INSERT INTO otelite_users (name) VALUES ($1) RETURNING id' }],
  'config-callback': [{ name: 'SELECT otelite_users', text: 'SELECT name FROM otelite_users WHERE name = $1' }],
  prepared: [
    { name: 'SELECT otelite_users', text: 'SELECT id, name FROM otelite_users WHERE name = $1' },
    { name: 'SELECT otelite_users', text: 'SELECT id, name FROM otelite_users WHERE name = $1' },
  ],
  cursor: [{ name: 'SELECT otelite_users', text: 'SELECT id FROM otelite_users WHERE name <> $1 ORDER BY id' }],
  stream: [{ name: 'SELECT', text: 'SELECT n FROM generate_series(?, ?) AS n' }],
  'submittable-callback': [{ name: 'SELECT', text: 'SELECT ? AS one' }],
  'pool-query': [
    { name: 'connect', children: [CONNECT] },
    { name: 'SELECT otelite_users', text: 'SELECT count(*)::int AS n FROM otelite_users' },
  ],
  'pool-connect': [CONNECT, { name: 'SELECT', text: 'SELECT ? AS one' }],
  'pool-callback': [CONNECT, { name: 'SELECT', text: 'SELECT ? AS two' }],
  'client-connect': [CONNECT],
  transaction: [
    { name: 'BEGIN', text: 'BEGIN' },
    { name: 'INSERT otelite_users', text: 'INSERT INTO otelite_users (name) VALUES (?)' },
    { name: 'COMMIT', text: 'COMMIT' },
  ],
  'syntax-error': [{ name: 'postgresql', text: 'SELEC ?', sqlstate: '42601', message: 'syntax error at or near ?' }],
  'unknown-table': [MISSING_TABLE],
  'wrong-type': [{ name: 'SELECT', text: 'SELECT $1::int AS n', sqlstate: '22P02', message: 'invalid input syntax for type integer: ?' }],
  'callback-error': [MISSING_TABLE],
  refused: [{ name: 'connect', errorType: 'ECONNREFUSED', port: 'closed' }],
  unhandled: [MISSING_TABLE],
};

/** Cases whose callback reports the context it ran in. */
const CALLBACK_CASES = ['callback', 'text-values-callback', 'config-callback', 'submittable-callback', 'pool-callback', 'callback-error'];

/** What the app must have seen, whatever the version set (besides equalling the run without agent). */
const RESULTS: Record<string, unknown> = {
  promise: [{ id: 1, name: 'alice' }, { id: 2, name: 'bob' }],
  callback: { error: null, n: 2 },
  'text-values-callback': [{ v: 'b0und-value' }],
  config: { rowCount: 1, command: 'INSERT', rows: [{ id: 3 }] },
  'config-callback': [{ name: 'b0und-value' }],
  prepared: [[[3, 'b0und-value']], [[3, 'b0und-value']]],
  cursor: [{ id: 1 }, { id: 2 }],
  stream: [1, 2, 3],
  'submittable-callback': [{ one: 1 }],
  'pool-query': [{ n: 3 }],
  'pool-connect': [{ one: 1 }],
  'pool-callback': { error: null, rows: [{ two: 2 }] },
  'client-connect': 'connected',
  transaction: 1,
  refused: { code: 'ECONNREFUSED', class: 'Error', syscall: 'connect' },
  unhandled: 'ignored',
};

function assertSpan(span: DecodedSpan, expected: Expected, where: string, server: RunningPostgres, closedPort: number): void {
  const a = span.attributes;
  assert.equal(span.name, expected.name, `${where}: name`);
  assert.equal(span.kind, KIND_CLIENT, `${where}: kind`);
  assert.equal(span.scope.name, 'otelite/pg', `${where}: scope`);
  assert.equal(a['db.system.name'], 'postgresql', `${where}: db.system.name`);
  assert.equal(a['db.namespace'], server.database, `${where}: db.namespace`);
  assert.equal(a['server.address'], server.host, `${where}: server.address`);
  assert.equal(a['server.port'], expected.port === 'closed' ? closedPort : server.port, `${where}: server.port`);
  assert.equal(a['db.query.text'], expected.text, `${where}: db.query.text`);
  const summary = expected.text === undefined || expected.name === 'postgresql' ? undefined : expected.name;
  assert.equal(a['db.query.summary'], summary, `${where}: db.query.summary`);
  // The PostgreSQL conventions: neither is extracted from the query text.
  assert.equal(a['db.operation.name'], undefined, `${where}: db.operation.name`);
  assert.equal(a['db.collection.name'], undefined, `${where}: db.collection.name`);

  const errorType = expected.sqlstate ?? expected.errorType;
  if (errorType === undefined) {
    assert.equal(span.status.code, STATUS_UNSET, `${where}: status ${span.status.message}`);
    assert.equal(a['error.type'], undefined, `${where}: error.type`);
    assert.equal(span.events.length, 0, `${where}: events`);
    return;
  }
  assert.equal(span.status.code, STATUS_ERROR, `${where}: status`);
  assert.equal(a['error.type'], errorType, `${where}: error.type`);
  assert.equal(a['db.response.status_code'], expected.sqlstate, `${where}: db.response.status_code`);
  assert.equal(span.events.length, 1, `${where}: one exception event`);
  const event = span.events[0];
  assert.equal(event.name, 'exception');
  assert.equal(event.attributes['exception.type'], expected.sqlstate === undefined ? 'Error' : 'DatabaseError', `${where}: exception.type`);
  if (expected.message !== undefined) {
    assert.equal(span.status.message, expected.message, `${where}: status message`);
    assert.equal(event.attributes['exception.message'], expected.message, `${where}: exception.message`);
  }
  assert.match(String(event.attributes['exception.stacktrace']), /\n {4}at /, `${where}: stack frames`);
}

function assertTree(spans: DecodedSpan[], parent: DecodedSpan, expected: Expected[], where: string, server: RunningPostgres, closedPort: number): void {
  const children = childrenOf(spans, parent);
  assert.deepEqual(
    children.map((s) => s.name),
    expected.map((e) => e.name),
    `${where}: children of "${parent.name}"`,
  );
  expected.forEach((e, i) => {
    assertSpan(children[i], e, `${where}[${i}]`, server, closedPort);
    assertTree(spans, children[i], e.children ?? [], `${where}[${i}]`, server, closedPort);
  });
}

describe('pg instrumentation (real PostgreSQL, real processes)', function () {
  this.timeout(120_000);
  let server: RunningPostgres;
  let closedPort: number;

  before(async () => {
    server = await startPostgres();
    closedPort = await refusingPort();
  });
  after(async () => {
    await server?.stop();
  });

  for (const set of ['previous', 'current'] as VersionSet[]) {
    describe(`the ${set} version set`, () => {
      let baseline: PgRun;
      before(async () => {
        baseline = await runPgFixture(server, { set, flavour: 'none', closedPort });
      });

      it('runs the app without the agent: nothing wrapped, nothing exported', () => {
        assert.equal(baseline.wrapped, 'false');
        assert.equal(baseline.spans.length, 0);
        assert.equal(baseline.results.size, Object.keys(CASES).length + 1);
      });

      for (const flavour of ['cjs', 'esm'] as Flavour[]) {
        describe(flavour === 'esm' ? 'an ES module app (--import)' : 'a CommonJS app (--require)', () => {
          let run: PgRun;
          before(async () => {
            run = await runPgFixture(server, { set, flavour, closedPort });
          });

          it('wraps Client.prototype.query, and the app sees exactly what it sees without the agent', () => {
            assert.equal(run.wrapped, 'true');
            assert.deepEqual(run.results, baseline.results);
            for (const [name, expected] of Object.entries(RESULTS)) {
              assert.deepEqual(JSON.parse(run.results.get(name) ?? 'null'), expected, `result of ${name}`);
            }
          });

          it('fails and rejects with the same errors, and leaves an ignored rejection unhandled', () => {
            const errors = ['syntax-error', 'unknown-table', 'wrong-type', 'callback-error'].map((name) => JSON.parse(run.results.get(name)!));
            assert.deepEqual(
              errors.map((e: { code: string; class: string }) => [e.code, e.class]),
              [['42601', 'DatabaseError'], ['42P01', 'DatabaseError'], ['22P02', 'DatabaseError'], ['42P01', 'DatabaseError']],
            );
            assert.equal(JSON.parse(run.results.get('callback-error')!).isDatabaseError, true);
            assert.equal(run.unhandled, '1 42P01');
            assert.equal(run.unhandled, baseline.unhandled);
          });

          it('runs every callback in the context of its caller', () => {
            assert.deepEqual([...run.contexts.keys()].sort(), [...CALLBACK_CASES].sort());
            for (const [name, verdict] of run.contexts) assert.equal(verdict, 'ok', `callback of ${name}`);
          });

          for (const [name, expected] of Object.entries(CASES)) {
            it(`case ${name}: ${expected.map((e) => e.name).join(', ')}`, () => {
              assertTree(run.spans, caseSpan(run, name), expected, name, server, closedPort);
            });
          }

          it('makes exactly the spans above, plus root spans for the queries outside any span', () => {
            const pg = pgSpans(run.spans);
            const roots = pg.filter((s) => s.parentSpanId === undefined);
            // The setup: connect, DROP, CREATE, INSERT; then the `root` case.
            assert.deepEqual(
              roots.map((s) => s.name),
              ['connect', 'DROP TABLE otelite_users', 'CREATE TABLE otelite_users', 'INSERT otelite_users', 'SELECT'],
            );
            assert.equal(roots[4].attributes['db.query.text'], 'SELECT ? AS root_probe');
            const count = (list: Expected[]): number => list.reduce((n, e) => n + 1 + count(e.children ?? []), 0);
            assert.equal(pg.length, roots.length + Object.values(CASES).reduce((n, list) => n + count(list), 0));
          });

          it('ends the pool wait before the query it serves starts', () => {
            const [connect, query] = childrenOf(run.spans, caseSpan(run, 'pool-query'));
            assert.ok(connect.endTimeUnixNano <= query.startTimeUnixNano);
            const [newConnection] = childrenOf(run.spans, connect);
            assert.ok(newConnection.endTimeUnixNano <= connect.endTimeUnixNano);
          });

          it('exports no literal and no bound value, anywhere', () => {
            assert.match(run.stdout, /b0und-value/, 'the app did use the bound value');
            for (const span of run.spans) {
              for (const value of exportedStrings(span)) {
                for (const secret of SECRETS) assert.ok(!value.includes(secret), `"${span.name}" exports ${secret}: ${value}`);
              }
            }
          });
        });
      }
    });
  }
});
