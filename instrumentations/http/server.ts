import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EMPTY_CONTEXT, invoke, isTracingSuppressed, monotonicNow, suppressTracing, type AnyFunction, type InstrumentationState } from '../../src/instrument';
import { ATTR_ERROR_TYPE, ATTR_HTTP_RESPONSE_HEADER_PREFIX, ATTR_HTTP_RESPONSE_STATUS_CODE, ERROR_TYPE_OTHER } from '../../src/semconv';
import { captureHeaders, recordError, setResponseStatus, spanNameMethod } from '../shared/http-semantics';
import { HttpMeasure } from '../shared/http-metrics';
import { exchangeOf, openExchange, requestMethod, ServerExchange } from '../shared/server-exchange';
import { protocolVersion, requestPath, requestScheme, setServerAttributes } from './server-attributes';
import { SERVER_SPAN, type HttpDeps } from './deps';

/**
 * SERVER spans, from `Server.prototype.emit('request', req, res)` of node:http and node:https.
 * A request excluded by OTEL_NODE_EXCLUDED_URLS gets no span and is handled in a context that
 * suppresses tracing, so the calls it makes are not traced either (no stray root spans).
 *
 * Every 'request' listener runs in the span's context, and so do later events of the request
 * and the response (body 'data'/'end', 'finish'...): body parsers call the app's handlers from
 * those events, and the handlers' outgoing calls must still be children of the server span.
 * Frameworks find the span with `trace.getActiveSpan()` in their handlers (to set `http.route`
 * and rename it).
 *
 * The span ends once: at the response's 'finish' (status code, 5xx is an error), or at its
 * 'close' without 'finish' (the connection went away first: ERROR, `error.type` `aborted`, and
 * the status code if the headers were sent). A listener that throws gets its exception recorded
 * (ERROR, `error.type` = the error's code or name); the same error object goes on, untouched,
 * to the app's `uncaughtException` handler, and the span still ends with the response.
 */

const EMPTY_HEADERS = Object.freeze({});

export function wrapServerEmit(original: AnyFunction, deps: HttpDeps): AnyFunction {
  return function emit(this: unknown, event: string | symbol): unknown {
    if (event !== 'request' || !deps.state.active) return Reflect.apply(original, this, arguments);
    let exchange: ServerExchange | undefined;
    try {
      exchange = startServerSpan(deps, arguments[1] as IncomingMessage, arguments[2] as ServerResponse);
    } catch (error) {
      deps.state.fail(error);
    }
    const ctx = exchange?.context;
    if (ctx === undefined) return Reflect.apply(original, this, arguments);
    // try/finally, not catch-and-rethrow: the app's error leaves untouched, and Node's crash
    // report still points at the app's own `throw`, not at a rethrow in the agent.
    let threw = true;
    try {
      const result: unknown = context.with(ctx, invoke, undefined, original, this, arguments);
      threw = false;
      return result;
    } finally {
      if (threw) listenerThrew(deps, exchange!);
    }
  };
}

/** Opens the request's exchange when it is excluded, measured or gets a span; undefined otherwise. */
function startServerSpan(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): ServerExchange | undefined {
  if (req === null || typeof req !== 'object' || res === null || typeof res !== 'object') return undefined;
  if (isTracingSuppressed(context.active())) return undefined;
  const target = typeof req.url === 'string' ? req.url : '/';
  const method = requestMethod(req);
  if (deps.hasExclusions && deps.http.isExcluded(requestPath(target), undefined)) {
    // No span, and nothing traced below it either: a health check's own calls are noise too.
    const excluded = new ServerExchange(suppressTracing(EMPTY_CONTEXT), method);
    excluded.nodeFinishListener = nodeFinishListener(res);
    openExchange(req, res, excluded);
    return excluded;
  }

  // Measured whether or not the request gets a span: metrics count every request.
  const measure = deps.serverDuration === undefined ? undefined : startMeasure(deps, req, method);
  const headers = req.headers ?? EMPTY_HEADERS;
  // No trace context came in and the sampler would drop a new trace: no span, no context (the
  // async context store stays unused, which is most of what a sampled-out request would cost).
  let parent: Context | undefined;
  if (!deps.config.newTracesDropped || carriesPropagationHeader(headers)) {
    parent = propagation.extract(EMPTY_CONTEXT, headers);
    if (parent === EMPTY_CONTEXT && deps.config.newTracesDropped) parent = undefined;
  }
  if (parent === undefined) return measure === undefined ? undefined : measuredOnly(req, res, method, measure);
  const options = measure === undefined ? SERVER_SPAN : { kind: SpanKind.SERVER, startTime: measure.start };
  const span = deps.tracer.startSpan(spanNameMethod(deps.config, method), options, parent);
  if (span.isRecording()) setServerAttributes(span, req, target, method, deps.http);
  const ctx = trace.setSpan(parent, span);
  const exchange = new ServerExchange(ctx, method);
  exchange.span = span;
  exchange.nodeFinishListener = nodeFinishListener(res);
  if (measure !== undefined) {
    measure.context = ctx;
    exchange.measure = measure;
  }
  openExchange(req, res, exchange);
  return exchange;
}

