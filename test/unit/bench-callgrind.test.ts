import assert from 'node:assert/strict';
import { attribute, missesOf, parseCallgrind, PerfMap } from '../../bench/lib/callgrind';
import { BundleMap } from '../../bench/lib/perf-profile';

// A callgrind dump in the shape valgrind 3.19 writes (name compression, relative positions, calls).
const DUMP = [
  '# callgrind format',
  'version: 1',
  'positions: line',
  'events: Ir',
  'summary: 1700',
  '',
  'ob=(1) /usr/bin/node',
  'fl=(1) ???',
  'fn=(1) Builtins_LoadIC',
  '0 100',
  '+2 50',
  'cfn=(2) v8::internal::compiler::GraphReducer::ReduceTop()',
  'calls=3 0',
  '* 999', // the call's inclusive cost: counted in the callee's own lines, not here
  '* 25',
  'fn=(3) 0x0000000000001010',
  '0 400',
  'fn=(2)', // named in a cfn= line before
  '0 300',
  'fn=(4) 0x0000000000002004',
  '0 600',
  '7',
  'fn=(5) Builtins_LoadIC_Megamorphic',
  '0 225',
].join('\n');

const MAP = ['1000 40 JS:*writeSpan /x/build/src/agent-bundle.js:3:1', '2000 10 JS:*emit node:events:471:44', '1000 20 JS:~stale /x/build/src/agent-bundle.js:3:1'].join('\n');

describe('bench callgrind: instructions per function', () => {
  it('counts each function its own lines, not the inclusive cost of its calls', () => {
    const costs = parseCallgrind(DUMP);
    assert.equal(costs.total, 1700);
    assert.equal(costs.byFunction.get('Builtins_LoadIC'), 175);
    assert.equal(costs.byFunction.get('v8::internal::compiler::GraphReducer::ReduceTop()'), 300);
    assert.equal(costs.byFunction.get('0x0000000000001010'), 400);
    assert.equal(costs.byFunction.get('0x0000000000002004'), 600); // a line with no count adds nothing
    const counted = [...costs.byFunction.values()].reduce((a, b) => a + b, 0);
    assert.equal(counted, 1700, 'the self costs add up to the summary');
  });

  it('reads the simulated misses of each function, its calls and the compilers left out', () => {
    const dump = [
      'events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim',
      'summary: 1000 0 0 17 8 4 2 1 1 50 9 5 3',
      'fn=(1) Builtins_LoadIC',
      '0 300 0 0 10 5 1 1 0 1 30 6 4 2',
      '+1 100', // trailing zeros left out, as callgrind writes them
      'cfn=(2) v8::internal::compiler::GraphReducer::ReduceTop()',
      'calls=1 0',
      '* 900 0 0 99 99 99 99 99 99 99 99 99 99', // inclusive: counted in the callee's own lines
      'fn=(2)',
      '0 200 0 0 5 2 3 1 0 0 10 2 1 1',
      'fn=(3) 0x0000000000001000',
      '0 400 0 0 2 1 0 0 1 0 10 1 0 0',
    ].join('\n');
    const costs = parseCallgrind(dump);
    assert.equal(costs.total, 1000, "the summary's instructions, not its other events");
    assert.equal(costs.byFunction.get('Builtins_LoadIC'), 400);
    assert.deepEqual(costs.otherByFunction.get('Builtins_LoadIC'), [0, 0, 10, 5, 1, 1, 0, 1, 30, 6, 4, 2]);
    // Builtins_LoadIC and the JIT function: I1 10 + 2, D1 (5 + 1) + (1 + 0), LL (1 + 0 + 1) + (0 + 1 + 0), branches (6 + 2) + (1 + 0).
    assert.deepEqual(missesOf(costs), { i1: 12, d1: 7, ll: 3, branches: 9 });
  });

  it('has no misses for a dump of instructions only, and refuses one that does not count instructions first', () => {
    assert.equal(missesOf(parseCallgrind(DUMP)), undefined);
    assert.throws(() => parseCallgrind('events: I1mr Ir\nsummary: 1\n'), /counted I1mr first/);
  });

  it('refuses a file that is not a callgrind dump', () => {
    assert.throws(() => parseCallgrind('hello\n'), /not a callgrind output file/);
  });

  it('names JIT code by the perf map, inside an entry only, a later entry at one address winning', () => {
    const map = new PerfMap(MAP);
    assert.equal(map.nameAt(0x1000), 'JS:~stale /x/build/src/agent-bundle.js:3:1');
    assert.equal(map.nameAt(0x1013), 'JS:~stale /x/build/src/agent-bundle.js:3:1');
    assert.equal(map.nameAt(0x1020), undefined, 'past the last entry at 0x1000 (20 bytes)');
    assert.equal(map.nameAt(0x2009), 'JS:*emit node:events:471:44');
    assert.equal(map.nameAt(0xfff), undefined);
  });

  it('sorts instructions into the agent, JavaScript, native code and the compilers', () => {
    const map = new PerfMap('1000 40 JS:*writeSpan /x/build/src/export/otlp/encode-protobuf.js:3:1\n2000 10 JS:*emit node:events:471:44');
    const { kinds, otelite } = attribute(parseCallgrind(DUMP), map, new BundleMap(undefined));
    assert.equal(kinds.get('otelite: export (encode, send)'), 400);
    assert.equal(kinds.get('JavaScript: node and app'), 600);
    assert.equal(kinds.get('V8 builtins, runtime, Node C++, libc'), 175 + 225);
    assert.equal(kinds.get('V8 optimizing compilers'), 300);
    assert.deepEqual([...otelite], [['writeSpan (build/src/export/otlp/encode-protobuf.js)', 400]]);
  });

  it("names the tier of an agent's function that V8 has not optimized", () => {
    const dump = ['summary: 30', 'fn=(1) 0x0000000000001000', '0 10', 'fn=(2) 0x0000000000002000', '0 20'].join('\n');
    const map = new PerfMap('1000 10 JS:^emit /x/build/instrumentations/http/server.js:1:1\n2000 10 JS:*emit /x/build/instrumentations/http/server.js:1:1');
    const { otelite } = attribute(parseCallgrind(dump), map, new BundleMap(undefined));
    assert.deepEqual(
      [...otelite],
      [
        ['emit (build/instrumentations/http/server.js) [baseline]', 10],
        ['emit (build/instrumentations/http/server.js)', 20],
      ],
    );
  });
});
