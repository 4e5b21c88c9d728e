/**
 * Small typed parsers shared by every variable, and the reader that turns a parse failure
 * into exactly one warning. Pure: no I/O.
 */

import { didYouMean } from './suggest';
import type { ConfigIssue } from './types';

export type Env = Record<string, string | undefined>;

/**
 * A parse result. `ok` with a `problem` is a partial success (some list entries were dropped);
 * its `outcome` says what became of them, `using <value>` when not given.
 */
export type Parsed<T> = { ok: true; value: T; problem?: string; outcome?: string } | { ok: false; problem: string };
export type Parser<T> = (raw: string) => Parsed<T>;

export const ok = <T>(value: T, problem?: string, outcome?: string): Parsed<T> => {
  if (problem === undefined) return { ok: true, value };
  return outcome === undefined ? { ok: true, value, problem } : { ok: true, value, problem, outcome };
};
export const bad = (problem: string): Parsed<never> => ({ ok: false, problem });

/** Values are quoted as JSON strings (control characters escaped) and cut if very long. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 200 ? value.slice(0, 200) + '…' : value);
}

/**
 * At most `max` items of a list for a warning, each through `format`, then how many more: a
 * warning stays one short line whatever the value.
 */
export function someOf(items: readonly string[], format: (item: string) => string = (item) => item, max = 10): string {
  const shown = items.slice(0, max).map(format);
  if (items.length > max) shown.push(`and ${items.length - max} more`);
  return shown.join(', ');
}

/** How a value used instead is printed in a warning. */
export function show(value: unknown): string {
  if (Array.isArray(value)) return value.length > 0 ? value.join(',') : 'none';
  if (value === Infinity) return 'no limit';
  return String(value);
}

/** `a, b,,c` → ['a', 'b', 'c']: trimmed, empties dropped, duplicates collapsed (first wins). */
export function splitList(raw: string, normalize: (item: string) => string = (s) => s): string[] {
  return [...new Set(raw.split(',').map((item) => normalize(item.trim())).filter((item) => item !== ''))];
}

/** RFC 9110 token: header field names and method names. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const MAX_INT = 2 ** 31 - 1; // the spec's required range; also the largest delay setTimeout honours

export function integer(min: 0 | 1): Parser<number> {
  const what = min === 1 ? 'is not a positive integer' : 'is not a non-negative integer';
  return (raw) => {
    if (!/^\+?\d+$/.test(raw)) return bad(what);
    const n = Number(raw);
    if (n < min) return bad(what);
    if (n > MAX_INT) return bad(`is larger than ${MAX_INT}`);
    return ok(n);
  };
}

/** A TCP port to listen on, 1 to 65535. */
export const port: Parser<number> = (raw) => {
  const n = /^\+?\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  return n >= 1 && n <= 65_535 ? ok(n) : bad('is not a port number (1 to 65535)');
};

/** A host name or IP address to listen on, nothing more (no scheme, port or path); an IPv6 address may come in brackets. */
export const host: Parser<string> = (raw) => {
  const bare = raw.replace(/^\[(.*)\]$/, '$1');
  return /^[A-Za-z0-9._%:-]+$/.test(bare) ? ok(bare) : bad('is not a host name or IP address');
};

/** A decimal number in [0, 1]. */
export const ratio: Parser<number> = (raw) => {
  const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw) ? Number(raw) : NaN;
  return n >= 0 && n <= 1 ? ok(n || 0) : bad('is not a number between 0 and 1');
};

/** Spec boolean: only case-insensitive "true" is true; anything but "false" is also warned about. */
export const boolean: Parser<boolean> = (raw) => {
  const v = raw.toLowerCase();
  if (v === 'true') return ok(true);
  if (v === 'false') return ok(false);
  return bad(`is not "true" or "false"${didYouMean(v, ['true', 'false'])}`);
};

export const text: Parser<string> = (raw) => ok(raw);

/** A case-insensitive enum value. */
export function oneOf<T extends string>(values: readonly T[]): Parser<T> {
  return (raw) => {
    const v = raw.toLowerCase();
    return (values as readonly string[]).includes(v)
      ? ok(v as T)
      : bad(`is not one of ${values.join(', ')}${didYouMean(v, values)}`);
  };
}

