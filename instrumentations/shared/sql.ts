import {
  SqlScanner,
  TOKEN_COMMA,
  TOKEN_COMMENT,
  TOKEN_DOT,
  TOKEN_END,
  TOKEN_LITERAL,
  TOKEN_LPAREN,
  TOKEN_QUOTED,
  TOKEN_RPAREN,
  TOKEN_SEMICOLON,
  TOKEN_UNTERMINATED,
  TOKEN_WORD,
  type TokenKind,
} from './sql-scanner';

/**
 * SQL text for database spans, by the semantic conventions ("Sanitization of db.query.text",
 * "Generating a summary of the query"). Pure functions over PostgreSQL's lexical rules (which
 * cover standard SQL), for every SQL client instrumentation. Both run in one pass over the text,
 * in time linear in its length, whatever it holds (sql-scanner.ts).
 */

/**
 * `db.query.text` for a statement sent WITHOUT bind values: every literal (strings in all their
 * forms: '…', E'…', B'…', X'…', N'…', U&'…', $$…$$, $tag$…$tag$; numbers, including hex, octal,
 * binary and exponents; TRUE and FALSE) becomes `?`, and comments are removed (they are free
 * text, and may hold anything). Identifiers, quoted identifiers, keywords, operators, `$1` and
 * `?` parameters and the layout are kept as written. A quoted identifier that never closes is
 * replaced too, since it swallows the rest of the text. Returns `text` itself when nothing changes.
 *
 * A statement sent WITH bind values is not sanitized (the conventions: the parameters carry the
 * data, and the static text is worth keeping); the caller decides which case it has.
 */
export function sanitizeSql(text: string): string {
  const scanner = new SqlScanner(text);
  let out = '';
  let copied = 0;
  let changed = false;
  for (let kind = scanner.next(); kind !== TOKEN_END; kind = scanner.next()) {
    if (kind === TOKEN_LITERAL || kind === TOKEN_UNTERMINATED) {
      out += text.slice(copied, scanner.start) + '?';
      copied = scanner.end;
      changed = true;
    } else if (kind === TOKEN_COMMENT) {
      out += text.slice(copied, scanner.start);
      copied = scanner.end;
      changed = true;
      // Keep the tokens on either side apart: `SELECT/*c*/1` is `SELECT ?`, not `SELECT?`.
      if (scanner.start > 0 && scanner.end < text.length && !isSpaceAt(text, scanner.start - 1) && !isSpaceAt(text, scanner.end)) {
        out += ' ';
      }
    }
  }
  return changed ? out + text.slice(copied) : text;
}

