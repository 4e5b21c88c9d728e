import type { Context, Span } from '@opentelemetry/api';
import type { HttpMeasure } from './http-metrics';

/**
 * The contract between the http instrumentation and the web frameworks: one `ServerExchange` per
 * followed server request (it has a span, or is measured, or is excluded from tracing), opened
 * by the http instrumentation at the 'request' event and found from the request or its response.
 * Express and fastify read it to name the SERVER span after the route (`GET /users/:id`), even
 * from inside a nested span where the active span is not the SERVER span, to set the measured
 * route, and (express) to end their own spans when the response ends.
 *
 * Kept on the request and the response under one symbol, so that a reader makes one property read
 * for all of it: under express on Node 20 and 22 every request and response gets a hidden class of
 * its own, and each property read on them, the agent's included, misses V8's inline caches (a
 * runtime lookup each time). A WeakMap instead measured worse under load (more CPU per request,
 * peak RSS +17 MB on node:http: bench/RESULTS.md, issue #20's eighth step).
 */
export class ServerExchange {
  /** The SERVER span, until the response ends it. */
  span: Span | undefined = undefined;
  /** The duration measurement (metrics on), until the response ends and it is recorded. */
  measure: HttpMeasure | undefined = undefined;
  /** What a framework keeps for the request (express: its layers); told once when the response is over. */
  framework: FrameworkRequest | undefined = undefined;
  /** 'finish' or 'close' came: the span, measure and framework's end above have been claimed. */
  over = false;
  /** Node's own 'finish' listener on the response, seen by the http instrumentation when the request came. */
  nodeFinishListener: unknown = undefined;

  constructor(
    /**
     * The context the request's events run in: the SERVER span's, or one that suppresses tracing
     * (an excluded URL); undefined for a request measured without a span.
     */
    readonly context: Context | undefined,
    /** The request's method as it came (`req.method`). */
    readonly method: string,
  ) {}

  /**
   * The response is over ('finish', or 'close' without it): what ended with it is let go and the
   * framework told, once; a nested or later 'close' finds `over` set. The http instrumentation
   * reads `span` and `measure` first, to end and record them.
   */
  end(): void {
    if (this.over) return;
    this.over = true;
    const framework = this.framework;
    this.span = this.measure = this.framework = undefined;
    framework?.responseEnded();
  }
}

/**
 * The method a followed request is known by: `req.method` as it came, `GET` when it has none (Node
 * always sets one; a framework run on a request object of the app's own may not).
 */
export function requestMethod(req: { readonly method?: unknown }): string {
  const method = req.method;
  return typeof method === 'string' ? method : 'GET';
}

/** A framework's state for one request, told when the response is over ('finish', or 'close' without it). Never throws. */
export interface FrameworkRequest {
  responseEnded(): void;
}

const EXCHANGE = Symbol('otelite.http.exchange');

interface Followed {
  [EXCHANGE]?: ServerExchange;
}

/** Follows a request: its exchange is found from `request` (and `response`, when given) from now on. */
export function openExchange(request: object, response: object | undefined, exchange: ServerExchange): void {
  (request as Followed)[EXCHANGE] = exchange;
  if (response !== undefined) (response as Followed)[EXCHANGE] = exchange;
}

/** The exchange of a server request or of its response; undefined when it is not followed. */
export function exchangeOf(message: object): ServerExchange | undefined {
  return (message as Followed)[EXCHANGE];
}

/** Records the route a framework matched on the request's measurement, if it is measured. */
export function setMeasuredRoute(exchange: ServerExchange | undefined, route: string): void {
  const measure = exchange?.measure;
  if (measure !== undefined) measure.route = route;
}
