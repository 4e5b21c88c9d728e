import type { Context, Span } from '@opentelemetry/api';
import type { AnyFunction, InstrumentationState } from '../../src/instrument';
import type { ExpressRequest, ExpressResponse } from './types';

/**
 * Per-request state of a traced request, kept on express's request object under a private
 * symbol: created by the first traced layer, gone with the request.
 *
 * Layers nest the way express runs them: while a layer runs (until it calls `next`), the layers
 * it runs itself (a router's, a sub-app's) are its children, and their routes are below its
 * mount path. `parent` and `base` are that current position; a layer saves them on entry and
 * gives them back when it calls `next`. Nesting is strictly last-in-first-out, because express
 * calls a layer's `next` only after everything inside it has called its own.
 */
export const REQUEST_STATE = Symbol('otelite.express.request');

export class RequestState {
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

  constructor(parent: Context | undefined) {
    this.parent = parent;
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
 * `finish` and `close` of a traced response: the layers that have not called `next` by then (the
 * handler that answered, the routers around it, a middleware that ended the response) end with
 * it. Called from one listener shared by all responses (tracing.ts).
 */
export function endOpenLayers(response: ExpressResponse, state: InstrumentationState): void {
  try {
    const request = (response.req as { [REQUEST_STATE]?: RequestState } | undefined)?.[REQUEST_STATE];
    if (request === undefined) return;
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
