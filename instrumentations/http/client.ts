import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { isTracingSuppressed, monotonicNow, type AnyFunction } from '../../src/instrument';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_HEADER_PREFIX,
  ATTR_HTTP_RESPONSE_HEADER_PREFIX,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_USER_AGENT_ORIGINAL,
} from '../../src/semconv';
import { HttpMeasure } from '../shared/http-metrics';
import { captureHeaders, errorTypeOf, recordError, REDACTED, setResponseStatus, spanNameMethod } from '../shared/http-semantics';
import { protocolVersion } from './server-attributes';
import {
  callArguments,
  copyHeaders,
  OBJECT_HEADER_SETTER,
  parseUrl,
  RAW_HEADER_SETTER,
  readCall,
  requestMethod,
  type RequestCall,
} from './client-args';
import { clientTarget, type ClientTarget } from './client-target';
import { CLIENT_SPAN, MEASURE, SPAN, TIMED_OUT, type HttpDeps, type Tagged } from './deps';

/**
 * CLIENT spans for `http.request`, `http.get`, `https.request`, `https.get`.
 *
 * The span starts before the request object exists, so that the propagation headers go into a
 * copy of the caller's options. The request is created in the caller's context (its response
 * callback runs there too, as Node arranges). The span ends exactly once, at the first of:
 * - the end of the response body (`'end'`): the normal case;
 * - an `'error'` on the request (connection refused, reset, DNS, abort signal...): recorded;
 * - an `'upgrade'` / `'connect'` response (101, CONNECT): the HTTP exchange is over;
 * - `'close'` of the response or the request without any of the above: the request was
 *   aborted, the response cut short, or its body never read before the socket closed.
 *   The last is the fallback that keeps a span from leaking when an app never reads a body.
 * - a synchronous throw of the original (invalid URL, header, method): recorded, rethrown as is.
 *
 * `error.type` values: the status code (`404`, `500`) for 4xx/5xx responses; Node's error code
 * (`ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, `ERR_INVALID_URL`, `ABORT_ERR`...) or the error's
 * name when it has no code; `timeout` when the request's timeout fired before it failed;
 * `aborted` when it ended early without an error (`req.abort()`, a truncated response).
 */

/** Nonzero while a traced call runs the original: Node's own nested calls are not traced again. */
let creating = 0;

interface PreparedCall {
  span: Span;
  args: unknown[];
  measure: HttpMeasure | undefined;
}

export function wrapClientCall(original: AnyFunction, defaultProtocol: string, deps: HttpDeps): AnyFunction {
  return function (this: unknown, a0: unknown, a1: unknown, a2: unknown): unknown {
    if (creating > 0 || !deps.state.active) return Reflect.apply(original, this, arguments);
    const active = context.active();
    if (isTracingSuppressed(active)) return Reflect.apply(original, this, arguments);
    let call: PreparedCall | undefined;
    try {
      call = prepare(deps, defaultProtocol, active, readCall(a0, a1, a2));
    } catch (error) {
      deps.state.fail(error);
    }
    if (call === undefined) return Reflect.apply(original, this, arguments);

    let req: unknown;
    creating++;
    try {
      req = Reflect.apply(original, this, call.args);
    } catch (error) {
      // Caught to be recorded, then rethrown: the same object, with its own stack. (Unlike
      // try/finally, this makes Node's report of an *uncaught* one point at this line.)
      creating--;
      endWithError(deps, call, error);
      throw error;
    }
    creating--;
    try {
      started(deps, req as ClientRequest & Tagged, call);
    } catch (error) {
      deps.state.fail(error);
    }
    return req;
  };
}

