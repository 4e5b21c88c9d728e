import type { AnyValueMap } from '@opentelemetry/api-logs';

/** The stable exception attributes (semantic conventions, "Exceptions in logs", stable). */
export const ATTR_EXCEPTION_TYPE = 'exception.type';
export const ATTR_EXCEPTION_MESSAGE = 'exception.message';
export const ATTR_EXCEPTION_STACKTRACE = 'exception.stacktrace';

/** The names of the field a logger's records conventionally carry an error under. */
export function isErrorField(key: string): boolean {
  return key === 'err' || key === 'error';
}

/**
 * Writes an error's type, message and stack as exception attributes. Anything error-like counts
 * (an Error, or an object with a string message or stack, as pino's serializer makes one); reads
 * are guarded, so a hostile error object leaves the attributes it could not give out.
 * Returns whether the value was an error.
 */
export function addExceptionAttributes(attributes: AnyValueMap, error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  try {
    const e = error as { name?: unknown; type?: unknown; message?: unknown; stack?: unknown; constructor?: { name?: unknown } };
    const message = e.message;
    const stack = e.stack;
    if (!(error instanceof Error) && typeof message !== 'string' && typeof stack !== 'string') return false;
    const type = typeof e.type === 'string' ? e.type : typeof e.constructor?.name === 'string' && e.constructor.name !== 'Object' ? e.constructor.name : e.name;
    if (typeof type === 'string' && type !== '') attributes[ATTR_EXCEPTION_TYPE] = type;
    if (typeof message === 'string') attributes[ATTR_EXCEPTION_MESSAGE] = message;
    if (typeof stack === 'string') attributes[ATTR_EXCEPTION_STACKTRACE] = stack;
    return true;
  } catch {
    return false;
  }
}
