import assert from 'node:assert/strict';
import { Base2ExponentialHistogram, mapToIndex } from '../../src/metrics/exponential-histogram';
import type { ExponentialHistogramPoint } from '../../src/metrics/data';

/** The bucket boundaries of the data model, computed independently of the code under test. */
function lowerBoundary(index: number, scale: number): number {
  return 2 ** (index / 2 ** scale);
}

function pointOf(histogram: Base2ExponentialHistogram): ExponentialHistogramPoint {
  return histogram.toPoint({}, 1, 2, []);
}

function recordAll(histogram: Base2ExponentialHistogram, values: readonly number[]): Base2ExponentialHistogram {
  for (const value of values) histogram.record(value);
  return histogram;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** A deterministic spread of values over many orders of magnitude (the tests stay reproducible). */
function spreadValues(count: number, seed: number, minExponent: number, maxExponent: number): number[] {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  return Array.from({ length: count }, () => 2 ** (minExponent + next() * (maxExponent - minExponent)) * (0.5 + next()));
}

/** Every recorded value lies in a non-empty bucket of the point: base^index < |v| <= base^(index+1). */
function assertEveryValueInItsBucket(point: ExponentialHistogramPoint, values: readonly number[]): void {
  for (const value of values) {
    if (value === 0) continue;
    const buckets = value > 0 ? point.positive : point.negative;
    const index = mapToIndex(Math.abs(value), point.scale);
    const slot = index - buckets.offset;
    assert.ok(slot >= 0 && slot < buckets.bucketCounts.length, `${value} (index ${index}) outside the range at offset ${buckets.offset}`);
    assert.ok(buckets.bucketCounts[slot] > 0, `${value}'s bucket is empty`);
  }
}

describe('metrics: base-2 exponential histogram', () => {
  describe('mapping a value to its bucket index', () => {
    it('at scale 1 (logarithm): the data model boundaries sqrt(2)^i', () => {
      const expected: Array<[number, number]> = [
        [15, 7],
        [9, 6],
        [7, 5],
        [5, 4],
        [3, 3],
        [2.5, 2],
        [1.5, 1],
        [1.2, 0],
        [1, -1],
        [0.75, -1],
        [0.55, -2],
        [0.45, -3],
      ];
      for (const [value, index] of expected) assert.equal(mapToIndex(value, 1), index, `${value}`);
    });

    it('at scale 0 and -1 (exponent bits): powers of two close the bucket below', () => {
      const scale0: Array<[number, number]> = [
        [4, 1],
        [3, 1],
        [2, 0],
        [1.5, 0],
        [1, -1],
        [0.75, -1],
        [0.5, -2],
        [0.26, -2],
        [0.25, -3],
        [2 ** 1023, 1022],
        [1.0625 * 2 ** 1023, 1023],
        [Number.MAX_VALUE, 1023],
        [2 ** -1022, -1023],
        [1.0625 * 2 ** -1022, -1022],
      ];
      for (const [value, index] of scale0) assert.equal(mapToIndex(value, 0), index, `${value}`);
      const scaleMinus1: Array<[number, number]> = [
        [17, 2],
        [16, 1],
        [5, 1],
        [4, 0],
        [2, 0],
        [1.5, 0],
        [1, -1],
        [0.5, -1],
        [0.25, -2],
        [0.125, -2],
        [0.0625, -3],
      ];
      for (const [value, index] of scaleMinus1) assert.equal(mapToIndex(value, -1), index, `${value}`);
      // At the smallest scale every double falls in bucket -1 or 0 (base 2^1024).
      assert.equal(mapToIndex(1, -10), -1);
      assert.equal(mapToIndex(1.000001, -10), 0);
      assert.equal(mapToIndex(Number.MAX_VALUE, -10), 0);
      assert.equal(mapToIndex(Number.MIN_VALUE, -10), -1);
    });

    it('exact powers of two sit on the upper boundary at every scale; the next double up starts the next bucket', () => {
      for (const scale of [20, 10, 3, 1, 0, -1, -4]) {
        for (const exponent of [-1000, -20, -1, 0, 1, 7, 52, 1000]) {
          const power = 2 ** exponent;
          const expected = scale > 0 ? (exponent << scale) - 1 : (exponent - 1) >> -scale;
          assert.equal(mapToIndex(power, scale), expected, `2^${exponent} at scale ${scale}`);
          const above = power * (1 + Number.EPSILON);
          // Above a power of two: the next bucket at positive scales; at scale <= 0 the bucket its exponent names.
          assert.equal(mapToIndex(above, scale), scale > 0 ? exponent << scale : exponent >> -scale, `just above 2^${exponent} at scale ${scale}`);
          const below = power * (1 - Number.EPSILON / 2);
          assert.equal(mapToIndex(below, scale), expected, `just below 2^${exponent} at scale ${scale}`);
        }
      }
    });

    it('up to scale 10, a boundary 2^(i/2^scale) closes bucket i - 1 and the next double up opens bucket i, in every power of two', () => {
      for (let scale = 1; scale <= 10; scale++) {
        const size = 2 ** scale;
        for (const i of [1, 2, size / 2, size - 1]) {
          for (const exponent of [-30, -1, 0, 1, 9, 300]) {
            const boundary = 2 ** (i / size) * 2 ** exponent;
            const where = `2^(${i}/${size}) * 2^${exponent}`;
            assert.equal(mapToIndex(boundary, scale), exponent * size + i - 1, where);
            assert.equal(mapToIndex(boundary * (1 + Number.EPSILON), scale), exponent * size + i, `just above ${where}`);
          }
        }
      }
    });

    it('the largest and the smallest doubles map to the extreme indexes; subnormals share the lowest bucket', () => {
      for (const scale of [1, 5, 10, 20]) {
        assert.equal(mapToIndex(Number.MAX_VALUE, scale), (1024 << scale) - 1, `max at scale ${scale}`);
        const minIndex = (-1022 << scale) - 1;
        for (const subnormal of [Number.MIN_VALUE, 2 ** -1050, 2 ** -1023, 2 ** -1022 * (1 - Number.EPSILON)]) {
          assert.equal(mapToIndex(subnormal, scale), minIndex, `${subnormal} at scale ${scale}`);
        }
        assert.equal(mapToIndex(2 ** -1022, scale), minIndex);
      }
    });

    it('every value lies within its bucket boundaries, at every scale', () => {
      const values = spreadValues(2000, 7, -60, 60);
      for (let scale = -10; scale <= 20; scale++) {
        for (const value of values) {
          const index = mapToIndex(value, scale);
          // The logarithm may round across a boundary by one ulp near it; allow that much.
          const lower = lowerBoundary(index, scale) * (1 - 1e-12);
          const upper = lowerBoundary(index + 1, scale) * (1 + 1e-12);
          assert.ok(lower < value && value <= upper, `${value} at scale ${scale} got index ${index}`);
        }
      }
    });
  });

  describe('recording', () => {
    it('1, 2 and 4 at max scale 20 and 160 buckets: downscales to scale 6, the finest at which index -1 to 127 fit', () => {
      const point = pointOf(recordAll(new Base2ExponentialHistogram(), [1, 2, 4]));
      // 1, 2 and 4 are powers of two: indexes -1, 2^s - 1 and 2^(s+1) - 1 span 2^(s+1) + 1 buckets.
      assert.equal(point.scale, 6);
      assert.equal(point.positive.offset, -1);
      assert.equal(point.positive.bucketCounts.length, 2 ** 7 + 1);
      const nonEmpty = point.positive.bucketCounts.flatMap((count, i) => (count > 0 ? [[point.positive.offset + i, count]] : []));
      assert.deepEqual(nonEmpty, [
        [-1, 1],
        [2 ** 6 - 1, 1],
        [2 ** 7 - 1, 1],
      ]);
      assert.deepEqual(point.negative, { offset: 0, bucketCounts: [] });
      assert.equal(point.count, 3);
      assert.equal(point.sum, 7);
      assert.equal(point.min, 1);
      assert.equal(point.max, 4);
    });

    it('alternating growth with 4 buckets: 2, 4, 1 end at scale 0 from offset -1', () => {
      const point = pointOf(recordAll(new Base2ExponentialHistogram(4), [2, 4, 1]));
      assert.equal(point.scale, 0);
      assert.deepEqual(point.positive, { offset: -1, bucketCounts: [1, 1, 1] });
    });

    it('alternating growth with 4 buckets: 2, 2, 4, 1, 8, 0.5 downscale once more to scale -1', () => {
      const point = pointOf(recordAll(new Base2ExponentialHistogram(4), [2, 2, 4, 1, 8, 0.5]));
      // scale -1: index -1 is (0.25, 1], 0 is (1, 4], 1 is (4, 16].
      assert.equal(point.scale, -1);
      assert.deepEqual(point.positive, { offset: -1, bucketCounts: [2, 3, 1] });
    });

    it('with 2 buckets, every order of the same values gives the same histogram', () => {
      const cases: Array<[number[], number, number[]]> = [
        [[0.5, 1, 2], -1, [2, 1]],
        [[1, 2, 4], -1, [1, 2]],
        [[0.25, 0.5, 1], -2, [1, 2]],
      ];
      for (const [values, offset, bucketCounts] of cases) {
        for (const order of permutations(values)) {
          const point = pointOf(recordAll(new Base2ExponentialHistogram(2), order));
          assert.equal(point.scale, -1, `${order}`);
          assert.deepEqual(point.positive, { offset, bucketCounts }, `${order}`);
        }
      }
    });

    it('ascending runs: keeps the scale while maxSize buckets fit, then downscales just enough for one more', () => {
      for (const maxSize of [3, 4, 6, 9, 160]) {
        for (const startScale of [0, 4, 20]) {
          for (let offset = -5; offset <= 5; offset++) {
            for (const step of [maxSize, maxSize + 1, 2 * maxSize, 4 * maxSize - 1]) {
              const center = (index: number) => (lowerBoundary(index, startScale) + lowerBoundary(index + 1, startScale)) / 2;
              const histogram = new Base2ExponentialHistogram(maxSize, startScale);
              for (let i = 0; i < maxSize; i++) histogram.record(center(offset + i));
              let point = pointOf(histogram);
              assert.equal(point.scale, startScale);
              assert.equal(point.positive.offset, offset);
              assert.deepEqual(point.positive.bucketCounts, new Array<number>(maxSize).fill(1));

              histogram.record(center(offset + step));
              point = pointOf(histogram);
              const { scale, positive } = point;
              const shift = startScale - scale;
              assert.equal(positive.offset, offset >> shift);
              assert.equal(positive.offset + positive.bucketCounts.length - 1, (offset + step) >> shift);
              assert.ok(positive.bucketCounts.length <= maxSize);
              // One scale finer would not have fitted.
              assert.ok(((offset + step) >> (shift - 1)) - (offset >> (shift - 1)) + 1 > maxSize);
              assert.equal(
                positive.bucketCounts.reduce((a, b) => a + b, 0),
                maxSize + 1,
              );
            }
          }
        }
      }
    });

    it('never holds more than maxSize buckets per range, and every value stays in its bucket', () => {
      const values = [...spreadValues(5000, 3, -30, 30), ...spreadValues(5000, 11, -10, 40).map((v) => -v)];
      for (const maxSize of [2, 5, 20, 160]) {
        const histogram = recordAll(new Base2ExponentialHistogram(maxSize), values);
        const point = pointOf(histogram);
        assert.ok(point.positive.bucketCounts.length <= maxSize);
        assert.ok(point.negative.bucketCounts.length <= maxSize);
        // The finest scale that fits: at scale + 1 one of the ranges would need more buckets.
        const magnitudes = values.map(Math.abs);
        const spanAt = (scale: number, range: number[]) => mapToIndex(Math.max(...range), scale) - mapToIndex(Math.min(...range), scale) + 1;
        const positives = magnitudes.filter((_, i) => values[i] > 0);
        const negatives = magnitudes.filter((_, i) => values[i] < 0);
        assert.ok(Math.max(spanAt(point.scale + 1, positives), spanAt(point.scale + 1, negatives)) > maxSize, `scale ${point.scale} with ${maxSize}`);
        assertEveryValueInItsBucket(point, values);
        const inBuckets = [...point.positive.bucketCounts, ...point.negative.bucketCounts].reduce((a, b) => a + b, 0);
        assert.equal(inBuckets + point.zeroCount, values.length);
        assert.equal(point.count, values.length);
      }
    });

    it('160 buckets at scale 20 cover (1, 2^(160/2^20)]; one value beyond them halves the scale', () => {
      const histogram = new Base2ExponentialHistogram();
      // Centres of buckets 0..159 at scale 20.
      for (let index = 0; index < 160; index++) histogram.record((lowerBoundary(index, 20) + lowerBoundary(index + 1, 20)) / 2);
      assert.equal(pointOf(histogram).scale, 20);
      assert.equal(pointOf(histogram).positive.bucketCounts.length, 160);
      histogram.record((lowerBoundary(160, 20) + lowerBoundary(161, 20)) / 2);
      const point = pointOf(histogram);
      assert.equal(point.scale, 19);
      assert.deepEqual(point.positive, { offset: 0, bucketCounts: new Array<number>(80).fill(2).concat([1]) });
    });

    it('zeros go to the zero bucket, which takes no part in the scale', () => {
      const point = pointOf(recordAll(new Base2ExponentialHistogram(), [0, -0, 0, 3]));
      assert.equal(point.zeroCount, 3);
      assert.equal(point.zeroThreshold, 0);
      assert.equal(point.count, 4);
      assert.equal(point.scale, 20);
      assert.equal(point.positive.bucketCounts.length, 1);
      assert.equal(point.positive.offset, mapToIndex(3, 20));
      assert.equal(point.min, 0);
      assert.equal(point.max, 3);
    });

    it('negative values: a mirrored range at the shared scale, min and max signed, no sum', () => {
      const point = pointOf(recordAll(new Base2ExponentialHistogram(4), [2, -2, 4, -4]));
      assert.equal(point.scale, 1);
      assert.deepEqual(point.positive, { offset: 1, bucketCounts: [1, 0, 1] });
      assert.deepEqual(point.negative, { offset: 1, bucketCounts: [1, 0, 1] });
      assert.equal(point.count, 4);
      assert.equal(point.sum, undefined);
      assert.equal(point.min, -4);
      assert.equal(point.max, 4);
    });

    it('a wide negative range downscales the positive one too', () => {
      const point = pointOf(recordAll(new Base2ExponentialHistogram(4), [3, -1, -1000]));
      const shift = 20 - point.scale;
      assert.ok(point.scale < 20);
      assert.deepEqual(point.positive, { offset: mapToIndex(3, 20) >> shift, bucketCounts: [1] });
      assert.equal(point.negative.offset, mapToIndex(1, point.scale));
      assert.ok(point.negative.bucketCounts.length <= 4);
    });

    it('ignores NaN and the infinities', () => {
      const point = pointOf(recordAll(new Base2ExponentialHistogram(), [NaN, Infinity, -Infinity]));
      assert.equal(point.count, 0);
      assert.equal(point.sum, 0);
      assert.equal(point.min, undefined);
      assert.equal(point.max, undefined);
      assert.equal(point.scale, 20);
      assert.deepEqual([point.positive, point.negative], [
        { offset: 0, bucketCounts: [] },
        { offset: 0, bucketCounts: [] },
      ]);
    });

    it('the point carries attributes, times and exemplars; min and max left out when RecordMinMax is off', () => {
      const exemplar = { filteredAttributes: {}, time: 5, value: 2, traceId: undefined, spanId: undefined };
      const histogram = recordAll(new Base2ExponentialHistogram(160, 20, false), [2, 5]);
      const point = histogram.toPoint({ route: '/a' }, 100, 200, [exemplar]);
      assert.deepEqual(point.attributes, { route: '/a' });
      assert.equal(point.startTime, 100);
      assert.equal(point.time, 200);
      assert.deepEqual(point.exemplars, [exemplar]);
      assert.equal(point.min, undefined);
      assert.equal(point.max, undefined);
      assert.equal(point.sum, 7);
    });
  });

  describe('reset, clone and merge', () => {
    it('reset empties it and returns to the max scale', () => {
      const histogram = recordAll(new Base2ExponentialHistogram(4), [1, 1000, -7, 0]);
      assert.equal(histogram.count, 4);
      histogram.reset();
      assert.equal(histogram.count, 0);
      assert.deepEqual(pointOf(histogram), pointOf(new Base2ExponentialHistogram(4)));
      histogram.record(3);
      assert.deepEqual(pointOf(histogram), pointOf(recordAll(new Base2ExponentialHistogram(4), [3])));
    });

    it('clone is a deep copy: recording into either leaves the other as it was', () => {
      const original = recordAll(new Base2ExponentialHistogram(4), [2, 4, 8, -1]);
      const before = pointOf(original);
      const copy = original.clone();
      assert.deepEqual(pointOf(copy), before);
      copy.record(1024);
      copy.record(-3);
      assert.deepEqual(pointOf(original), before);
      original.record(0);
      assert.notEqual(pointOf(copy).zeroCount, pointOf(original).zeroCount);
    });

    it('merging two histograms equals recording all their values into one', () => {
      const a = [...spreadValues(300, 5, -20, 5), ...spreadValues(50, 6, 0, 3).map((v) => -v), 0];
      const b = [...spreadValues(300, 9, -3, 30), ...spreadValues(50, 4, -8, 0).map((v) => -v), 0, 0];
      for (const maxSize of [2, 4, 9, 16, 160]) {
        for (const split of [0, 1, 100, a.length]) {
          const left = recordAll(new Base2ExponentialHistogram(maxSize), a.slice(0, split));
          const right = recordAll(new Base2ExponentialHistogram(maxSize), [...a.slice(split), ...b]);
          const rightBefore = pointOf(right);
          const all = recordAll(new Base2ExponentialHistogram(maxSize), [...a, ...b]);
          left.merge(right);
          const merged = pointOf(left);
          const expected = pointOf(all);
          assert.equal(merged.scale, expected.scale, `maxSize ${maxSize} split ${split}`);
          assert.deepEqual(merged.positive, expected.positive);
          assert.deepEqual(merged.negative, expected.negative);
          assert.equal(merged.count, expected.count);
          assert.equal(merged.zeroCount, expected.zeroCount);
          assert.equal(merged.min, expected.min);
          assert.equal(merged.max, expected.max);
          assert.equal(merged.sum, undefined);
          assert.deepEqual(pointOf(right), rightBefore);
        }
      }
    });

    it('merging an empty histogram or into an empty one', () => {
      const values = [1, 2, 4, 0.001];
      const empty = new Base2ExponentialHistogram(8);
      const full = recordAll(new Base2ExponentialHistogram(8), values);
      const before = pointOf(full);
      full.merge(empty);
      assert.deepEqual(pointOf(full), before);
      empty.merge(full);
      assert.deepEqual(pointOf(empty), before);
    });
  });
});
