import { wrapMethod, type InstrumentationState, type AnyFunction } from '../../src/instrument';
import { LAYER_INFO, routeInfo, useInfo, usePath, type TaggedLayer } from './layer-info';
import type { RouterLike } from './types';

/**
 * Registration-time patches of a router (express 4's `lib/router/index.js`, express 5's `router`
 * package): `use` and `route` are wrapped to tag the layers they push with the path they were
 * given. Neither express 4's layers nor router before 2.3 keep that path (only a compiled
 * matcher), and the route template with its mount paths (`/api` + `/users/:id`) is built from
 * it. Every `app.use`, `app.get`, `app.route` and `router.*` ends in these two methods. Nothing
 * here runs per request.
 */
export function patchRegistration(proto: RouterLike | undefined, state: InstrumentationState): void {
  if (proto === undefined || proto === null) return;
  wrapMethod(proto, 'use', (original) => wrapUse(original, state));
  wrapMethod(proto, 'route', (original) => wrapRoute(original, state));
}

function wrapUse(original: AnyFunction, state: InstrumentationState): AnyFunction {
  return function use(this: RouterLike): unknown {
    const before = Array.isArray(this?.stack) ? this.stack.length : -1;
    // The app's own mistakes (`use()` without a function) throw from here untouched.
    const result: unknown = Reflect.apply(original, this, arguments);
    if (before >= 0 && state.active) {
      try {
        const stack = this.stack as TaggedLayer[];
        const path = usePath(arguments);
        for (let i = before; i < stack.length; i++) stack[i][LAYER_INFO] ??= useInfo(stack[i], path);
      } catch (error) {
        state.fail(error);
      }
    }
    return result;
  };
}

function wrapRoute(original: AnyFunction, state: InstrumentationState): AnyFunction {
  return function route(this: RouterLike, path: unknown): unknown {
    const result: unknown = Reflect.apply(original, this, arguments);
    if (state.active) {
      try {
        const stack = this?.stack as TaggedLayer[] | undefined;
        const layer = stack?.[stack.length - 1];
        if (layer !== undefined && layer.route !== undefined) layer[LAYER_INFO] ??= routeInfo(layer.route.path ?? path);
      } catch (error) {
        state.fail(error);
      }
    }
    return result;
  };
}
