import type { TextMapSetter } from '@opentelemetry/api';

/**
 * The argument forms of `http.request` / `http.get` (`(url, options?, cb?)` and `(options?, cb?)`)
 * and the copies that carry the propagation headers: the caller's options and headers objects are
 * never mutated.
 */

export interface RequestCall {
  /** The first argument when it is a URL string or URL object. */
  url: string | URL | undefined;
  /** The options object, from either form. */
  options: Record<string, unknown> | undefined;
  /** The original arguments, to rebuild the call with the headers copy. */
  a0: unknown;
  a1: unknown;
  a2: unknown;
}

/**
 * Only real WHATWG URL objects count as the URL form: Node's own test is at least that strict on
 * every version (Node 22+ also takes URL look-alikes, which then go through the options form here
 * and reach Node unchanged apart from the headers).
 */
export function readCall(a0: unknown, a1: unknown, a2: unknown): RequestCall {
  if (typeof a0 === 'string' || a0 instanceof URL) {
    const options = a1 !== null && typeof a1 === 'object' ? (a1 as Record<string, unknown>) : undefined;
    return { url: a0, options, a0, a1, a2 };
  }
  const options = a0 !== null && typeof a0 === 'object' ? (a0 as Record<string, unknown>) : undefined;
  return { url: undefined, options, a0, a1, a2 };
}

/**
 * The arguments for the original function: the same call, with `url` (the caller's, or the URL
 * object already parsed from it, which Node reads the same way) and a copy of the options
 * carrying `headers`. Callbacks and every other argument keep their places.
 */
export function callArguments(call: RequestCall, url: unknown, headers: unknown): unknown[] {
  if (call.url !== undefined) {
    if (call.options !== undefined) return [url, withHeaders(call.options, headers), call.a2];
    return [url, { headers }, typeof call.a1 === 'function' ? call.a1 : call.a2];
  }
  if (typeof call.a0 === 'function') return [{ headers }, call.a0];
  return [withHeaders(call.options, headers), call.a1, call.a2];
}

/** The method Node will send: `options.method` upper-cased, `GET` by default. */
export function requestMethod(options: Record<string, unknown> | undefined): string {
  const method = options?.method;
  return typeof method === 'string' && method.length > 0 ? method.toUpperCase() : 'GET';
}

/** A URL string parsed as Node parses it; undefined when Node will reject it (it then throws its own error). */
export function parseUrl(url: unknown): URL | undefined {
  if (typeof url === 'string') {
    try {
      return new URL(url);
    } catch {
      return undefined;
    }
  }
  return url instanceof URL ? url : undefined;
}

function hasHeaderIgnoringCase(headers: Record<string, unknown>, name: string): boolean {
  if (headers[name] !== undefined) return true;
  for (const key in headers) {
    if (key.length === name.length && key.toLowerCase() === name) return true;
  }
  return false;
}

/** Adds a propagation header unless the caller set that header already (then theirs is sent). */
export const OBJECT_HEADER_SETTER: TextMapSetter<Record<string, unknown>> = {
  set(carrier, key, value) {
    if (!hasHeaderIgnoringCase(carrier, key)) carrier[key] = value;
  },
};

/** Raw headers: a flat `[name, value, ...]` list or a list of `[name, value]` pairs. */
export const RAW_HEADER_SETTER: TextMapSetter<unknown[]> = {
  set(carrier, key, value) {
    const pairs = carrier.length > 0 && Array.isArray(carrier[0]);
    const step = pairs ? 1 : 2;
    for (let i = 0; i < carrier.length; i += step) {
      const name = pairs ? (carrier[i] as unknown[])[0] : carrier[i];
      if (typeof name === 'string' && name.toLowerCase() === key) return;
    }
    if (pairs) carrier.push([key, value]);
    else carrier.push(key, value);
  },
};

/**
 * A copy of the caller's headers to inject into, or undefined when they are in a form Node would
 * not read as headers (then nothing is injected and the caller's value goes through untouched).
 */
export function copyHeaders(headers: unknown): Record<string, unknown> | unknown[] | undefined {
  if (headers === undefined || headers === null) return {};
  if (Array.isArray(headers)) return headers.slice();
  if (typeof headers === 'object') return Object.assign({}, headers) as Record<string, unknown>;
  return undefined;
}

/** A copy of `options` (own properties, same prototype) with `headers` replaced. */
export function withHeaders(options: Record<string, unknown> | undefined, headers: unknown): Record<string, unknown> {
  if (options === undefined) return { headers };
  const proto: unknown = Object.getPrototypeOf(options);
  // Object.assign, not spread: a spread copy that then gets a property added falls off V8's
  // fast path (about 0.5 µs against 0.07 µs).
  const copy = Object.assign(proto === Object.prototype || proto === null ? {} : (Object.create(proto as object) as object), options);
  (copy as Record<string, unknown>).headers = headers;
  return copy as Record<string, unknown>;
}