/** An absolute http: or https: URL; `transform` rewrites the accepted (trimmed) string. */
export function httpUrl(transform: (url: string) => string = (url) => url): Parser<string> {
  return (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return bad('is not a valid http(s) URL');
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
      return bad('is not a valid http(s) URL');
    }
    return ok(transform(raw));
  };
}

/** A comma list of free-form items (never fails). */
export function list(normalize?: (item: string) => string): Parser<string[]> {
  return (raw) => ok(splitList(raw, normalize));
}

/**
 * A comma list of names from `allowed` (case-insensitive); `none` alone means the empty list.
 * Unknown names (and `none` mixed with others) are dropped with a problem; if nothing valid
 * remains, `fallback` is used.
 */
export function names<T extends string>(allowed: readonly T[], fallback: readonly T[]): Parser<T[]> {
  const known = allowed as readonly string[];
  return (raw) => {
    const items = splitList(raw, (s) => s.toLowerCase());
    if (items.length === 1 && items[0] === 'none') return ok([]);
    const valid = items.filter((item): item is T => known.includes(item));
    const ignored = items.filter((item) => !known.includes(item));
    const value = valid.length > 0 ? valid : [...fallback];
    if (ignored.length === 0) return ok(value);
    // A plain name is shown as it is; anything else quoted, so that control characters (a
    // newline forging a log line of its own) never reach the diagnostic output raw.
    // A long value or a long list is cut short: a warning stays one short line.
    const shown = someOf(
      ignored,
      (item) =>
        (/^[\x21-\x7e]{1,64}$/.test(item) && !item.includes('"') ? item : quote(item.length > 64 ? item.slice(0, 64) + '…' : item)) +
        didYouMean(item, [...allowed, 'none']),
    );
    return ok(value, `has unsupported value(s) ${shown} (supported: ${allowed.join(', ')}, or none alone)`);
  };
}

/** A comma list of RFC 9110 tokens (header or method names); invalid ones are dropped. */
export function tokens(normalize: (item: string) => string): Parser<string[]> {
  return (raw) => {
    const items = splitList(raw, normalize);
    const valid = items.filter((item) => TOKEN.test(item));
    const invalid = items.filter((item) => !TOKEN.test(item));
    if (invalid.length === 0) return ok(valid);
    const why = `has invalid name(s) ${someOf(invalid, quote)}`;
    return valid.length > 0 ? ok(valid, why) : bad(why);
  };
}

export interface GetOptions {
  /** The value is a secret: warnings name the variable only, never its value. */
  secret?: boolean;
  /** How the value is shown in a warning (e.g. `maskUrl`), when not as it is. */
  display?: (raw: string) => string;
  /** How a warning names the value used instead, when the fallback alone says nothing (undefined). */
  fallbackShown?: string;
}

/** A malformed variable's warning line: `NAME="value" problem; outcome` (the value left out for a secret). */
export function formatWarning(issue: ConfigIssue): string {
  const subject = issue.shown === undefined ? issue.variable : `${issue.variable}=${issue.shown}`;
  return `${subject} ${issue.problem}; ${issue.outcome}`;
}

/** Reads variables through parsers, collecting exactly one issue per malformed variable. */
export class EnvReader {
  readonly issues: ConfigIssue[] = [];

  constructor(private readonly env: Env) {}

  /** The trimmed value, or undefined when unset, empty or not a string ("empty means unset"). */
  raw(name: string): string | undefined {
    const value: unknown = this.env[name];
    if (typeof value !== 'string') return undefined;
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  /**
   * The parsed value of `name`, or `fallback` when unset or malformed. Precedence chains are
   * nested calls: `get(specific, p, get(generic, p, default))`, so a malformed specific variable
   * falls back to the generic one, as if it were unset.
   */
  get<T>(name: string, parse: Parser<T>, fallback: T, options: GetOptions = {}): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const result = parse(raw);
    const shown = options.secret ? undefined : quote(options.display ? options.display(raw) : raw);
    const report = (problem: string, outcome: string) => this.issues.push({ variable: name, shown, problem, outcome });
    if (result.ok) {
      if (result.problem !== undefined) report(result.problem, result.outcome ?? `using ${show(result.value)}`);
      return result.value;
    }
    report(result.problem, `using ${options.secret ? 'the default' : (options.fallbackShown ?? show(fallback))}`);
    return fallback;
  }
}
