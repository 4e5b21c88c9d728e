/**
 * The shapes of express 4 (`express/lib/router/*.js`) and of `router` 2 (express 5's router) as
 * far as this instrumentation reads them. Checked against express 4.22 and router 2.0-2.3.
 */

import type { AnyFunction } from '../../src/instrument';

/** A layer of a router's stack (`app.use`, `router.use`, `app.route`) or of a route's stack. */
export interface ExpressLayer {
  /** The app's function; for a route layer, the route's dispatcher (`bound dispatch` / `handle`). */
  handle: AnyFunction;
  /** `fn.name || '<anonymous>'`; `router` for an express Router. */
  name: string;
  /** Set on a router's layers only: the Route of an `app.route()` layer, undefined for `use`. */
  route?: { path?: unknown };
}

/** `express/lib/router/index.js` (express 4's `proto`) and `router`'s `Router.prototype`. */
export interface RouterLike {
  stack?: ExpressLayer[];
  use?: AnyFunction;
  route?: AnyFunction;
}

/** Express's request as far as the agent reads it. */
export interface ExpressRequest {
  method?: string;
  /** The router's `next`, set by the router for the request; `res.format()` hands it to its callbacks. */
  next?: unknown;
}

export interface ExpressResponse {
  req?: object;
  on(event: string, listener: (this: ExpressResponse) => void): unknown;
}