/** Starts the span and builds the arguments with the propagation headers; undefined: not traced. */
function prepare(deps: HttpDeps, defaultProtocol: string, active: Context, call: RequestCall): PreparedCall | undefined {
  let url: URL | undefined;
  let target: ClientTarget | undefined;
  if (deps.hasExclusions) {
    url = parseUrl(call.url);
    if (url !== undefined || call.url === undefined) {
      target = clientTarget(url, call.options, defaultProtocol);
      if (deps.http.isExcluded(target.path, target.url)) return undefined;
    }
  }

  const method = requestMethod(call.options);
  // Measured whether or not the span records: metrics count every request.
  const start = deps.clientDuration === undefined ? undefined : monotonicNow();
  const options = start === undefined ? CLIENT_SPAN : { kind: SpanKind.CLIENT, startTime: start };
  const span = deps.tracer.startSpan(spanNameMethod(deps.config, method), options, active);
  const recording = span.isRecording();
  if (target === undefined && (recording || start !== undefined)) {
    url = parseUrl(call.url);
    if (url !== undefined || call.url === undefined) target = clientTarget(url, call.options, defaultProtocol);
  }
  if (recording) {
    deps.http.setMethod(span, method);
    if (target !== undefined) setTargetAttributes(deps, span, target);
  }
  const measure = start === undefined ? undefined : new HttpMeasure(start, deps.http.methodOf(method), target?.scheme, target?.address, target?.port);
  if (measure !== undefined) measure.context = trace.setSpan(active, span);

  // A sampled-out span still propagates its context (sampled flag off) downstream.
  const headers = copyHeaders(call.options?.headers);
  if (headers === undefined) {
    return { span, measure, args: callArguments(call, url ?? call.url, call.options?.headers) };
  }
  const ctx = trace.setSpan(active, span);
  if (Array.isArray(headers)) propagation.inject(ctx, headers, RAW_HEADER_SETTER);
  else propagation.inject(ctx, headers, OBJECT_HEADER_SETTER);
  return { span, measure, args: callArguments(call, url ?? call.url, headers) };
}

function setTargetAttributes(deps: HttpDeps, span: Span, target: ClientTarget): void {
  let full = deps.http.redactUrl(target.url);
  if (target.credentials) {
    const authority = full.indexOf('://') + 3;
    full = `${full.slice(0, authority)}${REDACTED}:${REDACTED}@${full.slice(authority)}`;
  }
  span.setAttribute(ATTR_URL_FULL, full);
  if (target.address !== undefined) span.setAttribute(ATTR_SERVER_ADDRESS, target.address);
  if (target.port !== undefined) span.setAttribute(ATTR_SERVER_PORT, target.port);
}

/** The request exists: tie the span to it and read what only the request knows. */
function started(deps: HttpDeps, req: ClientRequest & Tagged, { span, measure }: PreparedCall): void {
  if (req === null || typeof req !== 'object') {
    span.end();
    return;
  }
  req[SPAN] = span;
  req[MEASURE] = measure;
  if (!span.isRecording() || typeof req.getHeader !== 'function') return;
  const userAgent = req.getHeader('user-agent');
  if (userAgent !== undefined) span.setAttribute(ATTR_USER_AGENT_ORIGINAL, Array.isArray(userAgent) ? userAgent.join(', ') : String(userAgent));
  const names = deps.config.clientRequestHeaders;
  if (names.length > 0) captureHeaders(span, ATTR_HTTP_REQUEST_HEADER_PREFIX, names, (name) => req.getHeader(name));
}

function endWithError(deps: HttpDeps, { span, measure }: PreparedCall, error: unknown): void {
  try {
    if (span.isRecording()) recordError(span, error);
    if (measure === undefined) {
      span.end();
      return;
    }
    measure.errorType = errorTypeOf(error);
    const end = monotonicNow();
    deps.clientDuration?.record(measure, end);
    span.end(end);
  } catch (failure) {
    deps.state.fail(failure);
  }
}

/** `ClientRequest.prototype.emit`: the request's own events drive its span. */
export function wrapClientRequestEmit(original: AnyFunction, deps: HttpDeps): AnyFunction {
  return function emit(this: ClientRequest & Tagged, event: string | symbol): unknown {
    const span = this[SPAN];
    if (span !== undefined && deps.state.active) {
      try {
        onRequestEvent(deps, this, span, event, arguments[1]);
      } catch (error) {
        deps.state.fail(error);
      }
    }
    return Reflect.apply(original, this, arguments);
  };
}

