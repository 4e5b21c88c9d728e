import assert from 'node:assert/strict';
import { MAX_SUMMARY_LENGTH, sanitizeSql, summarizeSql } from '../../instrumentations/shared/sql';

/** [statement, sanitized db.query.text, db.query.summary] */
type Row = [string, string, string];

const LITERALS: Row[] = [
  ["SELECT * FROM users WHERE name = 'alice'", 'SELECT * FROM users WHERE name = ?', 'SELECT users'],
  ["SELECT 'it''s', 'a\\'", 'SELECT ?, ?', 'SELECT'],
  ["SELECT E'it\\'s \\\\ here', 1", 'SELECT ?, ?', 'SELECT'],
  ["SELECT e'x', N'y', n'z'", 'SELECT ?, ?, ?', 'SELECT'],
  ["SELECT B'0101', b'1', X'1F', x'ff'", 'SELECT ?, ?, ?, ?', 'SELECT'],
  ["SELECT U&'d\\0061t\\+000061', U&\"d\\0061t\" FROM t", 'SELECT ?, U&"d\\0061t" FROM t', 'SELECT t'],
  ['SELECT $$a secret$$, $body$ it\'s $$ nested $body$', 'SELECT ?, ?', 'SELECT'],
  ['SELECT 42, -7, 3.14, .5, 5., 1e10, 2.5E-3, 1_000_000', 'SELECT ?, -?, ?, ?, ?, ?, ?, ?', 'SELECT'],
  ['SELECT 0x1F, 0o17, 0b101, 0XFF', 'SELECT ?, ?, ?, ?', 'SELECT'],
  ['SELECT 123abc', 'SELECT ?', 'SELECT'],
  ['SELECT * FROM t WHERE a = TRUE OR b = false AND c IS NULL', 'SELECT * FROM t WHERE a = ? OR b = ? AND c IS NULL', 'SELECT t'],
  ["SELECT DATE '2024-01-01', INTERVAL '1 day', TIMESTAMP '2024-01-01 10:00'", 'SELECT DATE ?, INTERVAL ?, TIMESTAMP ?', 'SELECT'],
  ["SELECT '{1,2}'::int[], ARRAY[1, 2]", 'SELECT ?::int[], ARRAY[?, ?]', 'SELECT'],
  ['SELECT t1.c2, col_3, "x1" FROM t1', 'SELECT t1.c2, col_3, "x1" FROM t1', 'SELECT t1'],
  ["SELECT 'unterminated", 'SELECT ?', 'SELECT'],
  ['SELECT $$never closed', 'SELECT ?', 'SELECT'],
  ['SELECT "never closed FROM t WHERE x = 1', 'SELECT ?', 'SELECT'],
];

const COMMENTS: Row[] = [
  ["SELECT 1 -- the 'secret' is here\nFROM t", 'SELECT ? \nFROM t', 'SELECT t'],
  ["SELECT /* 'secret' */ a FROM t", 'SELECT  a FROM t', 'SELECT t'],
  ['SELECT/*c*/1', 'SELECT ?', 'SELECT'],
  ['SELECT /* outer /* inner */ still comment */ 1', 'SELECT  ?', 'SELECT'],
  ['/* leading */ UPDATE t SET a = 1', ' UPDATE t SET a = ?', 'UPDATE t'],
  ['SELECT a - -1, a--b\nFROM t', 'SELECT a - -?, a\nFROM t', 'SELECT t'],
];

const PARAMETERS: Row[] = [
  ['SELECT * FROM users WHERE id = $1 AND name = $2', 'SELECT * FROM users WHERE id = $1 AND name = $2', 'SELECT users'],
  ['SELECT * FROM users WHERE id = ?', 'SELECT * FROM users WHERE id = ?', 'SELECT users'],
  ['SELECT $1::int, $12', 'SELECT $1::int, $12', 'SELECT'],
  ['SELECT a$b, "weird""name" FROM t', 'SELECT a$b, "weird""name" FROM t', 'SELECT t'],
];

