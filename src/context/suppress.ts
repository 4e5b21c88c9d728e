import { createContextKey, type Context } from '@opentelemetry/api';

/**
 * Marks a context in which nothing is traced: the agent's own export requests run in it so the
 * http instrumentation never traces them. The key's description is the one @opentelemetry/core
 * uses, and `createContextKey` makes a `Symbol.for` of it, so official exporters and
 * instrumentations running in the same process honour our mark and we honour theirs.
 */
const SUPPRESS_TRACING_KEY = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

export function suppressTracing(context: Context): Context {
  return context.setValue(SUPPRESS_TRACING_KEY, true);
}

export function isTracingSuppressed(context: Context): boolean {
  return context.getValue(SUPPRESS_TRACING_KEY) === true;
}
