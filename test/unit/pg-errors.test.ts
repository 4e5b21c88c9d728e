import assert from 'node:assert/strict';
import type { Span, SpanStatus } from '@opentelemetry/api';

interface Exception {
  name?: string;
  message?: string;
  stack?: string;
}
import { recordPgError, redactQuoted } from '../../instrumentations/pg/errors';
import { DatabaseError } from '../kit/database-errors';

/** Records what recordPgError does to a span. */
function fakeSpan(): { span: Span; attributes: Record<string, unknown>; exceptions: Exception[]; status: SpanStatus[] } {
  const attributes: Record<string, unknown> = {};
  const exceptions: Exception[] = [];
  const status: SpanStatus[] = [];
  const span = {
    setAttribute(key: string, value: unknown) {
      attributes[key] = value;
      return span;
    },
    recordException(exception: Exception) {
      exceptions.push(exception);
    },
    setStatus(s: SpanStatus) {
      status.push(s);
      return span;
    },
  } as unknown as Span;
  return { span, attributes, exceptions, status };
}

describe('pg/errors', () => {
  it('redactQuoted replaces every quoted part, doubled quotes included', () => {
    assert.equal(redactQuoted('invalid input syntax for type integer: "b0und"'), 'invalid input syntax for type integer: ?');
    assert.equal(redactQuoted(`syntax error at or near "'it''s'"`), 'syntax error at or near ?');
    assert.equal(redactQuoted(`a 'x''y' b "p""q" c`), 'a ? b ? c');
    assert.equal(redactQuoted('value "unterminated'), 'value ?');
    assert.equal(redactQuoted('connect ECONNREFUSED 127.0.0.1:5432'), 'connect ECONNREFUSED 127.0.0.1:5432');
  });

  it('a server error: SQLSTATE as db.response.status_code and error.type, redacted message, no detail', () => {
    const { span, attributes, exceptions, status } = fakeSpan();
    const error = new DatabaseError('invalid input syntax for type integer: "b0und-value"', '22P02');
    recordPgError(span, error);
    assert.deepEqual(attributes, { 'db.response.status_code': '22P02', 'error.type': '22P02' });
    assert.equal(exceptions.length, 1);
    assert.equal(exceptions[0].name, 'DatabaseError');
    assert.equal(exceptions[0].message, 'invalid input syntax for type integer: ?');
    assert.match(String(exceptions[0].stack), /^DatabaseError: invalid input syntax for type integer: \?\n {4}at /);
    assert.deepEqual(status, [{ code: 2, message: 'invalid input syntax for type integer: ?' }]);
    assert.ok(!JSON.stringify([attributes, exceptions, status]).includes('b0und'));
  });

  it('a client error: its code, else its class, else _OTHER', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const cases: Array<[unknown, string, string]> = [
      [refused, 'ECONNREFUSED', 'Error'],
      [new TypeError('Client was passed a null or undefined query'), 'TypeError', 'TypeError'],
      ['a string', '_OTHER', '_OTHER'],
    ];
    for (const [error, type, exceptionType] of cases) {
      const { span, attributes, exceptions } = fakeSpan();
      recordPgError(span, error);
      assert.deepEqual(attributes, { 'error.type': type });
      assert.equal(exceptions[0].name, exceptionType);
    }
  });
});
