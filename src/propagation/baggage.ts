import {
  baggageEntryMetadataFromString,
  propagation,
  type BaggageEntry,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';

/*
 * W3C Baggage (https://www.w3.org/TR/baggage/, "Baggage HTTP Header Format").
 *
 *   baggage-string = list-member 0*179( OWS "," OWS list-member )
 *   list-member    = key OWS "=" OWS value *( OWS ";" OWS property )
 *   property       = key OWS "=" OWS value / key OWS
 *   key            = token (RFC 7230 3.2.6)
 *   value          = *baggage-octet
 *   baggage-octet  = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
 */

export const BAGGAGE_HEADER = 'baggage';

/**
 * "Limits": a platform MUST propagate up to 64 list-members and 8192 bytes and MAY drop members
 * beyond that; we use exactly these minimums, for extract and inject alike, so what we accept is
 * always something we can forward whole.
 */
export const BAGGAGE_MAX_MEMBERS = 64;
export const BAGGAGE_MAX_BYTES = 8192;

const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE_RE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;

const HEX_UPPER = '0123456789ABCDEF';
const UTF8_DECODER = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.substring(start, end);
}

function isBaggageOctet(code: number): boolean {
  return (
    code === 0x21 ||
    (code >= 0x23 && code <= 0x2b) ||
    (code >= 0x2d && code <= 0x3a) ||
    (code >= 0x3c && code <= 0x5b) ||
    (code >= 0x5d && code <= 0x7e)
  );
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/**
 * Percent-decodes a value (RFC 3986 2.1) as UTF-8. Sequences that are not valid UTF-8 become
 * U+FFFD, as the spec requires (`decodeURIComponent` would throw instead). A `%` not followed by
 * two hex digits is kept literally: the octet is legal in a value, only its encoding is sloppy,
 * and dropping the member would lose data for no gain.
 */
export function decodeBaggageValue(value: string): string {
  if (value.indexOf('%') < 0) return value;
  const bytes = new Uint8Array(value.length);
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x25 && i + 2 < value.length) {
      const hi = hexValue(value.charCodeAt(i + 1));
      const lo = hexValue(value.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        bytes[n++] = hi * 16 + lo;
        i += 2;
        continue;
      }
    }
    // Validated input is ASCII, so one char is one byte.
    bytes[n++] = code;
  }
  return UTF8_DECODER.decode(bytes.subarray(0, n));
}

function percentByte(byte: number): string {
  return '%' + HEX_UPPER[byte >> 4]! + HEX_UPPER[byte & 0x0f]!;
}

/**
 * Percent-encodes what must be encoded and nothing else ("value": code points outside
 * baggage-octet, and `%` itself), as UTF-8 with upper-case hex (RFC 3986 2.1). A lone surrogate
 * cannot be UTF-8 and is written as U+FFFD, where `encodeURIComponent` would throw.
 */
export function encodeBaggageValue(value: string): string {
  let i = 0;
  while (i < value.length) {
    const code = value.charCodeAt(i);
    if (code === 0x25 || !isBaggageOctet(code)) break;
    i++;
  }
  if (i === value.length) return value;
  let out = value.substring(0, i);
  for (; i < value.length; i++) {
    let code = value.charCodeAt(i);
    if (code < 0x80) {
      out += code !== 0x25 && isBaggageOctet(code) ? value[i] : percentByte(code);
      continue;
    }
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        code = 0xfffd;
      }
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      code = 0xfffd;
    }
    if (code < 0x800) {
      out += percentByte(0xc0 | (code >> 6)) + percentByte(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      out +=
        percentByte(0xe0 | (code >> 12)) + percentByte(0x80 | ((code >> 6) & 0x3f)) + percentByte(0x80 | (code & 0x3f));
    } else {
      out +=
        percentByte(0xf0 | (code >> 18)) +
        percentByte(0x80 | ((code >> 12) & 0x3f)) +
        percentByte(0x80 | ((code >> 6) & 0x3f)) +
        percentByte(0x80 | (code & 0x3f));
    }
  }
  return out;
}

/**
 * Validates a `;`-separated property list and returns it with OWS removed, or undefined if any
 * property is malformed. The API models an entry's metadata as one opaque string, so properties
 * stay in their wire (percent-encoded) form: decoding them would make `;` and `=` inside property
 * values indistinguishable from separators when the metadata is injected again.
 */
