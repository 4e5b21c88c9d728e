/**
 * Errors whose own text is not fit for export (PostgreSQL quotes a bound value in its message,
 * Redis echoes command arguments), each with the exception its instrumentation exported instead.
 * The app often lets such an error travel on, out of its handler: the framework or HTTP span
 * that records it next must record the same safe text, not the raw message. Keyed by the error
 * object, weakly: nothing is kept alive by it.
 */
const redacted = new WeakMap<object, SafeException>();

/** An exception as it may be exported: every field already made safe. */
export interface SafeException {
  name: string;
  message: string;
  stack?: string;
}

/** `error`'s text is unsafe: spans that record it later record `safe` instead. */
export function rememberRedacted(error: unknown, safe: SafeException): void {
  if (error !== null && typeof error === 'object') redacted.set(error, safe);
}

/** The safe form of an error an instrumentation redacted, if one did. */
export function redactedFormOf(error: unknown): SafeException | undefined {
  return error !== null && typeof error === 'object' ? redacted.get(error) : undefined;
}
