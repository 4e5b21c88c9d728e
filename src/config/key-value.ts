import { ok, quote, someOf, TOKEN, type Parser } from './parse';

/**
 * `key1=value1,key2=value2` lists (OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS):
 * W3C-baggage-like, keys and values percent-decoded and trimmed. A malformed pair is dropped,
 * the others kept; the single problem text lists every dropped pair.
 */

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** Characters Node refuses in a header value (same rule as node:http). */
const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * `headers: true` validates keys as header names and values as header values, and never puts a
 * value into the problem text (header values are credentials): a dropped pair is named by its
 * key when the key is a valid header name, otherwise by its position.
 */
export function keyValueList(kind: 'attributes' | 'headers'): Parser<Record<string, string>> {
  const headers = kind === 'headers';
  return (raw) => {
    const pairs = new Map<string, string>();
    const problems: string[] = [];
    raw.split(',').forEach((part, index) => {
      const entry = part.trim();
      if (entry === '') return; // `a=1,,b=2` or a trailing comma: nothing to drop
      const position = `entry ${index + 1}`;
      const drop = (secretSafeName: string, why: string) =>
        problems.push(`${headers ? secretSafeName : quote(entry)} (${why})`);

      const eq = entry.indexOf('=');
      if (eq < 0) return drop(position, 'no "="');
      const key = decode(entry.slice(0, eq).trim());
      if (key === undefined) return drop(position, 'bad percent-encoding in key');
      if (key === '') return drop(position, 'empty key');
      if (headers && !TOKEN.test(key)) return drop(position, 'key is not a valid header name');
      const value = decode(entry.slice(eq + 1).trim());
      if (value === undefined) return drop(quote(key), 'bad percent-encoding in value');
      if (headers && BAD_HEADER_VALUE.test(value)) return drop(quote(key), 'value has characters not allowed in a header');
      pairs.set(key, value);
    });
    // fromEntries defines own properties, so a `__proto__` key stays a plain key.
    const value = Object.fromEntries(pairs);
    if (problems.length === 0) return ok(value);
    const what = headers ? 'header(s)' : 'pair(s)';
    return ok(value, `has malformed ${what} ${someOf(problems)}`, `dropped ${problems.length === 1 ? 'it' : 'them'}`);
  };
}
