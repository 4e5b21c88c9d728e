import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

/**
 * The agent's one AsyncLocalStorage (measured: several ALS instances holding stores cost
 * more on Node 24, and `run` once per span is the cheap pattern). It is created in `enable`,
 * so a process with the agent disabled never pays the ALS cost on its awaits.
 */
export class AsyncLocalStorageContextManager implements ContextManager {
  private storage: AsyncLocalStorage<Context> | undefined;

  active(): Context {
    return this.storage?.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const storage = this.storage;
    if (storage === undefined) return fn.call(thisArg, ...args);
    if (thisArg === undefined) return storage.run(context, fn, ...args);
    return storage.run(context, () => fn.apply(thisArg, args));
  }

  /** Binds functions to a context. Event emitters are returned as they are. */
  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const manager = this;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    const bound = function (this: unknown, ...args: unknown[]) {
      return manager.with(context, () => fn.apply(this, args));
    };
    Object.defineProperty(bound, 'length', { value: fn.length, configurable: true });
    return bound as unknown as T;
  }

  enable(): this {
    this.storage ??= new AsyncLocalStorage<Context>();
    return this;
  }

  disable(): this {
    this.storage?.disable();
    this.storage = undefined;
    return this;
  }
}
