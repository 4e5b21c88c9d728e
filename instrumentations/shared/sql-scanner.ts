/**
 * A single-pass SQL tokenizer (PostgreSQL lexical rules, which cover standard SQL), shared by
 * the sanitizer and the summarizer in sql.ts. It allocates nothing per token: `next()` returns
 * the kind and leaves the token's bounds in `start` / `end`. Every token is scanned in time
 * linear in its length, so a whole statement, however large or malformed, is linear too.
 */

export const TOKEN_END = 0;
/** An identifier or keyword. */
export const TOKEN_WORD = 1;
/** A quoted identifier: `"a b"`, `U&"d\0061t"`, or MySQL's `` `a` ``. */
export const TOKEN_QUOTED = 2;
/** A literal: string (every prefix form and dollar quoting), number, or TRUE / FALSE. */
export const TOKEN_LITERAL = 3;
/** A bind parameter: `$1`, `?`. */
export const TOKEN_PARAM = 4;
export const TOKEN_COMMENT = 5;
export const TOKEN_LPAREN = 6;
export const TOKEN_RPAREN = 7;
export const TOKEN_COMMA = 8;
export const TOKEN_DOT = 9;
export const TOKEN_SEMICOLON = 10;
/** An operator or other punctuation character. */
export const TOKEN_OTHER = 11;
/**
 * A quoted identifier that never closes: it runs to the end of the text, which may hold
 * literals, so the sanitizer treats it as one.
 */
export const TOKEN_UNTERMINATED = 12;

export type TokenKind = number;

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const VT = 0x0b;
const FF = 0x0c;
const CR = 0x0d;
const QUOTE = 0x27; // '
const DQUOTE = 0x22; // "
const BACKTICK = 0x60;
const BACKSLASH = 0x5c;
const DOLLAR = 0x24;
const DASH = 0x2d;
const SLASH = 0x2f;
const STAR = 0x2a;
const DOT = 0x2e;
const AMP = 0x26;
const PLUS = 0x2b;
const ZERO = 0x30;
const NINE = 0x39;
const UNDERSCORE = 0x5f;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function isLetter(c: number): boolean {
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x7a;
}

/** PostgreSQL: letters, `_`, and any non-ASCII character start an identifier. */
function isIdentStart(c: number): boolean {
  return isLetter(c) || c === UNDERSCORE || c >= 0x80;
}

/** ...and digits and `$` may follow. */
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === DOLLAR;
}

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR || c === FF || c === VT;
}

function isHexDigit(c: number): boolean {
  const lower = c | 0x20;
  return isDigit(c) || (lower >= 0x61 && lower <= 0x66);
}

export class SqlScanner {
  /** Bounds of the last token returned by `next()`. */
  start = 0;
  end = 0;
  private pos = 0;

  constructor(readonly text: string) {}

  next(): TokenKind {
    const text = this.text;
    const length = text.length;
    let pos = this.pos;
    while (pos < length && isSpace(text.charCodeAt(pos))) pos++;
    this.start = pos;
    if (pos >= length) {
      this.pos = this.end = length;
      return TOKEN_END;
    }
    const c = text.charCodeAt(pos);
    const c1 = pos + 1 < length ? text.charCodeAt(pos + 1) : -1;
    let kind: TokenKind;
    let end: number;

    if (c === DASH && c1 === DASH) {
      const newline = text.indexOf('\n', pos + 2);
      end = newline < 0 ? length : newline;
      kind = TOKEN_COMMENT;
    } else if (c === SLASH && c1 === STAR) {
      end = this.blockCommentEnd(pos);
      kind = TOKEN_COMMENT;
    } else if (c === QUOTE) {
      end = this.quotedEnd(pos, QUOTE, false);
      kind = TOKEN_LITERAL;
    } else if (c === DQUOTE || c === BACKTICK) {
      end = this.quotedEnd(pos, c, false);
      kind = end < 0 ? TOKEN_UNTERMINATED : TOKEN_QUOTED;
    } else if (c === DOLLAR) {
      if (isDigit(c1)) {
        end = pos + 1;
        while (end < length && isDigit(text.charCodeAt(end))) end++;
        kind = TOKEN_PARAM;
      } else {
        end = this.dollarQuoteEnd(pos);
        kind = end > pos ? TOKEN_LITERAL : TOKEN_OTHER;
        if (end <= pos) end = pos + 1;
      }
    } else if (isDigit(c) || (c === DOT && isDigit(c1))) {
      end = this.numberEnd(pos);
      kind = TOKEN_LITERAL;
    } else if (isIdentStart(c)) {
      end = pos + 1;
      while (end < length && isIdentPart(text.charCodeAt(end))) end++;
      kind = TOKEN_WORD;
      const after = end < length ? text.charCodeAt(end) : -1;
      if (end === pos + 1 && after === QUOTE) {
        // E'…' (backslash escapes), B'…' and X'…' (bit strings), N'…' (national).
        const prefix = c | 0x20;
        if (prefix === 0x65 || prefix === 0x62 || prefix === 0x78 || prefix === 0x6e) {
          end = this.quotedEnd(end, QUOTE, prefix === 0x65);
          kind = TOKEN_LITERAL;
        }
      } else if (end === pos + 1 && (c | 0x20) === 0x75 && after === AMP && end + 1 < length) {
        // U&'…' (a Unicode string literal) and U&"…" (a Unicode quoted identifier).
        const quote = text.charCodeAt(end + 1);
        if (quote === QUOTE) {
          end = this.quotedEnd(end + 1, QUOTE, false);
          kind = TOKEN_LITERAL;
        } else if (quote === DQUOTE) {
          end = this.quotedEnd(end + 1, DQUOTE, false);
          kind = end < 0 ? TOKEN_UNTERMINATED : TOKEN_QUOTED;
        }
      } else if (isBoolean(text, pos, end)) {
        kind = TOKEN_LITERAL;
      }
    } else {
      end = pos + 1;
      switch (c) {
        case 0x28:
          kind = TOKEN_LPAREN;
          break;
        case 0x29:
          kind = TOKEN_RPAREN;
          break;
        case 0x2c:
          kind = TOKEN_COMMA;
          break;
        case DOT:
          kind = TOKEN_DOT;
          break;
        case 0x3b:
          kind = TOKEN_SEMICOLON;
          break;
        case 0x3f:
          kind = TOKEN_PARAM;
          break;
        default:
          kind = TOKEN_OTHER;
      }
    }
    if (end < 0) end = length;
    this.pos = this.end = end;
    return kind;
  }

