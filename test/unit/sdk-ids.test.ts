import assert from 'node:assert/strict';
import { idBytesOf, lastId, newSpanId, newTraceId, NO_ID_BYTES } from '../../src/sdk/ids';

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

  it("say where each id's bytes are, until their buffer is filled again two generations on", () => {
    const drawn: Array<[string, number, number]> = [];
    const bytesOf = (hex: string, generation: number, at: number): string | undefined => {
      const view = idBytesOf(generation);
      return view && Buffer.from(view.buffer, view.byteOffset + at, hex.length / 2).toString('hex');
    };
    // 64 KiB per generation: 3000 trace and span ids each (72 KB) fill a little more than one
    // generation, so 6000 pairs span three and more.
    for (let i = 0; i < 6000; i++) {
      for (const draw of [newTraceId, newSpanId]) {
        const hex = draw();
        assert.equal(bytesOf(hex, lastId.generation, lastId.at), hex, 'right after it is drawn');
        drawn.push([hex, lastId.generation, lastId.at]);
      }
    }
    const newest = drawn[drawn.length - 1]![1];
    assert.ok(newest - drawn[0]![1] >= 2, 'the ids span more than two generations');
    for (const [hex, generation, at] of drawn) {
      // The previous generation's buffer is still whole; older ones were filled again.
      assert.equal(bytesOf(hex, generation, at), generation >= newest - 1 ? hex : undefined);
    }
    assert.equal(idBytesOf(NO_ID_BYTES), undefined);
  });
});
