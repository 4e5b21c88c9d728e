import assert from 'node:assert/strict';
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { recordPgError } from '../../instrumentations/pg/errors';
import { recordError } from '../../instrumentations/shared/http-semantics';
import { recordRedisError } from '../../instrumentations/shared/redis-semantics';
import type { SpanData } from '../../src/sdk/span-data';
import { DatabaseError, ReplyError } from '../kit/database-errors';
import { attributeOf, recordingProvider } from '../kit/recording';

/**
 * An error a database instrumentation redacted travels on out of the app's handler: the span
 * that records it next (express, fastify and http all call `recordError`) records the redacted
 * text, not the raw message.
 */

/** The database span, then the handler's span, each recording `error` as their instrumentations do. */
function recordTwice(recordDb: (span: Span, error: unknown) => void, error: unknown): { db: SpanData; handler: SpanData } {
  const { provider, ended } = recordingProvider();
  const tracer = provider.getTracer('unit');
  const db = tracer.startSpan('db');
  recordDb(db, error);
  db.end();
  const handler = tracer.startSpan('request handler - /lookup');
  recordError(handler, error);
  handler.end();
  return { db: ended.named('db'), handler: ended.named('request handler - /lookup') };
}

function exceptionOf(span: SpanData): Record<string, unknown> {
  const events = span.events.filter((e) => e.name === 'exception');
  assert.equal(events.length, 1, `one exception event on ${span.name}`);
  return events[0].attributes;
}

describe('errors redacted by a database instrumentation, recorded again by a framework span', () => {
  it('a pg error quoting a bound value: the handler span records the redacted message, type and stack', () => {
    const error = new DatabaseError('invalid input syntax for type integer: "b0und-value"', '22P02');
    const { db, handler } = recordTwice(recordPgError, error);
    const exception = exceptionOf(handler);
    assert.deepEqual(exceptionOf(db), exception, 'the same exception on both spans');
    assert.equal(exception['exception.message'], 'invalid input syntax for type integer: ?');
    assert.equal(exception['exception.type'], 'DatabaseError');
    assert.match(String(exception['exception.stacktrace']), /^DatabaseError: invalid input syntax for type integer: \?\n {4}at /);
    assert.deepEqual(handler.status, { code: SpanStatusCode.ERROR, message: 'invalid input syntax for type integer: ?' });
    assert.equal(attributeOf(handler, 'error.type'), '22P02');
    assert.ok(!JSON.stringify([handler.events, handler.status]).includes('b0und'));
    assert.equal(error.message, 'invalid input syntax for type integer: "b0und-value"', "the app's error object is untouched");
  });

  it('a Redis error echoing arguments: the handler span records the message without them', () => {
    const error = new ReplyError("ERR unknown command 'FOO', with args beginning with: 's3cr3t' ");
    const { handler } = recordTwice(recordRedisError, error);
    assert.equal(exceptionOf(handler)['exception.message'], "ERR unknown command 'FOO'");
    assert.ok(!JSON.stringify([handler.events, handler.status]).includes('s3cr3t'));
  });

  it('an error no instrumentation redacted is recorded as it is', () => {
    const { provider, ended } = recordingProvider();
    const span = provider.getTracer('unit').startSpan('handler');
    recordError(span, new TypeError('cannot read "x" of undefined'));
    span.end();
    const exception = exceptionOf(ended.named('handler'));
    assert.equal(exception['exception.message'], 'cannot read "x" of undefined');
    assert.equal(exception['exception.type'], 'TypeError');
  });
});
