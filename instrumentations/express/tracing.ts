import { trace, type Tracer } from '@opentelemetry/api';
import { callInContext, type AnyFunction, type HttpInstrumentationConfig, type InstrumentationState } from '../../src/instrument';
import { ATTR_HTTP_ROUTE } from '../../src/semconv';
import { recordError } from '../shared/http-semantics';
import { exchangeOf, openExchange, requestMethod, ServerExchange, setMeasuredRoute } from '../shared/server-exchange';
import { INTERNAL_SPAN, recordingParentOf, recordingServerSpanOf, setServerRoute } from '../shared/web-route';
import { LAYER_INFO, type LayerInfo, type TaggedLayer } from './layer-info';
import { endOpenLayers, LayerCall, requestStateOf, RequestState } from './request-state';
import type { ExpressRequest, ExpressResponse } from './types';

/** Attributes of the official express instrumentation (`express.type`: router, middleware, request_handler). */
export const ATTR_EXPRESS_TYPE = 'express.type';
export const ATTR_EXPRESS_NAME = 'express.name';

/**
 * A layer's `handle` wrapped by a shimmer-based instrumentation (the official
 * @opentelemetry/instrumentation-express wraps every layer's `handle` that way) already gets a
 * span there: this layer then gets none of ours, so it is traced once. The route template and
 * the SERVER span's name are still kept up to date.
 */
export function tracedElsewhere(layer: TaggedLayer): boolean {
  return (layer.handle as { __wrapped?: unknown }).__wrapped === true;
}

/**
 * Turns the layers express runs into INTERNAL spans and names the SERVER span after the route
 * (request-state.ts explains the nesting). Only for a request whose SERVER span records; a
 * request without one that is measured (metrics on) is followed through its layers for its
 * route alone, with no span and no context. For any other request `enter` returns undefined
 * after one look at the request, and express's own code runs untouched.
 */
export class ExpressTracing {
  /** For a response the http instrumentation does not follow (tracing.ts's `enter`). */
  private readonly onResponseEnd: (this: ExpressResponse) => void;

  constructor(
    private readonly tracer: Tracer,
    private readonly config: HttpInstrumentationConfig,
    readonly state: InstrumentationState,
  ) {
    // One listener for every response (`this` is the response): no closure per request.
    this.onResponseEnd = function onResponseEnd(this: ExpressResponse): void {
      endOpenLayers(this, state);
    };
  }

  /** A layer starts; returns its call, or undefined to leave it untraced. Never throws. */
  enter(layer: TaggedLayer, req: ExpressRequest, res: ExpressResponse, next: AnyFunction): LayerCall | undefined {
    try {
      const info = layer[LAYER_INFO];
      if (info === undefined || req === null || typeof req !== 'object') return undefined;
      let exchange = exchangeOf(req);
      let request = requestStateOf(exchange);
      if (request === undefined) {
        const parent = recordingParentOf(exchange);
        if (parent === undefined) return this.followRoute(info, req, exchange, undefined, next);
        // The open layers end with the response: told by the http instrumentation when it
        // follows the request, else by listeners of ours (the app made its own SERVER span).
        if (exchange === undefined) {
          exchange = new ServerExchange(undefined, requestMethod(req));
          openExchange(req, undefined, exchange);
          if (typeof res?.on === 'function') {
            res.on('finish', this.onResponseEnd);
            res.on('close', this.onResponseEnd);
          }
        }
        request = new RequestState(parent, exchange, this.state);
      }
      const parentBefore = request.parent;
      if (parentBefore === undefined) return this.followRoute(info, req, request.exchange, request, next);
      const baseBefore = request.base;
      info.resolve(baseBefore);
      if (info.type === 'request_handler') {
        const exchange = request.exchange;
        setMeasuredRoute(exchange, info.template);
        const server = recordingServerSpanOf(exchange);
        if (server !== undefined) setServerRoute(server, exchange!.method, info.template, this.config);
      }
      let span;
      let ctx = parentBefore;
      if (!tracedElsewhere(layer)) {
        span = this.tracer.startSpan(info.spanName, INTERNAL_SPAN, parentBefore);
        span.setAttribute(ATTR_EXPRESS_TYPE, info.type);
        span.setAttribute(ATTR_EXPRESS_NAME, info.expressName);
        if (info.type === 'request_handler') span.setAttribute(ATTR_HTTP_ROUTE, info.template);
        ctx = trace.setSpan(parentBefore, span);
      }
      const call = new LayerCall(req, request, span, ctx, next, parentBefore, baseBefore);
      call.next = this.nextFor(call);
      // The router keeps its `next` on the request too, and `res.format()` hands `req.next` to its
      // callbacks: while the layer runs, that is the `next` the layer got, as without the agent.
      if (req.next === next) req.next = call.next;
      request.parent = ctx;
      if (info.type !== 'request_handler') request.base = info.template;
      request.calls.push(call);
      return call;
    } catch (error) {
      this.state.fail(error);
      return undefined;
    }
  }

  /**
   * A request that is measured (metrics on) but not traced: only its route is wanted, so only
   * the mount position is kept. A layer that leaves it as it is (a route, a middleware or router
   * mounted on `/`) runs untouched: no state, no `next` of ours. One mounted on a path (a router
   * or sub-app on `/api`) is followed until it calls `next`, since the routes inside it are
   * below that path until then.
   */
  private followRoute(
    info: LayerInfo,
    req: ExpressRequest,
    exchange: ServerExchange | undefined,
    request: RequestState | undefined,
    next: AnyFunction,
  ): LayerCall | undefined {
    if (exchange?.measure === undefined) return undefined;
    const base = request === undefined ? '' : request.base;
    info.resolve(base);
    if (info.type === 'request_handler') {
      setMeasuredRoute(exchange, info.template);
      return undefined;
    }
    if (info.template === base) return undefined;
    request ??= new RequestState(undefined, exchange, this.state);
    const call = new LayerCall(req, request, undefined, undefined, next, undefined, base);
    call.next = this.nextFor(call);
    if (req.next === next) req.next = call.next;
    request.base = info.template;
    return call;
  }

  /** The layer called `next(err?)`: it ends there, and the position goes back to where it was. */
  leave(call: LayerCall, err: unknown): void {
    if (call.ended) return;
    try {
      call.ended = true;
      const request = call.request;
      request.parent = call.parentBefore;
      request.base = call.baseBefore;
      // Express treats anything truthy but 'route' and 'router' as an error.
      if (err && err !== 'route' && err !== 'router' && err !== request.lastError) {
        request.lastError = err;
        if (call.span !== undefined) recordError(call.span, err);
      }
      call.span?.end();
    } catch (error) {
      this.state.fail(error);
    }
  }

  /**
   * The `next` a traced layer gets: ends its span, then calls express's `next` in the context the
   * layer started in, so what runs next (the next layer, `app.param` callbacks, the final
   * handler) is not a child of a layer that has finished.
   */
  private nextFor(call: LayerCall): AnyFunction {
    const tracing = this;
    return function next(this: unknown, err?: unknown): unknown {
      if (call.req.next === next) call.req.next = call.originalNext;
      tracing.leave(call, err);
      // A request followed only for its route has no context of the agent's to go back to.
      if (call.parentBefore === undefined) return Reflect.apply(call.originalNext, this, arguments);
      return callInContext(call.parentBefore, call.originalNext, this, arguments);
    };
  }
}