const STATEMENTS: Row[] = [
  ['INSERT INTO orders (id, note) VALUES (1, \'x\')', 'INSERT INTO orders (id, note) VALUES (?, ?)', 'INSERT orders'],
  ['insert into orders(id) values ($1)', 'insert into orders(id) values ($1)', 'insert orders'],
  [
    'INSERT INTO shipping_details (order_id, address) SELECT order_id, address FROM orders WHERE order_id = 5',
    'INSERT INTO shipping_details (order_id, address) SELECT order_id, address FROM orders WHERE order_id = ?',
    'INSERT shipping_details SELECT orders',
  ],
  [
    "INSERT INTO t (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET note = 'n' RETURNING id",
    'INSERT INTO t (id) VALUES (?) ON CONFLICT (id) DO UPDATE SET note = ? RETURNING id',
    'INSERT t',
  ],
  ['UPDATE ONLY users AS u SET name = $1 FROM teams t WHERE t.id = u.team', 'UPDATE ONLY users AS u SET name = $1 FROM teams t WHERE t.id = u.team', 'UPDATE users teams'],
  ['DELETE FROM sessions USING users WHERE sessions.uid = users.id', 'DELETE FROM sessions USING users WHERE sessions.uid = users.id', 'DELETE sessions users'],
  [
    'MERGE INTO stock s USING deliveries d ON s.id = d.id WHEN MATCHED THEN UPDATE SET n = s.n + d.n WHEN NOT MATCHED THEN INSERT VALUES (d.id, d.n)',
    'MERGE INTO stock s USING deliveries d ON s.id = d.id WHEN MATCHED THEN UPDATE SET n = s.n + d.n WHEN NOT MATCHED THEN INSERT VALUES (d.id, d.n)',
    'MERGE stock deliveries',
  ],
  ['SELECT * FROM songs, artists WHERE songs.artist_id = artists.id', 'SELECT * FROM songs, artists WHERE songs.artist_id = artists.id', 'SELECT songs artists'],
  ['SELECT * FROM "song list", public.artists', 'SELECT * FROM "song list", public.artists', 'SELECT "song list" public.artists'],
  [
    'SELECT u.name, o.total FROM users u JOIN orders o ON o.user_id = u.id LEFT OUTER JOIN items AS i ON i.order_id = o.id',
    'SELECT u.name, o.total FROM users u JOIN orders o ON o.user_id = u.id LEFT OUTER JOIN items AS i ON i.order_id = o.id',
    'SELECT users orders items',
  ],
  ['SELECT * FROM a JOIN b USING (id), c', 'SELECT * FROM a JOIN b USING (id), c', 'SELECT a b c'],
  [
    'SELECT order_date FROM (SELECT * FROM orders o JOIN customers c ON o.customer_id = c.customer_id) AS x',
    'SELECT order_date FROM (SELECT * FROM orders o JOIN customers c ON o.customer_id = c.customer_id) AS x',
    'SELECT SELECT orders customers',
  ],
  ['SELECT * FROM users WHERE id IN (SELECT uid FROM bans WHERE until > now())', 'SELECT * FROM users WHERE id IN (SELECT uid FROM bans WHERE until > now())', 'SELECT users SELECT bans'],
  ['SELECT (SELECT max(x) FROM b) AS m FROM a', 'SELECT (SELECT max(x) FROM b) AS m FROM a', 'SELECT SELECT b a'],
  ['SELECT EXTRACT(YEAR FROM created) FROM events', 'SELECT EXTRACT(YEAR FROM created) FROM events', 'SELECT events'],
  ['SELECT * FROM a WHERE x IS DISTINCT FROM y', 'SELECT * FROM a WHERE x IS DISTINCT FROM y', 'SELECT a'],
  ['SELECT * FROM generate_series(1, 5) AS g(n)', 'SELECT * FROM generate_series(?, ?) AS g(n)', 'SELECT'],
  ['SELECT * FROM unnest(tags) t, labels', 'SELECT * FROM unnest(tags) t, labels', 'SELECT labels'],
  ['SELECT * FROM a, LATERAL (SELECT * FROM b WHERE b.a = a.id) x', 'SELECT * FROM a, LATERAL (SELECT * FROM b WHERE b.a = a.id) x', 'SELECT a SELECT b'],
  ['SELECT * FROM (VALUES (1, 2)) AS v(a, b)', 'SELECT * FROM (VALUES (?, ?)) AS v(a, b)', 'SELECT'],
  ['SELECT * FROM a UNION ALL SELECT * FROM b ORDER BY 1', 'SELECT * FROM a UNION ALL SELECT * FROM b ORDER BY ?', 'SELECT a SELECT b'],
  ['(SELECT 1 FROM a) UNION (SELECT 2 FROM b)', '(SELECT ? FROM a) UNION (SELECT ? FROM b)', 'SELECT a SELECT b'],
  ['SELECT * FROM accounts WHERE id = 1 FOR UPDATE OF accounts', 'SELECT * FROM accounts WHERE id = ? FOR UPDATE OF accounts', 'SELECT accounts'],
  ['SELECT * INTO archive FROM events', 'SELECT * INTO archive FROM events', 'SELECT archive events'],
  ['SELECT * FROM a JOIN (b JOIN c ON b.x = c.x) ON a.y = b.y', 'SELECT * FROM a JOIN (b JOIN c ON b.x = c.x) ON a.y = b.y', 'SELECT a b c'],
];