  /** `/* ... *\/`, nested as PostgreSQL nests them; an unclosed comment runs to the end. */
  private blockCommentEnd(start: number): number {
    const text = this.text;
    const length = text.length;
    let depth = 1;
    let i = start + 2;
    while (i < length) {
      const c = text.charCodeAt(i);
      if (c === STAR && i + 1 < length && text.charCodeAt(i + 1) === SLASH) {
        i += 2;
        if (--depth === 0) return i;
      } else if (c === SLASH && i + 1 < length && text.charCodeAt(i + 1) === STAR) {
        i += 2;
        depth++;
      } else {
        i++;
      }
    }
    return length;
  }

  /**
   * End of a quoted token opening at `start` (a doubled quote is an escaped quote; with
   * `backslash`, so is `\'`), or -1 when it never closes.
   */
  private quotedEnd(start: number, quote: number, backslash: boolean): number {
    const text = this.text;
    const length = text.length;
    let i = start + 1;
    while (i < length) {
      const c = text.charCodeAt(i);
      if (backslash && c === BACKSLASH) {
        i += 2;
      } else if (c === quote) {
        if (i + 1 < length && text.charCodeAt(i + 1) === quote) i += 2;
        else return i + 1;
      } else {
        i++;
      }
    }
    return -1;
  }

  /**
   * `$$...$$` or `$tag$...$tag$`: the end of the dollar-quoted string opening at `start` (the text's
   * end if it never closes), or `start` when the `$` opens no dollar quote.
   */
  private dollarQuoteEnd(start: number): number {
    const text = this.text;
    const length = text.length;
    let i = start + 1;
    if (i < length && isIdentStart(text.charCodeAt(i))) {
      i++;
      while (i < length) {
        const c = text.charCodeAt(i);
        if (!(isIdentStart(c) || isDigit(c))) break;
        i++;
      }
    }
    if (i >= length || text.charCodeAt(i) !== DOLLAR) return start;
    const tag = text.slice(start, i + 1);
    const close = text.indexOf(tag, i + 1);
    return close < 0 ? length : close + tag.length;
  }

  /**
   * Decimal (`42`, `3.5`, `.5`, `1e-3`, `1_000`) and prefixed (`0x1F`, `0o17`, `0b101`)
   * numbers. Identifier characters glued to a number (`123abc`) are taken with it, so nothing
   * of a malformed literal survives sanitization.
   */
  private numberEnd(start: number): number {
    const text = this.text;
    const length = text.length;
    let i = start;
    const c1 = start + 1 < length ? text.charCodeAt(start + 1) | 0x20 : -1;
    if (text.charCodeAt(start) === ZERO && (c1 === 0x78 || c1 === 0x6f || c1 === 0x62)) {
      i += 2;
      while (i < length && (isHexDigit(text.charCodeAt(i)) || text.charCodeAt(i) === UNDERSCORE)) i++;
    } else {
      while (i < length && (isDigit(text.charCodeAt(i)) || text.charCodeAt(i) === UNDERSCORE)) i++;
      if (i < length && text.charCodeAt(i) === DOT) {
        i++;
        while (i < length && (isDigit(text.charCodeAt(i)) || text.charCodeAt(i) === UNDERSCORE)) i++;
      }
      if (i < length && (text.charCodeAt(i) | 0x20) === 0x65) {
        let j = i + 1;
        const sign = j < length ? text.charCodeAt(j) : -1;
        if (sign === PLUS || sign === DASH) j++;
        if (j < length && isDigit(text.charCodeAt(j))) {
          i = j;
          while (i < length && isDigit(text.charCodeAt(i))) i++;
        }
      }
    }
    while (i < length && isIdentPart(text.charCodeAt(i))) i++;
    return i;
  }
}

/** `TRUE` or `FALSE` in any case. */
function isBoolean(text: string, start: number, end: number): boolean {
  const length = end - start;
  if (length !== 4 && length !== 5) return false;
  const first = text.charCodeAt(start) | 0x20;
  if (first !== 0x74 && first !== 0x66) return false;
  const word = text.slice(start, end).toUpperCase();
  return word === 'TRUE' || word === 'FALSE';
}