function normalizeProperties(properties: string[], from: number): string | undefined {
  let out = '';
  for (let i = from; i < properties.length; i++) {
    const property = properties[i]!;
    const eq = property.indexOf('=');
    let normalized: string;
    if (eq < 0) {
      normalized = trimOws(property);
      // An empty property (`k=v;` or `;;`) carries nothing; skipping it is kinder than dropping the member.
      if (normalized.length === 0) continue;
      if (!TOKEN_RE.test(normalized)) return undefined;
    } else {
      const key = trimOws(property.substring(0, eq));
      const value = trimOws(property.substring(eq + 1));
      if (!TOKEN_RE.test(key) || !VALUE_RE.test(value)) return undefined;
      normalized = `${key}=${value}`;
    }
    out = out.length === 0 ? normalized : `${out};${normalized}`;
  }
  return out;
}

interface ParsedMember {
  key: string;
  entry: BaggageEntry;
  /** Length of the member as it will be re-serialized (OWS removed). */
  length: number;
}

/** One list-member, or undefined if malformed. */
function parseMember(member: string): ParsedMember | undefined {
  const parts = member.split(';');
  const pair = parts[0]!;
  const eq = pair.indexOf('=');
  if (eq < 0) return undefined;
  const key = trimOws(pair.substring(0, eq));
  const rawValue = trimOws(pair.substring(eq + 1));
  if (!TOKEN_RE.test(key) || !VALUE_RE.test(rawValue)) return undefined;
  let length = key.length + 1 + rawValue.length;
  const entry: BaggageEntry = { value: decodeBaggageValue(rawValue) };
  if (parts.length > 1) {
    const metadata = normalizeProperties(parts, 1);
    if (metadata === undefined) return undefined;
    if (metadata.length > 0) {
      length += 1 + metadata.length;
      entry.metadata = baggageEntryMetadataFromString(metadata);
    }
  }
  return { key, entry, length };
}

/** Serializes one entry, or undefined if its key cannot be sent (keys are never encoded). */
function formatMember(key: string, entry: BaggageEntry): string | undefined {
  if (!TOKEN_RE.test(key)) return undefined;
  let member = `${key}=${encodeBaggageValue(String(entry.value))}`;
  const metadata = entry.metadata?.toString();
  if (metadata !== undefined && metadata.length > 0) {
    // Metadata built by application code may not be valid; it is dropped rather than sent broken.
    const properties = normalizeProperties(metadata.split(';'), 0);
    if (properties !== undefined && properties.length > 0) member += `;${properties}`;
  }
  return member;
}

export class W3CBaggagePropagator implements TextMapPropagator {
  /**
   * Members that would push the header past 64 members or 8192 bytes are dropped, never cut:
   * "If a platform cannot propagate all baggage, it MUST NOT propagate any partial list-members."
   * A member too large to fit is skipped and smaller later ones may still go out.
   */
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const baggage = propagation.getBaggage(context);
    if (baggage === undefined) return;
    let header = '';
    let members = 0;
    for (const [key, entry] of baggage.getAllEntries()) {
      const member = formatMember(key, entry);
      if (member === undefined) continue;
      // The header is ASCII only, so string length is byte length.
      const added = header.length === 0 ? member.length : member.length + 1;
      if (header.length + added > BAGGAGE_MAX_BYTES) continue;
      header = header.length === 0 ? member : `${header},${member}`;
      if (++members === BAGGAGE_MAX_MEMBERS) break;
    }
    if (header.length > 0) setter.set(carrier, BAGGAGE_HEADER, header);
  }

  /**
   * "Mutating baggage": for a string that is not a valid baggage-string the behaviour is left to
   * the implementation, which MAY remove an offending member and propagate the rest. We do that:
   * baggage is application data, and one bad member from one producer should not erase the
   * others. Members are accepted in order while they fit the limits; a duplicate key keeps the
   * last value (the API's Baggage is a map).
   */
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const raw = getter.get(carrier, BAGGAGE_HEADER);
    let header: string;
    if (typeof raw === 'string') header = raw;
    else if (Array.isArray(raw)) header = raw.filter((v) => typeof v === 'string').join(',');
    else return context;
    if (header.length === 0) return context;

    const entries: Record<string, BaggageEntry> = Object.create(null);
    let members = 0;
    let bytes = 0;
    for (const member of header.split(',')) {
      const parsed = parseMember(member);
      if (parsed === undefined) continue;
      const added = members === 0 ? parsed.length : parsed.length + 1;
      if (bytes + added > BAGGAGE_MAX_BYTES) continue;
      bytes += added;
      entries[parsed.key] = parsed.entry;
      if (++members === BAGGAGE_MAX_MEMBERS) break;
    }
    if (members === 0) return context;
    return propagation.setBaggage(context, propagation.createBaggage(entries));
  }

  fields(): string[] {
    return [BAGGAGE_HEADER];
  }
}
