import { joinTemplate, pathTemplate } from '../shared/web-route';
import type { ExpressLayer } from './types';

/**
 * What the agent knows about one layer of a router's stack, learnt once when the app registers
 * it (registration.ts) and kept on express's own layer object: its kind, the path it was mounted
 * or routed on, and the span name, cached for the mount template it last ran under (a router is
 * nearly always mounted at one place, so the name is built once, not per request).
 */
export const LAYER_INFO = Symbol('otelite.express.layer');

export type TaggedLayer = ExpressLayer & { [LAYER_INFO]?: LayerInfo };

/** `express.type` values, as the official express instrumentation writes them. */
export type LayerType = 'router' | 'middleware' | 'request_handler';

export class LayerInfo {
  /** The mount template the cached values below were computed for. */
  private base: string | undefined;
  /**
   * For a route: its full template (`/api/users/:id`). For a `use` layer: the mount template the
   * layers inside it run under (`/api`), unchanged from `base` when it is mounted on `/`.
   */
  template = '';
  spanName = '';
  /** `express.name`: the function's name for middleware, the template for routers and routes. */
  expressName = '';

  constructor(
    readonly type: LayerType,
    /** The path as written: `/users/:id`, `/api`, `/` (String() of a RegExp, `,`-joined arrays). */
    readonly path: string,
    /** The layer's function name (`jsonParser`, `<anonymous>`). */
    readonly functionName: string,
  ) {}

  /** Updates the template and names for the mount template `base` (no work when it is unchanged). */
  resolve(base: string): void {
    if (base === this.base) return;
    this.base = base;
    if (this.type === 'request_handler') {
      this.template = joinTemplate(base, this.path) || '/';
      this.spanName = `request handler - ${this.template}`;
      this.expressName = this.template;
      return;
    }
    this.template = mountTemplate(base, this.path);
    if (this.type === 'router') {
      this.expressName = this.template.length > 0 ? this.template : '/';
      this.spanName = `router - ${this.expressName}`;
    } else {
      this.expressName = this.functionName;
      this.spanName = `middleware - ${this.functionName}`;
    }
  }
}

/** The template the layers inside a `use` layer mounted on `path` run under. */
export function mountTemplate(base: string, path: string): string {
  if (path === '/' || path.length === 0) return base;
  const joined = joinTemplate(base, path);
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

export function routeInfo(path: unknown): LayerInfo {
  return new LayerInfo('request_handler', pathTemplate(path) ?? '/', '');
}

export function useInfo(layer: ExpressLayer, path: unknown): LayerInfo {
  const name = typeof layer.name === 'string' && layer.name.length > 0 ? layer.name : '<anonymous>';
  return new LayerInfo(name === 'router' ? 'router' : 'middleware', pathTemplate(path) ?? '/', name);
}

/**
 * The path argument of `use([path,] ...fns)`, read the way express and router read it: the first
 * argument unless it is a function, or an array whose first non-array element is a function.
 */
export function usePath(args: ArrayLike<unknown>): unknown {
  const first = args[0];
  if (typeof first === 'function') return '/';
  let arg = first;
  while (Array.isArray(arg) && arg.length !== 0) arg = arg[0];
  return typeof arg === 'function' ? '/' : first;
}
