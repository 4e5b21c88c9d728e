import { SpanKind, trace, type Context, type SpanOptions } from '@opentelemetry/api';
import { isTracingSuppressed, type DbInstrumentationConfig } from '../../../src/instrument';

/**
 * The rules every database client instrumentation (pg, node-redis, ioredis) follows, written once.
 */

/** Constant options of a database CLIENT span: no object per operation. */
export const DB_CLIENT_SPAN: SpanOptions = Object.freeze({ kind: SpanKind.CLIENT });

/** The name of the span of a connection attempt, for every client. */
export const CONNECT_SPAN_NAME = 'connect';

/**
 * Whether an operation started in `parent` gets a span: never under the agent's own suppressed
 * context (an export), and, with OTEL_NODE_DB_REQUIRE_PARENT_SPAN, only below another span (a
 * query at start-up or from a timer outside any request is then not a trace of its own).
 */
export function tracesOperation(config: DbInstrumentationConfig, parent: Context): boolean {
  if (isTracingSuppressed(parent)) return false;
  return !config.requireParentSpan || trace.getSpan(parent) !== undefined;
}
