import type { Context, Span } from '@opentelemetry/api';
import type { AnyFunction, InstrumentationState } from '../../src/instrument';
import { exchangeOf, type FrameworkRequest, type ServerExchange } from '../shared/server-exchange';
import type { ExpressRequest, ExpressResponse } from './types';

/**
 * Per-request state of a followed request, kept in its exchange (shared/server-exchange.ts):
 * created by the first layer that needs it, gone with the request.
 *
 * Layers nest the way express runs them: while a layer runs (until it calls `next`), the layers
 * it runs itself (a router's, a sub-app's) are its children, and their routes are below its
 * mount path. `parent` and `base` are that current position; a layer saves them on entry and
 * gives them back when it calls `next`. Nesting is strictly last-in-first-out, because express
 * calls a layer's `next` only after everything inside it has called its own.
 */
/** The request's state, once a layer has followed it (only express sets an exchange's `framework`). */
export function requestStateOf(exchange: ServerExchange | undefined): RequestState | undefined {
  return exchange?.framework as RequestState | undefined;
}

export class RequestState implements FrameworkRequest {
  /**
   * The context new layer spans start in: the SERVER span's, or the enclosing layer's. Undefined
   * for a request followed only for its route (measured, not traced): it gets no spans.
   */
  parent: Context | undefined;
  /** Mount template of the current position (`/api/v1`); `''` at the app's top level. */
  base = '';
  /** The last error recorded: an error passed on by enclosing routers is recorded once, at its origin. */
  lastError: unknown = undefined;
  /** Every layer call of the request, so the response's end can end those still open. */
  readonly calls: LayerCall[] = [];

  constructor(
    parent: Context | undefined,
    readonly exchange: ServerExchange,
    private readonly state: InstrumentationState,
  ) {
    this.parent = parent;
    exchange.framework = this;
  }

  /** The response is over (told by the exchange): the layers still open end with it. */
  responseEnded(): void {
    endLayers(this, this.state);
  }
}

/** One traced run of one layer: its span, and what to give back when it calls `next`. */
export class LayerCall {
  ended = false;
  /** The `next` express gave the layer, and the one the layer got instead (see handle.ts). */
  next: AnyFunction | undefined;

  constructor(
    readonly req: ExpressRequest,
    readonly request: RequestState,
    /** Undefined when another instrumentation already traces this layer (handle.ts). */
    readonly span: Span | undefined,
    /** The context the layer runs in: its span's. */
    readonly context: Context | undefined,
    readonly originalNext: AnyFunction,
    readonly parentBefore: Context | undefined,
    readonly baseBefore: string,
  ) {}
}

/**
 * `finish` and `close` of a traced response the http instrumentation does not follow (the app
 * made its own SERVER span): the layers still open end with it. Called from one listener shared
 * by all such responses (tracing.ts).
 */
export function endOpenLayers(response: ExpressResponse, state: InstrumentationState): void {
  const req = response.req;
  const request = req === null || typeof req !== 'object' ? undefined : requestStateOf(exchangeOf(req));
  if (request !== undefined) endLayers(request, state);
}

/**
 * The layers that have not called `next` by the time the response is over (the handler that
 * answered, the routers around it, a middleware that ended the response) end with it.
 */
function endLayers(request: RequestState, state: InstrumentationState): void {
  try {
    // Innermost first: a handler ends before the routers around it.
    for (let i = request.calls.length - 1; i >= 0; i--) {
      const call = request.calls[i];
      if (call.ended) continue;
      call.ended = true;
      call.span?.end();
    }
  } catch (error) {
    state.fail(error);
  }
}
