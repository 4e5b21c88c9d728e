import assert from 'node:assert/strict';
import { createContextKey, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '../../src/propagation/tracecontext';
import { EMPTY_CONTEXT } from '../../src/context/linked-context';

const A = createContextKey('a');
const B = createContextKey('b');

describe('EMPTY_CONTEXT: the agent\'s contexts, one link per value, with BaseContext\'s contract', () => {
  it('holds nothing, and setValue returns a new context that reads the value while the old one does not', () => {
    assert.equal(EMPTY_CONTEXT.getValue(A), undefined);
    const withA = EMPTY_CONTEXT.setValue(A, 1);
    assert.notEqual(withA, EMPTY_CONTEXT);
    assert.equal(withA.getValue(A), 1);
    assert.equal(EMPTY_CONTEXT.getValue(A), undefined);
  });

  it('reads the newest value of a key, and every other key from further up the chain', () => {
    const ctx = EMPTY_CONTEXT.setValue(A, 1).setValue(B, 'b').setValue(A, 2);
    assert.equal(ctx.getValue(A), 2);
    assert.equal(ctx.getValue(B), 'b');
  });

  it('deleteValue makes the key read undefined there only', () => {
    const withA = EMPTY_CONTEXT.setValue(A, 1).setValue(B, 2);
    const without = withA.deleteValue(A);
    assert.equal(without.getValue(A), undefined);
    assert.equal(without.getValue(B), 2);
    assert.equal(withA.getValue(A), 1);
    assert.equal(without.setValue(A, 3).getValue(A), 3);
  });

  it('carries an extracted remote parent and a span as the API reads them', () => {
    const extracted = new W3CTraceContextPropagator().extract(EMPTY_CONTEXT, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }, {
      get: (carrier: Record<string, string>, key) => carrier[key],
      keys: (carrier) => Object.keys(carrier),
    });
    assert.deepEqual(trace.getSpanContext(extracted), {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
    });
    const span = trace.wrapSpanContext(trace.getSpanContext(extracted)!);
    const active = trace.setSpan(extracted, span);
    assert.equal(trace.getSpan(active), span);
    assert.equal(trace.getSpan(trace.deleteSpan(active)), undefined);
  });
});