const CTES: Row[] = [
  [
    'WITH recent AS (SELECT * FROM orders WHERE day > 3) SELECT * FROM recent JOIN users ON users.id = recent.uid',
    'WITH recent AS (SELECT * FROM orders WHERE day > ?) SELECT * FROM recent JOIN users ON users.id = recent.uid',
    'SELECT orders SELECT users',
  ],
  [
    'WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM t WHERE n < 100) SELECT sum(n) FROM t',
    'WITH RECURSIVE t(n) AS (VALUES (?) UNION ALL SELECT n + ? FROM t WHERE n < ?) SELECT sum(n) FROM t',
    'SELECT SELECT',
  ],
  [
    'WITH moved AS (DELETE FROM inbox WHERE done RETURNING *), b AS MATERIALIZED (SELECT 1) INSERT INTO archive SELECT * FROM moved',
    'WITH moved AS (DELETE FROM inbox WHERE done RETURNING *), b AS MATERIALIZED (SELECT ?) INSERT INTO archive SELECT * FROM moved',
    'DELETE inbox SELECT INSERT archive SELECT',
  ],
  ['WITH "Q" AS (SELECT 1) SELECT * FROM "Q", q', 'WITH "Q" AS (SELECT ?) SELECT * FROM "Q", q', 'SELECT SELECT q'],
];

