import assert from 'node:assert/strict';
import { newSpanId, newTraceId } from '../../src/sdk/ids';

describe('sdk: trace and span ids', () => {
  it('are lower-case hex of the right length, never all zeros, and distinct across pool refills', () => {
    // 64 KiB of random bytes serve about 2700 spans (21 per hex string): 6000 pairs cross two refills.
    const traceIds = new Set<string>();
    const spanIds = new Set<string>();
    for (let i = 0; i < 6000; i++) {
      const traceId = newTraceId();
      const spanId = newSpanId();
      assert.match(traceId, /^[0-9a-f]{32}$/);
      assert.match(spanId, /^[0-9a-f]{16}$/);
      assert.notEqual(traceId, '0'.repeat(32));
      assert.notEqual(spanId, '0'.repeat(16));
      traceIds.add(traceId);
      spanIds.add(spanId);
    }
    assert.equal(traceIds.size, 6000);
    assert.equal(spanIds.size, 6000);
  });
});
