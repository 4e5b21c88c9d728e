import assert from 'node:assert/strict';
import { TokenBucket } from '../../src/export/token-bucket';

/** How many takes succeed in every window [t, t + 1000) of the given successful take times. */
function maxInAnySecond(times: number[]): number {
  let max = 0;
  for (const start of times) max = Math.max(max, times.filter((t) => t >= start && t < start + 1_000).length);
  return max;
}

describe('tail sampling: the token bucket of kept traces', () => {
  it('a burst takes the whole bucket at once, then nothing until a token comes back one second after its use', () => {
    const bucket = new TokenBucket(5, 0);
    const taken = Array.from({ length: 8 }, () => bucket.take(1_000, false));
    assert.deepEqual(taken, [true, true, true, true, true, false, false, false]);
    assert.equal(bucket.take(1_999, false), false);
    assert.equal(bucket.take(2_000, false), true);
    assert.equal(bucket.take(2_000, false), true);
    assert.equal(bucket.take(2_000, false), true);
  });

  it('never more than perSecond takes in any one-second window, whatever the arrival pattern', () => {
    const bucket = new TokenBucket(20, 2);
    const kept: number[] = [];
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 10_000; t += random() * 8) {
      if (bucket.take(t, random() < 0.1)) kept.push(t);
    }
    assert.equal(maxInAnySecond(kept), 20);
    // Offered about 2,500 per second: the limit binds in every second.
    assert.ok(kept.length >= 20 * 10 && kept.length <= 20 * 11, `${kept.length} kept`);
  });

  it('the reserve is for the callers allowed to use it (error traces): others stop while only the reserve is left', () => {
    const bucket = new TokenBucket(10, 2);
    let others = 0;
    while (bucket.take(0, false)) others++;
    assert.equal(others, 8);
    assert.equal(bucket.take(0, true), true);
    assert.equal(bucket.take(0, true), true);
    assert.equal(bucket.take(0, true), false);
  });
});
