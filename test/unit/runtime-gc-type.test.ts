import assert from 'node:assert/strict';
import { constants } from 'node:perf_hooks';
import { gcTypeOf } from '../../instrumentations/runtime/gc-type';

describe('runtime: a gc entry’s kind to v8js.gc.type', () => {
  it('maps each kind Node names in perf_hooks.constants to the conventions’ value', () => {
    assert.equal(gcTypeOf(constants.NODE_PERFORMANCE_GC_MAJOR), 'major');
    assert.equal(gcTypeOf(constants.NODE_PERFORMANCE_GC_MINOR), 'minor');
    assert.equal(gcTypeOf(constants.NODE_PERFORMANCE_GC_INCREMENTAL), 'incremental');
    assert.equal(gcTypeOf(constants.NODE_PERFORMANCE_GC_WEAKCB), 'weakcb');
  });

  it('a young-generation mark-sweep (kind 2, NODE_PERFORMANCE_GC_MINOR_MARK_SWEEP from Node 26) is minor', () => {
    assert.equal(gcTypeOf(2), 'minor');
    const named = (constants as Record<string, number>).NODE_PERFORMANCE_GC_MINOR_MARK_SWEEP;
    if (named !== undefined) assert.equal(gcTypeOf(named), 'minor');
  });

  it('anything else has no type', () => {
    for (const kind of [0, 3, 5, 32, -1, 1.5, '4', undefined, null]) assert.equal(gcTypeOf(kind), undefined, String(kind));
  });
});