const OTHER_STATEMENTS: Row[] = [
  ['CREATE TABLE users (id serial PRIMARY KEY, name text DEFAULT \'x\')', 'CREATE TABLE users (id serial PRIMARY KEY, name text DEFAULT ?)', 'CREATE TABLE users'],
  ['CREATE TEMP TABLE IF NOT EXISTS s.t (a int)', 'CREATE TEMP TABLE IF NOT EXISTS s.t (a int)', 'CREATE TABLE s.t'],
  ['create or replace view v as select * from t', 'create or replace view v as select * from t', 'create view v select t'],
  ['CREATE MATERIALIZED VIEW mv AS SELECT * FROM t', 'CREATE MATERIALIZED VIEW mv AS SELECT * FROM t', 'CREATE MATERIALIZED VIEW mv SELECT t'],
  ['CREATE TABLE t2 AS SELECT * FROM t1', 'CREATE TABLE t2 AS SELECT * FROM t1', 'CREATE TABLE t2 SELECT t1'],
  ['CREATE UNIQUE INDEX CONCURRENTLY idx ON t (a)', 'CREATE UNIQUE INDEX CONCURRENTLY idx ON t (a)', 'CREATE INDEX idx'],
  ['CREATE INDEX ON t (a)', 'CREATE INDEX ON t (a)', 'CREATE INDEX'],
  [
    'CREATE FUNCTION f(x int) RETURNS int AS $$ SELECT x + 1 FROM secret_table $$ LANGUAGE sql',
    'CREATE FUNCTION f(x int) RETURNS int AS ? LANGUAGE sql',
    'CREATE FUNCTION f',
  ],
  ['CREATE TABLE c (p int REFERENCES p(id) ON DELETE CASCADE ON UPDATE SET NULL)', 'CREATE TABLE c (p int REFERENCES p(id) ON DELETE CASCADE ON UPDATE SET NULL)', 'CREATE TABLE c'],
  ['ALTER TABLE ONLY users ADD COLUMN age int', 'ALTER TABLE ONLY users ADD COLUMN age int', 'ALTER TABLE users'],
  ['DROP TABLE IF EXISTS a, b CASCADE', 'DROP TABLE IF EXISTS a, b CASCADE', 'DROP TABLE a'],
  ['TRUNCATE TABLE a, b RESTART IDENTITY', 'TRUNCATE TABLE a, b RESTART IDENTITY', 'TRUNCATE a b'],
  ['COPY users (id, name) FROM STDIN', 'COPY users (id, name) FROM STDIN', 'COPY users'],
  ['COPY (SELECT * FROM users) TO STDOUT', 'COPY (SELECT * FROM users) TO STDOUT', 'COPY SELECT users'],
  ['CALL refresh_stats(1, \'a\')', 'CALL refresh_stats(?, ?)', 'CALL refresh_stats'],
  ['LOCK TABLE accounts IN SHARE MODE', 'LOCK TABLE accounts IN SHARE MODE', 'LOCK accounts'],
  ['EXPLAIN ANALYZE SELECT * FROM t', 'EXPLAIN ANALYZE SELECT * FROM t', 'EXPLAIN SELECT t'],
  ['PREPARE q (int) AS SELECT * FROM t WHERE id = $1', 'PREPARE q (int) AS SELECT * FROM t WHERE id = $1', 'PREPARE SELECT t'],
  ['BEGIN', 'BEGIN', 'BEGIN'],
  ["BEGIN; INSERT INTO t VALUES (1); COMMIT", 'BEGIN; INSERT INTO t VALUES (?); COMMIT', 'BEGIN INSERT t COMMIT'],
  ["SET search_path TO 'app'", 'SET search_path TO ?', 'SET'],
  ['GRANT SELECT, UPDATE ON t TO bob', 'GRANT SELECT, UPDATE ON t TO bob', 'GRANT'],
  ['VALUES (1), (2)', 'VALUES (?), (?)', 'VALUES'],
  ['TABLE users', 'TABLE users', 'TABLE users'],
  ["SELEC 'x' FRM t", 'SELEC ? FRM t', ''],
  ['', '', ''],
  ['   ', '   ', ''],
];

function check(rows: Row[]): void {
  for (const [sql, sanitized, summary] of rows) {
    it(JSON.stringify(sql), () => {
      assert.equal(sanitizeSql(sql), sanitized, 'sanitized');
      assert.equal(summarizeSql(sql), summary, 'summary');
    });
  }
}

