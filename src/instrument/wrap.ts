/**
 * Replacing a function with a wrapper that looks like it: same `name`, same `length` (arity),
 * same prototype (so `instanceof` and constructor use keep working), and a marker so that the
 * same function is never wrapped twice, whoever loaded it first.
 */
const ORIGINAL = Symbol.for('otelite.original');

// Any function at all: `unknown[]` parameters would reject functions with typed parameters.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFunction = (...args: any[]) => any;

export function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[ORIGINAL] !== undefined;
}

/** Gives `wrapper` the outward identity of `original`. */
export function disguise<F extends AnyFunction>(original: F, wrapper: F): F {
  Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
  Object.defineProperty(wrapper, ORIGINAL, { value: original, configurable: true });
  if (original.prototype !== undefined) wrapper.prototype = original.prototype;
  Object.setPrototypeOf(wrapper, Object.getPrototypeOf(original));
  for (const key of Reflect.ownKeys(original)) {
    if (key === 'name' || key === 'length' || key === 'prototype' || key === 'arguments' || key === 'caller') continue;
    if (Object.prototype.hasOwnProperty.call(wrapper, key)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(original, key);
    if (descriptor !== undefined) Object.defineProperty(wrapper, key, descriptor);
  }
  return wrapper;
}

/**
 * Replaces `target[key]` with `makeWrapper(original)`. Returns false (and changes nothing) when
 * the property is not a function or is already wrapped.
 */
export function wrapMethod<T extends object>(
  target: T,
  key: keyof T,
  makeWrapper: (original: AnyFunction) => AnyFunction,
): boolean {
  const original = target[key];
  if (typeof original !== 'function' || isWrapped(original)) return false;
  const wrapper = disguise(original as AnyFunction, makeWrapper(original as AnyFunction));
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  Object.defineProperty(target, key, {
    value: wrapper,
    writable: descriptor?.writable ?? true,
    enumerable: descriptor?.enumerable ?? false,
    configurable: true,
  });
  return true;
}