function onRequestEvent(deps: HttpDeps, req: ClientRequest & Tagged, span: Span, event: string | symbol, arg: unknown): void {
  switch (event) {
    case 'response':
      onResponse(deps, req, span, arg as IncomingMessage);
      return;
    case 'error': {
      if (span.isRecording()) {
        recordError(span, arg);
        if (req[TIMED_OUT] === true) span.setAttribute(ATTR_ERROR_TYPE, 'timeout');
      }
      const measure = req[MEASURE];
      if (measure !== undefined) measure.errorType = req[TIMED_OUT] === true ? 'timeout' : errorTypeOf(arg);
      end(deps, req, span);
      return;
    }
    case 'timeout':
      req[TIMED_OUT] = true;
      return;
    case 'upgrade':
    case 'connect':
      onResponse(deps, req, span, arg as IncomingMessage);
      end(deps, req, span);
      return;
    case 'close':
      finish(deps, req, span);
      return;
  }
}

function onResponse(deps: HttpDeps, req: ClientRequest & Tagged, span: Span, res: IncomingMessage): void {
  if (res === null || typeof res !== 'object') return;
  const measure = req[MEASURE];
  if (measure !== undefined) {
    if (typeof res.statusCode === 'number') measure.responded(res.statusCode, 'client');
    if (typeof res.httpVersion === 'string') measure.protocolVersion = protocolVersion(res.httpVersion);
  }
  if (!span.isRecording()) return;
  if (typeof res.statusCode === 'number') setResponseStatus(span, res.statusCode, 'client');
  if (typeof res.httpVersion === 'string') span.setAttribute(ATTR_NETWORK_PROTOCOL_VERSION, protocolVersion(res.httpVersion));
  const socket = req.socket;
  if (socket !== null && socket !== undefined && typeof socket.remoteAddress === 'string') {
    span.setAttribute(ATTR_NETWORK_PEER_ADDRESS, socket.remoteAddress);
    if (typeof socket.remotePort === 'number') span.setAttribute(ATTR_NETWORK_PEER_PORT, socket.remotePort);
  }
  const names = deps.config.clientResponseHeaders;
  if (names.length > 0) {
    const headers = res.headers ?? {};
    captureHeaders(span, ATTR_HTTP_RESPONSE_HEADER_PREFIX, names, (name) => headers[name]);
  }
}

/**
 * `'end'` / `'close'` of a client response (from the IncomingMessage patch): `res.req` is the
 * request. Returns quickly for everything else.
 */
export function onResponseEvent(deps: HttpDeps, res: IncomingMessage & { req?: ClientRequest & Tagged }, event: string | symbol): void {
  if (event !== 'end' && event !== 'close') return;
  const req = res.req;
  if (req === null || req === undefined) return;
  const span = req[SPAN];
  if (span !== undefined) finish(deps, req, span);
}

/** Ends the span of a request that is over; an incomplete exchange is an error. */
function finish(deps: HttpDeps, req: ClientRequest & Tagged, span: Span): void {
  const res = (req as ClientRequest & { res?: IncomingMessage | null }).res;
  if (res === null || res === undefined || !res.complete) {
    const errorType = req[TIMED_OUT] === true ? 'timeout' : 'aborted';
    if (span.isRecording()) {
      span.setAttribute(ATTR_ERROR_TYPE, errorType);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    const measure = req[MEASURE];
    if (measure !== undefined) measure.errorType = errorType;
  }
  end(deps, req, span);
}

/** The exchange is over: the span ends, at the time its measurement is recorded when measured. */
function end(deps: HttpDeps, req: ClientRequest & Tagged, span: Span): void {
  req[SPAN] = undefined;
  const measure = req[MEASURE];
  if (measure === undefined) {
    span.end();
    return;
  }
  req[MEASURE] = undefined;
  const time = monotonicNow();
  deps.clientDuration?.record(measure, time);
  span.end(time);
}