describe('shared/sql: sanitizeSql and summarizeSql', () => {
  describe('literals of every kind become ?', () => check(LITERALS));
  describe('comments are removed', () => check(COMMENTS));
  describe('parameters and identifiers are kept', () => check(PARAMETERS));
  describe('DML: operations and targets in order', () => check(STATEMENTS));
  describe('CTEs: the CTE names are not collections', () => check(CTES));
  describe('DDL and other commands', () => check(OTHER_STATEMENTS));

  it('returns the very same string when nothing needs replacing', () => {
    const sql = 'SELECT a FROM t WHERE id = $1';
    assert.equal(sanitizeSql(sql), sql);
  });

  it('never lets a literal into the summary, even where a name is expected', () => {
    assert.equal(summarizeSql("SELECT * FROM 'secret' JOIN $$x$$ ON 1 = 1"), 'SELECT');
    assert.equal(summarizeSql("INSERT INTO 's3cr3t' VALUES (1)"), 'INSERT');
  });

  it('caps the summary at 255 characters without cutting a part', () => {
    const tables = Array.from({ length: 60 }, (_, i) => `table_number_${i}`);
    const summary = summarizeSql(`SELECT * FROM ${tables.join(', ')}`);
    assert.ok(summary.length <= MAX_SUMMARY_LENGTH, `${summary.length}`);
    assert.ok(summary.length > MAX_SUMMARY_LENGTH - 'table_number_00'.length - 1, `${summary.length}`);
    const parts = summary.split(' ');
    assert.equal(parts[0], 'SELECT');
    assert.deepEqual(parts.slice(1), tables.slice(0, parts.length - 1));
  });

  describe('huge and hostile input, in linear time', () => {
    /** Runs `fn` on inputs of n and 4n characters: the larger must not take much more than 4x. */
    function assertLinear(make: (n: number) => string, fn: (sql: string) => unknown): void {
      const time = (sql: string): number => {
        let best = Infinity;
        for (let i = 0; i < 3; i++) {
          const start = process.hrtime.bigint();
          fn(sql);
          best = Math.min(best, Number(process.hrtime.bigint() - start));
        }
        return best;
      };
      // 16 times the input: linear work takes ~16 times as long, quadratic ~256 times. The
      // bound sits far from both, so a loaded machine does not fail it and a quadratic scan does.
      const small = time(make(100_000));
      const large = time(make(1_600_000));
      assert.ok(large < small * 64 + 5e6, `100k: ${small} ns, 1.6M: ${large} ns`);
    }

    it('a long IN list of literals', () => {
      const make = (n: number) => `SELECT * FROM t WHERE id IN (${'1234567, '.repeat(n / 9)}0)`;
      const sql = make(1_000_000);
      const sanitized = sanitizeSql(sql);
      assert.ok(!/\d/.test(sanitized));
      assert.equal(summarizeSql(sql), 'SELECT t');
      assertLinear(make, sanitizeSql);
      assertLinear(make, summarizeSql);
    });

    it('unterminated strings, comments and dollar quotes', () => {
      for (const opener of ["'", '/*', '$tag$', '"', "E'\\"]) {
        const sql = `SELECT ${opener}${'x'.repeat(1_000_000)}`;
        const sanitized = sanitizeSql(sql);
        assert.ok(sanitized.length < 20, `${opener}: ${sanitized.slice(0, 40)}`);
      }
      assertLinear((n) => `SELECT '${"''".repeat(n / 2)}`, sanitizeSql);
      assertLinear((n) => `SELECT ${'/*'.repeat(n / 2)}`, sanitizeSql);
    });

    it('deep nesting and many dollar signs', () => {
      assertLinear((n) => `SELECT ${'('.repeat(n / 2)}1${')'.repeat(n / 2)}`, summarizeSql);
      assertLinear((n) => `SELECT ${'$a'.repeat(n / 2)}`, sanitizeSql);
      assertLinear((n) => `SELECT ${'$a$ $b$ '.repeat(n / 8)}`, sanitizeSql);
      assertLinear((n) => `SELECT * FROM ${'t, '.repeat(n / 3)}u`, summarizeSql);
    });
  });
});
