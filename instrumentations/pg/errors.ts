import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { rememberRedacted, type SafeException } from '../../src/instrument';
import { ATTR_DB_RESPONSE_STATUS_CODE, ATTR_ERROR_TYPE, ERROR_TYPE_OTHER } from '../../src/semconv';
import type { DbFailure } from '../shared/db/metrics';

/**
 * How a failed pg operation is recorded.
 *
 * - A server error (pg's `DatabaseError`: a five-character SQLSTATE `code` and a `severity`):
 *   `db.response.status_code` and `error.type` are the SQLSTATE (`42P01`), as the PostgreSQL
 *   conventions ask (`error.type` SHOULD match the status code the database returned).
 * - A client-side error: `error.type` is its string `code` where it has one (`ECONNREFUSED`,
 *   `ENOTFOUND`), else its class name (`Error`, `TypeError`), else `_OTHER`.
 *
 * The status is ERROR, with an exception event. PostgreSQL quotes the offending value in many
 * messages (`invalid input syntax for type integer: "…"` quotes a bound value; `syntax error at
 * or near "…"` can quote a literal), so the message in the status, the event and the first line
 * of the stack trace has every quoted part replaced by `?`; the error's `detail`, `hint`, `where`
 * and the like are never read. Spans of other instrumentations that record the same error object
 * later (express, fastify, http) record this redacted exception too.
 */
export function recordPgError(span: Span, error: unknown): void {
  const err = errorFields(error);
  const name = typeof err.name === 'string' ? err.name : undefined;
  const constructorName = classOf(err);
  const { type, statusCode } = pgFailure(error);
  if (statusCode !== undefined) span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, statusCode);
  span.setAttribute(ATTR_ERROR_TYPE, type);

  const rawMessage = typeof err.message === 'string' ? err.message : error instanceof Error ? '' : String(error);
  const message = redactQuoted(rawMessage);
  // pg-protocol names its DatabaseError instances 'error' (the message type): use the class name.
  const exceptionType = isServerError(err) ? (constructorName ?? 'DatabaseError') : (name ?? constructorName ?? type);
  const exception: SafeException = { name: exceptionType, message };
  if (typeof err.stack === 'string') exception.stack = `${exceptionType}: ${message}${stackFrames(err.stack)}`;
  // The app may throw this error on: its handler's and request's spans record the same text.
  rememberRedacted(error, exception);
  span.recordException(exception);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

type ErrorFields = Partial<Error> & { code?: unknown; severity?: unknown };

function errorFields(error: unknown): ErrorFields {
  return (error !== null && typeof error === 'object' ? error : {}) as ErrorFields;
}

function classOf(err: ErrorFields): string | undefined {
  return typeof err.constructor === 'function' && err.constructor !== Object ? err.constructor.name : undefined;
}

/** `error.type` and `db.response.status_code` of a failed operation (the rules above), for its span and its metric. */
export function pgFailure(error: unknown): DbFailure {
  const err = errorFields(error);
  if (isServerError(err)) return { type: err.code as string, statusCode: err.code as string };
  if (typeof err.code === 'string' && err.code.length > 0) return { type: err.code, statusCode: undefined };
  const name = typeof err.name === 'string' ? err.name : undefined;
  return { type: name || classOf(err) || ERROR_TYPE_OTHER, statusCode: undefined };
}

function isServerError(err: { code?: unknown; severity?: unknown }): boolean {
  return typeof err.code === 'string' && err.code.length === 5 && typeof err.severity === 'string';
}

/** The `    at …` lines of a stack trace, without its first line (which repeats the message). */
function stackFrames(stack: string): string {
  const frames = stack.indexOf('\n    at ');
  return frames < 0 ? '' : stack.slice(frames);
}

/** Replaces each "…" and '…' part (doubled quotes inside are part of it) with `?`, in one pass. */
export function redactQuoted(message: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < message.length) {
    const quote = message.charCodeAt(i);
    if (quote !== 0x22 && quote !== 0x27) {
      i++;
      continue;
    }
    let end = i + 1;
    for (;;) {
      const close = message.indexOf(quote === 0x22 ? '"' : "'", end);
      if (close < 0) {
        end = message.length;
        break;
      }
      if (message.charCodeAt(close + 1) === quote) {
        end = close + 2;
        continue;
      }
      end = close + 1;
      break;
    }
    out += `${message.slice(copied, i)}?`;
    copied = i = end;
  }
  return copied === 0 ? message : out + message.slice(copied);
}
