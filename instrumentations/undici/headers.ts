import type { RequestHeaders, ResponseHeaders, UndiciRequest } from './types';

/**
 * Reading and adding headers in every form undici uses (types.ts). Header names are compared
 * case-insensitively; `name` arguments are expected in lower case, as the configuration keeps them.
 */

/** All values of request header `name`, or undefined when it is absent. */
export function requestHeader(headers: RequestHeaders | null | undefined, name: string): string[] | undefined {
  if (Array.isArray(headers)) {
    let values: string[] | undefined;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const key = headers[i];
      if (typeof key !== 'string' || key.length !== name.length || key.toLowerCase() !== name) continue;
      const value = headers[i + 1];
      if (values === undefined) values = [];
      if (Array.isArray(value)) for (const v of value) values.push(String(v));
      else values.push(String(value));
    }
    return values;
  }
  if (typeof headers === 'string') return stringHeader(headers, name);
  return undefined;
}

/** undici 5: `name: value\r\n` lines. */
function stringHeader(headers: string, name: string): string[] | undefined {
  let values: string[] | undefined;
  let start = 0;
  while (start < headers.length) {
    let end = headers.indexOf('\r\n', start);
    if (end < 0) end = headers.length;
    const colon = headers.indexOf(':', start);
    if (colon > start && colon < end && colon - start === name.length && headers.slice(start, colon).toLowerCase() === name) {
      if (values === undefined) values = [];
      values.push(headers.slice(colon + 1, end).trim());
    }
    start = end + 2;
  }
  return values;
}

export function hasRequestHeader(headers: RequestHeaders | null | undefined, name: string): boolean {
  return requestHeader(headers, name) !== undefined;
}

/**
 * Adds a header the way the running undici supports: `addHeader` where it exists, else the
 * array or string directly (undici 6.11.0 briefly shipped without `addHeader`).
 */
export function addRequestHeader(request: UndiciRequest, name: string, value: string): void {
  if (typeof request.addHeader === 'function') request.addHeader(name, value);
  else if (Array.isArray(request.headers)) request.headers.push(name, value);
  else if (typeof request.headers === 'string') request.headers += `${name}: ${value}\r\n`;
}

/** All values of response header `name`, or undefined when it is absent. */
export function responseHeader(headers: ResponseHeaders | null | undefined, name: string): string[] | undefined {
  if (headers === null || headers === undefined) return undefined;
  if (isHeaderArray(headers)) {
    let values: string[] | undefined;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const key = headers[i];
      if (key.length !== name.length || text(key).toLowerCase() !== name) continue;
      if (values === undefined) values = [];
      values.push(text(headers[i + 1]));
    }
    return values;
  }
  if (typeof headers !== 'object') return undefined;
  // node:http2 lower-cases header names already.
  const value = (headers as Readonly<Record<string, string | string[] | undefined>>)[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** Raw header bytes are latin1, as undici itself decodes them. */
function text(value: Buffer | string): string {
  return typeof value === 'string' ? value : value.toString('latin1');
}

function isHeaderArray(headers: ResponseHeaders): headers is ReadonlyArray<Buffer | string> {
  return Array.isArray(headers);
}
