import { sanitizeSql, summarizeSql } from '../shared/sql';

/** What a statement's text becomes on its span. */
export interface StatementInfo {
  /** `db.query.text`: as written when parameterized, else sanitized. */
  readonly text: string;
  /** `db.query.summary`; '' when none could be derived. */
  readonly summary: string;
}

/**
 * Apps send the same few statements over and over, so each distinct text is sanitized and
 * summarized once. Bounded: a long text (typically one with values inlined, hence rarely
 * repeated) is not kept, and a full cache starts over rather than tracking recency.
 */
const MAX_ENTRIES = 512;
const MAX_CACHED_TEXT = 8 * 1024;
const parameterized = new Map<string, StatementInfo>();
const plain = new Map<string, StatementInfo>();

export function statementInfo(text: string, hasValues: boolean): StatementInfo {
  const cache = hasValues ? parameterized : plain;
  let info = cache.get(text);
  if (info === undefined) {
    info = { text: hasValues ? text : sanitizeSql(text), summary: summarizeSql(text) };
    if (text.length <= MAX_CACHED_TEXT) {
      if (cache.size >= MAX_ENTRIES) cache.clear();
      cache.set(text, info);
    }
  }
  return info;
}