/** A request measured without a span: its exchange carries no context. */
function measuredOnly(req: IncomingMessage, res: ServerResponse, method: string, measure: HttpMeasure): ServerExchange {
  const exchange = new ServerExchange(undefined, method);
  exchange.measure = measure;
  openExchange(req, res, exchange);
  return exchange;
}

function startMeasure(deps: HttpDeps, req: IncomingMessage, method: string): HttpMeasure {
  const measure = new HttpMeasure(monotonicNow(), deps.http.methodOf(method), requestScheme(req), undefined, undefined);
  if (typeof req.httpVersion === 'string') measure.protocolVersion = protocolVersion(req.httpVersion);
  return measure;
}

/** The headers the registered propagators read (`traceparent`, `baggage`...), asked once. */
let propagationFields: string[] | undefined;

function carriesPropagationHeader(headers: IncomingMessage['headers']): boolean {
  propagationFields ??= propagation.fields().map((field) => field.toLowerCase());
  for (const field of propagationFields) if (headers[field] !== undefined) return true;
  return false;
}

/**
 * A 'request' listener threw. The error itself is only seen by 'uncaughtExceptionMonitor'
 * (passive: it changes nothing about how the process handles the error), which runs before the
 * app's 'uncaughtException' handlers, or before the process dies when there is none. One per
 * http instrumentation; it listens from the first throw on.
 */
export class ListenerErrors {
  private threwIn: Span | undefined;
  private monitoring = false;
  private readonly onUncaught = (error: unknown): void => {
    const span = this.threwIn;
    this.threwIn = undefined;
    try {
      if (span !== undefined && span.isRecording()) recordError(span, error);
    } catch (failure) {
      this.state.fail(failure);
    }
  };

  constructor(private readonly state: InstrumentationState) {}

  /** The listener that threw ran in `span`'s request: the error reaches `onUncaught` next. */
  threw(span: Span): void {
    this.threwIn = span;
    if (this.monitoring) return;
    this.monitoring = true;
    process.on('uncaughtExceptionMonitor', this.onUncaught);
  }
}

function listenerThrew(deps: HttpDeps, exchange: ServerExchange): void {
  try {
    const measure = exchange.measure;
    if (measure !== undefined) measure.errorType = ERROR_TYPE_OTHER;
    const span = exchange.span;
    if (span === undefined || !span.isRecording()) return;
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.setAttribute(ATTR_ERROR_TYPE, ERROR_TYPE_OTHER);
    deps.listenerErrors.threw(span);
  } catch (failure) {
    deps.state.fail(failure);
  }
}

/** The response is over: the measurement's status, or the abort. */
function measureDone(measure: HttpMeasure, res: ServerResponse, finished: boolean): void {
  if (finished) {
    measure.responded(res.statusCode, 'server');
  } else {
    if (res.headersSent) measure.status = res.statusCode;
    measure.errorType = 'aborted';
  }
}

