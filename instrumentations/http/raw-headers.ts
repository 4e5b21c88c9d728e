import type { IncomingMessage } from 'node:http';

/**
 * Request headers read from `req.rawHeaders` (name, value, name, value...) instead of
 * `req.headers`: Node makes `req.headers` when it is first read, lower-casing every name, and an
 * app that never reads it (node:http, fastify on a GET) should not pay for it because a request
 * was measured or checked for trace context. A request object without `rawHeaders` (an app's
 * own) is read through `headers`.
 */

const EMPTY_HEADERS: IncomingMessage['headers'] = Object.freeze({});

/**
 * `name` is `lower` in any case. Setting bit 0x20 lower-cases an ASCII letter and leaves `-` and
 * digits as they are; the other characters it could map onto those are control characters,
 * which Node's parser never lets into a header name.
 */
function sameName(name: unknown, lower: string): boolean {
  if (typeof name !== 'string' || name.length !== lower.length) return false;
  for (let i = 0; i < name.length; i++) if ((name.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** Whether the request has any of the headers `lowerNames`. */
export function hasAnyHeader(req: IncomingMessage, lowerNames: readonly string[]): boolean {
  const raw: unknown = req.rawHeaders;
  if (!Array.isArray(raw)) {
    const headers = req.headers ?? EMPTY_HEADERS;
    return lowerNames.some((name) => headers[name] !== undefined);
  }
  for (let i = 0; i < raw.length; i += 2) {
    for (let n = 0; n < lowerNames.length; n++) if (sameName(raw[i], lowerNames[n]!)) return true;
  }
  return false;
}

/**
 * The value of header `lowerName`, repeated ones joined with `, ` as `req.headers` joins them.
 * Not for the headers Node keeps the first of (`content-type`, `host`...) or makes a list of
 * (`set-cookie`).
 */
export function joinedHeader(req: IncomingMessage, lowerName: string): string | undefined {
  const raw: unknown = req.rawHeaders;
  if (!Array.isArray(raw)) {
    const value = (req.headers ?? EMPTY_HEADERS)[lowerName];
    return Array.isArray(value) ? value.join(', ') : value;
  }
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (!sameName(raw[i], lowerName)) continue;
    const next = String(raw[i + 1]);
    value = value === undefined ? next : `${value}, ${next}`;
  }
  return value;
}
