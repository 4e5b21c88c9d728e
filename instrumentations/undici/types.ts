/**
 * The shapes undici publishes on its diagnostics channels, as far as this instrumentation reads
 * them. Checked against undici 5.29, 6.x, 7.x and 8.x (`lib/core/request.js`,
 * `lib/core/diagnostics.js`) and Node's bundled copy behind the global `fetch`.
 */

/**
 * Request headers: undici 6+ keeps a flat `[name, value, name, value…]` array (a value may be an
 * array for a repeated header); undici 5 keeps one `name: value\r\n` string.
 */
export type RequestHeaders = Array<string | string[]> | string;

/**
 * Response headers: raw `[name, value…]` Buffers over HTTP/1.1 (strings in some paths); undici 8
 * over HTTP/2 passes a node:http2 headers object instead.
 */
export type ResponseHeaders = ReadonlyArray<Buffer | string> | Readonly<Record<string, string | string[] | undefined>>;

/** undici's `Request` (lib/core/request.js). The same object is published on every request channel. */
export interface UndiciRequest {
  /** `http://host:port`, without path; a URL object in some versions and call paths. */
  readonly origin: string | URL;
  readonly method: string;
  /** Path and query (`/a?b=1`); an absolute URL when sent through a non-tunnelling proxy. */
  readonly path: string;
  headers: RequestHeaders;
  /** The value of a Host header the caller set (undici 6+ moves it out of `headers`). */
  readonly host?: string | null;
  /** Appends a header before the request is written (absent in undici 6.11.0). */
  addHeader?(name: string, value: string): unknown;
}

/** `undici:request:create`, `undici:request:trailers`. */
export interface RequestMessage {
  request: UndiciRequest;
}

/** `undici:client:sendHeaders`: the request is about to be written on this socket. */
export interface SendHeadersMessage {
  request: UndiciRequest;
  socket?: { remoteAddress?: string; remotePort?: number; alpnProtocol?: string | false | null };
}

/** `undici:request:headers`. */
export interface ResponseHeadersMessage {
  request: UndiciRequest;
  response: { statusCode: number; headers: ResponseHeaders; statusText?: string };
}

/** `undici:request:error`. */
export interface RequestErrorMessage {
  request: UndiciRequest;
  error: unknown;
}