/** The response is over: status on 'finish', or an abort on 'close' without it. */
function responseDone(deps: HttpDeps, span: Span, res: ServerResponse, finished: boolean): void {
  if (!span.isRecording()) return;
  if (finished) {
    setResponseStatus(span, res.statusCode, 'server');
  } else {
    if (res.headersSent) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
    span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  const names = deps.config.serverResponseHeaders;
  if (names.length > 0 && res.headersSent) captureHeaders(span, ATTR_HTTP_RESPONSE_HEADER_PREFIX, names, (name) => res.getHeader(name));
}

/**
 * EventEmitter's own `listenerCount`, called on the emitter. Looked up on the emitter instead, it
 * costs V8 a full lookup per request under express, which gives every request and response a
 * hidden class of its own (`Object.setPrototypeOf` and the properties it adds): the method's
 * lookup misses V8's caches each time (`node --log-ic`, express 5: 2.5 such misses per request).
 */
const listenerCount = EventEmitter.prototype.listenerCount;

/**
 * Whether an event of a traced request or response has to run in the server span's context:
 * someone listens, and that context is not already the active one (one `context.with` per event
 * at most). An event whose one listener is `nodeListener`, Node's own server code, needs no
 * context: Node's listeners never read it, and they are all that listens to a response's
 * 'finish' and a request's 'end' in most apps (express and fastify requests entered the context
 * four times each, two of them for these). The callers apply `arguments` themselves, so that V8
 * never has to make an arguments object for the usual case.
 */
export function eventNeedsContext(ctx: Context, emitter: NodeJS.EventEmitter, event: string | symbol, nodeListener: unknown): boolean {
  const listeners = listenerCount.call(emitter, event);
  if (listeners === 0) return false;
  if (listeners === 1 && nodeListener !== undefined && (emitter as Listened)._events?.[event] === nodeListener) return false;
  return context.active() !== ctx;
}

/**
 * An event of a request or response other than the two that end it (`ending` and 'close') that
 * nobody listens to ('socket', 'prefinish', 'resume'): the emit wrappers pass it straight on,
 * without looking up the exchange (a symbol load that messages of many shapes make megamorphic:
 * about 100 instructions, two or three times per request, bench:instructions).
 */
export function unheardOtherEvent(emitter: NodeJS.EventEmitter, event: string | symbol, ending: string): boolean {
  return event !== ending && event !== 'close' && listenerCount.call(emitter, event) === 0;
}

/** EventEmitter keeps one listener of an event as the function itself (several: an array). */
interface Listened {
  _events?: Record<string | symbol, unknown>;
}

/**
 * Node's `resOnFinish`, bound anew for each response, is the one 'finish' listener a response
 * has when the server emits 'request' (nothing else has seen the response yet): kept on the
 * exchange then, and compared by identity when 'finish' comes.
 */
function nodeFinishListener(res: ServerResponse): unknown {
  const listener = (res as Listened)._events?.finish;
  return typeof listener === 'function' ? listener : undefined;
}

/** Node's `clearIncoming`, one function for every request of every server, once seen. */
let clearIncoming: unknown;

/**
 * Node's listener of a request's 'end' (`clearIncoming`, added when the response ends while
 * nobody read the body): recognised once by its name and source, then by identity.
 */
export function nodeEndListener(req: IncomingMessage): unknown {
  if (clearIncoming !== undefined) return clearIncoming;
  const listener = (req as Listened)._events?.end;
  if (typeof listener !== 'function' || listener.name !== 'clearIncoming') return undefined;
  if (Function.prototype.toString.call(listener).startsWith('function clearIncoming(req)')) clearIncoming = listener;
  return clearIncoming;
}

/** `ServerResponse.prototype.emit`: ends the span, and runs the response's events in its context. */
export function wrapServerResponseEmit(original: AnyFunction, deps: HttpDeps): AnyFunction {
  return function emit(this: ServerResponse, event: string | symbol): unknown {
    if (!deps.state.active || unheardOtherEvent(this, event, 'finish')) return Reflect.apply(original, this, arguments);
    const exchange = exchangeOf(this);
    if (exchange === undefined) return Reflect.apply(original, this, arguments);
    const ctx = exchange.context;
    // The first 'finish' or 'close' claims what ends with the response: a nested 'close' cannot
    // end or count it a second time. The usual 'close' after 'finish' reads nothing more.
    if (exchange.over || (event !== 'finish' && event !== 'close')) {
      if (ctx === undefined || !eventNeedsContext(ctx, this, event, undefined)) return Reflect.apply(original, this, arguments);
      return context.with(ctx, invoke, undefined, original, this, arguments);
    }
    const { span, measure } = exchange;
    // A framework's spans still open (the handler that answered, the routers around it) end
    // here, with the response, before its listeners run and before the SERVER span.
    exchange.end();
    try {
      const finished = event === 'finish' || this.writableFinished;
      if (measure !== undefined) measureDone(measure, this, finished);
      if (span !== undefined) responseDone(deps, span, this, finished);
    } catch (error) {
      deps.state.fail(error);
    }
    // The SERVER span ends after the listeners, so a 'finish' listener can still annotate it.
    try {
      if (ctx === undefined || !eventNeedsContext(ctx, this, event, event === 'finish' ? exchange.nodeFinishListener : undefined)) {
        return Reflect.apply(original, this, arguments);
      }
      return context.with(ctx, invoke, undefined, original, this, arguments);
    } finally {
      requestOver(deps, span, measure);
    }
  };
}

/** Records the measurement and ends the span at the same instant: the span lasts what was measured. */
function requestOver(deps: HttpDeps, span: Span | undefined, measure: HttpMeasure | undefined): void {
  try {
    if (measure === undefined) {
      span?.end();
      return;
    }
    const end = monotonicNow();
    deps.serverDuration?.record(measure, end);
    span?.end(end);
  } catch (error) {
    deps.state.fail(error);
  }
}
