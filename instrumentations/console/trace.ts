/** A console method's own printing: the call's `this` and arguments, and the installed wrapper. */
export type Print = (self: unknown, args: IArguments, wrapper: (...args: never[]) => unknown) => unknown;

/**
 * `console.trace` printed as Node prints it (lib/internal/console/constructor.js: the message
 * formatted for stderr, a stack from the caller of `trace`, written with `this.error`), but with
 * the stack cut at the agent's wrapper. Calling Node's own `trace` from a wrapper would print the
 * wrapper as the stack's first frame. Needs the console's stderr formatter (an internal symbol
 * the global console carries); undefined without it, and then `trace` is left unpatched.
 */
export function nodeTracePrint(console: Record<PropertyKey, unknown>): Print | undefined {
  const formatForStderr = Object.getOwnPropertySymbols(console).find((s) => s.description === 'kFormatForStderr');
  if (formatForStderr === undefined || typeof console[formatForStderr] !== 'function' || typeof console.error !== 'function') return undefined;
  return (_self, args, wrapper) => {
    // Node's trace is bound to the global console: `this` is always that console.
    const format = console[formatForStderr] as (args: unknown[]) => string;
    const err = { name: 'Trace', message: format.call(console, Array.prototype.slice.call(args)), stack: '' };
    Error.captureStackTrace(err, wrapper);
    (console.error as (text: string) => void)(err.stack);
    return undefined;
  };
}

/** The text `console.trace` printed for a message: `Trace: <text>` and the app's stack. */
export function traceText(text: string, wrapper: (...args: never[]) => unknown): string {
  const holder = { name: 'Trace', message: text, stack: '' };
  Error.captureStackTrace(holder, wrapper);
  return holder.stack;
}