function isSpaceAt(text: string, index: number): boolean {
  const c = text.charCodeAt(index);
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** The conventions cap a generated summary at 255 characters, never cutting a part in two. */
export const MAX_SUMMARY_LENGTH = 255;

/**
 * `db.query.summary`: the operations and their targets in the order they appear
 * (`{operation} {target} {operation} {target} …`), as written (no case normalization):
 *
 * - `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `MERGE` wherever they start a (sub)query; targets
 *   are the tables after FROM (each of a comma list), JOIN, INTO, UPDATE, and DELETE's / MERGE's
 *   USING, schema-qualified and quoted as written, without aliases;
 * - a derived table (`FROM (SELECT …) t`), a function in FROM (`generate_series(…)`) and a CTE
 *   name are not collections: they add no target (the subquery adds its own operations);
 * - `CREATE` / `ALTER` / `DROP` take their object type (`CREATE TABLE users`,
 *   `DROP MATERIALIZED VIEW v`) and continue into the query of `… AS SELECT`;
 * - `TRUNCATE`, `COPY`, `LOCK` and `CALL` take their table or procedure; `EXPLAIN`, `PREPARE`
 *   and `DECLARE` precede the statement they wrap; other known commands (`BEGIN`, `COMMIT`,
 *   `SET`, `GRANT`, …) are the operation alone;
 * - a statement that starts with no known command adds nothing. Literals, parameters and
 *   comments never reach the summary.
 *
 * Several statements (`BEGIN; …`) are summarized in turn. Returns '' when nothing was found.
 */
export function summarizeSql(text: string): string {
  return new Summarizer(text).run();
}

interface Level {
  /** The first of SELECT / INSERT / UPDATE / DELETE / MERGE seen at this level, upper case. */
  op: string;
  /** FROM and JOIN apply: this level is a query, not a function's arguments (`EXTRACT(YEAR FROM d)`). */
  query: boolean;
  /** In a FROM / USING list: a comma introduces another table. */
  fromList: boolean;
  joined: boolean;
  /** The next name is a target. */
  expectTable: boolean;
  /** Just after a target: a word that is not a clause keyword is its alias. */
  afterTable: boolean;
  /** Opened in a table position (a derived table or a function in FROM): an alias may follow its `)`. */
  derived: boolean;
  /** WITH: 1 = a CTE name comes next, 2 = inside a CTE definition. */
  cte: number;
}

function level(): Level {
  return { op: '', query: false, fromList: false, joined: false, expectTable: false, afterTable: false, derived: false, cte: 0 };
}

/** `CONCURRENTLY`, `MATERIALIZED`: no keyword this file looks for is longer. */
const LONGEST_KEYWORD = 12;

/**
 * Parentheses nested deeper than this are counted, not given a level each: hostile input (a
 * megabyte of `(`) then costs no memory per parenthesis, and no garbage collection that grows
 * faster than the input. No query a person writes comes near it.
 */
const MAX_LEVELS = 64;

const MODE_START = 0;
const MODE_DML = 1;
const MODE_DDL = 2;
const MODE_SKIP = 3;

/** Words that end a table list or follow a table name (so they are never an alias). */
const CLAUSE_WORDS = new Set([
  'WHERE', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'NATURAL', 'OUTER', 'ON', 'USING', 'GROUP', 'ORDER',
  'HAVING', 'LIMIT', 'OFFSET', 'FETCH', 'FOR', 'UNION', 'INTERSECT', 'EXCEPT', 'WINDOW', 'RETURNING', 'SET', 'VALUES',
  'SELECT', 'DEFAULT', 'TABLESAMPLE', 'WHEN', 'OVERRIDING', 'WITH', 'AS', 'FROM', 'INTO', 'INSERT', 'UPDATE', 'DELETE',
  'MERGE', 'THEN', 'DO', 'ONLY', 'LATERAL',
]);
/** Words that end a FROM list. */
const LIST_END_WORDS = new Set([
  'WHERE', 'GROUP', 'ORDER', 'HAVING', 'LIMIT', 'OFFSET', 'FETCH', 'FOR', 'UNION', 'INTERSECT', 'EXCEPT', 'WINDOW',
  'RETURNING', 'SET', 'VALUES', 'WHEN', 'DEFAULT', 'ON',
]);
/** Commands summarized as the command alone. */
const PLAIN_COMMANDS = new Set([
  'BEGIN', 'COMMIT', 'ROLLBACK', 'END', 'START', 'ABORT', 'SAVEPOINT', 'RELEASE', 'SET', 'SHOW', 'RESET', 'EXECUTE',
  'DEALLOCATE', 'LISTEN', 'NOTIFY', 'UNLISTEN', 'VACUUM', 'ANALYZE', 'ANALYSE', 'DISCARD', 'DO', 'FETCH', 'MOVE',
  'CLOSE', 'REINDEX', 'CLUSTER', 'CHECKPOINT', 'REFRESH', 'COMMENT', 'GRANT', 'REVOKE', 'LOAD', 'SECURITY', 'IMPORT',
  'REASSIGN',
]);
const DDL_MODIFIERS = new Set([
  'OR', 'REPLACE', 'GLOBAL', 'LOCAL', 'TEMP', 'TEMPORARY', 'UNLOGGED', 'UNIQUE', 'RECURSIVE', 'TRUSTED', 'PROCEDURAL',
]);
/** Object types written in two words: `MATERIALIZED VIEW`, `FOREIGN TABLE`, `EVENT TRIGGER`, `ACCESS METHOD`. */
const DDL_TWO_WORD_TYPES = new Set(['MATERIALIZED', 'FOREIGN', 'EVENT', 'ACCESS']);
const DDL_NAME_SKIP = new Set(['IF', 'NOT', 'EXISTS', 'CONCURRENTLY', 'ONLY']);
/** UPDATE after these is not a statement: `ON CONFLICT DO UPDATE`, MERGE's `THEN UPDATE`, `FOR [NO KEY] UPDATE`. */
const NOT_AN_UPDATE_AFTER = new Set(['DO', 'THEN', 'FOR', 'KEY']);

class Summarizer {
  private readonly scanner: SqlScanner;
  private summary = '';
  private full = false;
  private levels: Level[] = [level()];
  /** Parentheses open beyond MAX_LEVELS (see there). */
  private untracked = 0;
  private mode = MODE_START;
  /** The word just before the current token ('' after any other token), upper case. */
  private previous = '';
  /** The current token, upper case, if it is a word. */
  private current = '';
  /** CTE names of the current statement, normalized (see `cteKey`). */
  private ctes: Set<string> | undefined;
  /** A name being read (`schema.table`), its parts joined so far; and whether a `.` wants a part. */
  private name: string | undefined;
  private nameWantsPart = false;
  /** The name is a DDL object or a single target, not a FROM item (a `(` after it is no function call). */
  private nameIsFromItem = false;
  private skipAlias = false;
  /** The `(` that comes next opens the arguments of a function in FROM. */
  private functionCall = false;
  /** DDL: 0 = modifiers or object type next, 1 = the second word of the type, 2 = the name, 3 = the rest. */
  private ddlStep = 0;
  private ddlOp = '';
  private ddlAs = false;
  private depth = 0;

  constructor(private readonly text: string) {
    this.scanner = new SqlScanner(text);
  }

  run(): string {
    const scanner = this.scanner;
    for (let kind = scanner.next(); kind !== TOKEN_END && !this.full; kind = scanner.next()) {
      if (kind === TOKEN_COMMENT) continue;
      this.current = kind === TOKEN_WORD ? this.upperWord() : '';
      this.token(kind);
      this.previous = this.current;
    }
    if (!this.full && this.name !== undefined) this.finishName(TOKEN_END);
    return this.summary;
  }

  private word(): string {
    return this.text.slice(this.scanner.start, this.scanner.end);
  }

  /** The current word in upper case, for keyword tests ('' for a word too long to be a keyword). */
  private upper(): string {
    return this.current;
  }

  private upperWord(): string {
    const { start, end } = this.scanner;
    return end - start > LONGEST_KEYWORD ? '' : this.text.slice(start, end).toUpperCase();
  }

  private get top(): Level {
    return this.levels[this.levels.length - 1];
  }

  private add(part: string): void {
    const length = this.summary.length === 0 ? part.length : this.summary.length + 1 + part.length;
    if (length > MAX_SUMMARY_LENGTH) {
      this.full = true;
      return;
    }
    this.summary = this.summary.length === 0 ? part : `${this.summary} ${part}`;
  }

  private token(kind: TokenKind): void {
    if (kind === TOKEN_SEMICOLON) {
      if (this.name !== undefined) this.finishName(kind);
      this.reset();
      return;
    }
    if (this.name !== undefined) {
      if (kind === TOKEN_DOT && !this.nameWantsPart) {
        this.name += '.';
        this.nameWantsPart = true;
        return;
      }
      if ((kind === TOKEN_WORD || kind === TOKEN_QUOTED) && this.nameWantsPart) {
        this.name += this.word();
        this.nameWantsPart = false;
        return;
      }
      this.finishName(kind);
    }
    switch (this.mode) {
      case MODE_START:
        this.start(kind);
        return;
      case MODE_DML:
        this.dml(kind);
        return;
      case MODE_DDL:
        this.ddl(kind);
        return;
      default:
        return;
    }
  }

  private reset(): void {
    this.levels = [level()];
    this.untracked = 0;
    this.mode = MODE_START;
    this.ctes = undefined;
    this.skipAlias = false;
    this.functionCall = false;
    this.ddlStep = 0;
    this.ddlAs = false;
    this.depth = 0;
  }

  /** The first token of a statement decides what kind of statement it is. */
  private start(kind: TokenKind): void {
    if (kind === TOKEN_LPAREN) {
      // `(SELECT …) UNION (SELECT …)`
      this.mode = MODE_DML;
      this.dml(kind);
      return;
    }
    if (kind !== TOKEN_WORD) {
      this.mode = MODE_SKIP;
      return;
    }
    const upper = this.upper();
    const top = this.top;
    switch (upper) {
      case 'SELECT':
      case 'INSERT':
      case 'UPDATE':
      case 'DELETE':
      case 'MERGE':
      case 'WITH':
        this.mode = MODE_DML;
        this.dml(kind);
        return;
      case 'VALUES':
      case 'EXPLAIN':
      case 'PREPARE':
      case 'DECLARE':
        this.add(this.word());
        this.mode = MODE_DML;
        return;
      case 'TABLE':
      case 'COPY':
      case 'CALL':
      case 'LOCK':
      case 'TRUNCATE':
        this.add(this.word());
        this.mode = MODE_DML;
        top.expectTable = true;
        top.fromList = upper === 'TRUNCATE' || upper === 'LOCK';
        return;
      case 'CREATE':
      case 'ALTER':
      case 'DROP':
        this.mode = MODE_DDL;
        this.ddlStep = 0;
        this.ddlOp = this.word();
        return;
      default:
        if (PLAIN_COMMANDS.has(upper)) this.add(this.word());
        this.mode = MODE_SKIP;
    }
  }

  private dml(kind: TokenKind): void {
    const top = this.top;
    if (kind === TOKEN_WORD) {
      this.dmlWord(top);
      return;
    }
    if (kind === TOKEN_QUOTED) {
      if (this.skipAlias || top.afterTable) {
        this.skipAlias = false;
        top.afterTable = false;
      } else if (top.cte === 1) {
        this.cte(this.word(), 2);
      } else if (top.expectTable) {
        this.beginName(top);
      }
      return;
    }
    this.skipAlias = false;
    top.afterTable = false;
    switch (kind) {
      case TOKEN_LPAREN: {
        if (this.levels.length >= MAX_LEVELS) {
          this.untracked++;
          this.functionCall = false;
          return;
        }
        const inner = level();
        if (this.functionCall) {
          inner.derived = true;
          this.functionCall = false;
        } else if (top.expectTable) {
          // A derived table, a parenthesized join, COPY (query): table position inside too.
          inner.derived = true;
          inner.expectTable = true;
          inner.fromList = true;
          inner.query = true;
          top.expectTable = false;
        }
        this.levels.push(inner);
        return;
      }
      case TOKEN_RPAREN:
        if (this.untracked > 0) {
          this.untracked--;
          return;
        }
        if (this.levels.length > 1) {
          const closed = this.levels.pop()!;
          if (closed.derived) this.top.afterTable = true;
        }
        return;
      case TOKEN_COMMA:
        if (top.cte === 2) top.cte = 1;
        else if (top.fromList) top.expectTable = true;
        return;
      default:
        return;
    }
  }

  private dmlWord(top: Level): void {
    const upper = this.upper();
    if (this.skipAlias) {
      this.skipAlias = false;
      return;
    }
    if (top.cte === 1) {
      if (upper !== 'RECURSIVE') this.cte(this.word(), 2);
      return;
    }
    if (top.cte === 2) {
      if (upper === 'AS' || upper === 'NOT' || upper === 'MATERIALIZED') return;
      top.cte = 0;
    }
    if (top.afterTable) {
      top.afterTable = false;
      if (upper === 'AS') {
        this.skipAlias = true;
        return;
      }
      if (!CLAUSE_WORDS.has(upper)) return; // an alias
    }
    if (top.expectTable) {
      if (upper === 'ONLY' || upper === 'LATERAL' || upper === 'TABLE') return;
      if (!CLAUSE_WORDS.has(upper)) {
        this.beginName(top);
        return;
      }
      top.expectTable = false;
    }
    switch (upper) {
      case 'WITH':
        top.cte = 1;
        return;
      case 'SELECT':
        this.operation(top, upper);
        top.fromList = false;
        return;
      case 'INSERT':
        if (this.previous !== 'THEN') this.operation(top, upper);
        return;
      case 'DELETE':
        if (this.previous !== 'THEN' && this.previous !== 'ON') this.operation(top, upper);
        return;
      case 'MERGE':
        this.operation(top, upper);
        return;
      case 'UPDATE':
        if (NOT_AN_UPDATE_AFTER.has(this.previous) || this.previous === 'ON') return;
        this.operation(top, upper);
        top.expectTable = true;
        top.fromList = false;
        return;
      case 'INTO':
        if (top.op === 'INSERT' || top.op === 'MERGE' || top.op === 'SELECT') {
          top.expectTable = true;
          top.fromList = false;
        }
        return;
      case 'FROM':
        if (top.query && this.previous !== 'DISTINCT') {
          top.expectTable = true;
          top.fromList = true;
        }
        return;
      case 'JOIN':
        if (top.query) {
          top.expectTable = true;
          top.fromList = true;
          top.joined = true;
        }
        return;
      case 'USING':
        if ((top.op === 'DELETE' || top.op === 'MERGE') && !top.joined) {
          top.expectTable = true;
          top.fromList = top.op === 'DELETE';
        }
        return;
      default:
        if (LIST_END_WORDS.has(upper) && upper !== 'ON') top.fromList = false;
    }
  }

  private operation(top: Level, upper: string): void {
    this.add(this.word());
    if (top.op === '') top.op = upper;
    top.query = true;
  }

  private cte(name: string, next: number): void {
    (this.ctes ??= new Set()).add(cteKey(name));
    this.top.cte = next;
  }

  private beginName(top: Level): void {
    this.name = this.word();
    this.nameWantsPart = false;
    this.nameIsFromItem = top.fromList;
    top.expectTable = false;
  }

  /** The name is complete; `next` is the token after it, not yet handled. */
  private finishName(next: TokenKind): void {
    const name = this.name!;
    this.name = undefined;
    if (this.mode === MODE_DDL) {
      this.add(name);
      return;
    }
    const top = this.top;
    if (next === TOKEN_LPAREN && this.nameIsFromItem) {
      // A function in FROM (`generate_series(1, 3) g`): no collection; an alias may follow it.
      this.functionCall = true;
      return;
    }
    if (this.ctes === undefined || !this.ctes.has(cteKey(name))) this.add(name);
    top.afterTable = true;
  }

  private ddl(kind: TokenKind): void {
    if (this.ddlStep < 2) {
      if (kind !== TOKEN_WORD) {
        this.add(this.ddlOp);
        this.ddlStep = 3;
        this.ddlTail(kind);
        return;
      }
      const upper = this.upper();
      if (this.ddlStep === 0 && DDL_MODIFIERS.has(upper)) return;
      this.ddlOp += ` ${this.word()}`;
      if (this.ddlStep === 0 && DDL_TWO_WORD_TYPES.has(upper)) {
        this.ddlStep = 1;
        return;
      }
      this.add(this.ddlOp);
      this.ddlStep = 2;
      return;
    }
    if (this.ddlStep === 2) {
      if (kind === TOKEN_WORD) {
        const upper = this.upper();
        if (DDL_NAME_SKIP.has(upper)) return;
        this.ddlStep = 3;
        if (upper !== 'ON' && upper !== 'TO') {
          this.name = this.word();
          this.nameWantsPart = false;
          this.nameIsFromItem = false;
        }
        return;
      }
      this.ddlStep = 3;
      if (kind === TOKEN_QUOTED) {
        this.name = this.word();
        this.nameWantsPart = false;
        this.nameIsFromItem = false;
        return;
      }
    }
    this.ddlTail(kind);
  }

  /** After the object's name only `AS <query>` (CREATE VIEW / TABLE ... AS SELECT) matters. */
  private ddlTail(kind: TokenKind): void {
    if (kind === TOKEN_LPAREN) this.depth++;
    else if (kind === TOKEN_RPAREN) this.depth--;
    if (this.depth !== 0) return;
    if (this.ddlAs) {
      this.ddlAs = false;
      if (kind === TOKEN_WORD) {
        const upper = this.upper();
        if (upper === 'SELECT' || upper === 'WITH' || upper === 'VALUES' || upper === 'TABLE') {
          this.mode = MODE_DML;
          this.dml(kind);
        }
      }
      return;
    }
    if (kind === TOKEN_WORD && this.upper() === 'AS') this.ddlAs = true;
  }
}

/** CTE names as PostgreSQL compares them: unquoted names fold to lower case. */
function cteKey(name: string): string {
  return name.charCodeAt(0) === 0x22 ? name : name.toLowerCase();
}
