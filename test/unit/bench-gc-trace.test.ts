import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { allocatedBytes, parseScavenge, steadyState } from '../../bench/lib/gc-trace';

// Shortened lines of `node --trace-gc-nvp`: Node 20-24 print key=value pairs, Node 26 JSON.
const NVP_SCAVENGE =
  '[20004:0x2a788d90]       49 ms: pause=3.6 mutator=39.1 gc=s reduce_memory=0 scavenge=3.05 allocated=1563640 promoted=1024 new_space_survived=490536 nodes_promoted=0 promotion_ratio=0.0%';
const NVP_MARK_COMPACT = '[20004:0x2a788d90]      312 ms: pause=12.1 mutator=40.2 gc=ms reduce_memory=0 promoted=0 new_space_survived=0';
const JSON_SCAVENGE =
  '[18049:0x1bc0a000:0]      128 ms: GC: {"pause":4.818,"mutator":117.081,"gc":"s","reduce_memory":false,"new_space_capacity":1048576,"promoted":2048,"new_space_survived":563768}';

describe('bench gc-trace: V8 scavenges from --trace-gc-nvp', () => {
  it('reads survived, promoted and allocated bytes from a key=value line and from a JSON line', () => {
    assert.deepEqual(parseScavenge(NVP_SCAVENGE), { survived: 490536, promoted: 1024, allocated: 1563640 });
    assert.deepEqual(parseScavenge(JSON_SCAVENGE), { survived: 563768, promoted: 2048, allocated: undefined });
  });

  it('ignores other collections, other lines and a line cut short', () => {
    assert.equal(parseScavenge(NVP_MARK_COMPACT), undefined);
    assert.equal(parseScavenge('PORT=38565'), undefined);
    assert.equal(parseScavenge(JSON_SCAVENGE.slice(0, 80)), undefined);
    assert.equal(parseScavenge('pause=1 gc=s promoted=12'), undefined);
  });

  it('reads the scavenges this Node prints', () => {
    const out = execFileSync(process.execPath, ['--trace-gc-nvp', '-e', 'const a = []; for (let i = 0; i < 300000; i++) a.push({ i });'], { encoding: 'utf8' });
    const scavenges = out.split('\n').map(parseScavenge).filter((s) => s !== undefined);
    assert.ok(scavenges.length > 0, out.slice(0, 500));
    // Every object pushed stays reachable: the young generation's survivors are most of it.
    assert.ok(scavenges.some((s) => s.survived > 100_000), JSON.stringify(scavenges));
  });

  it('sums what was allocated between scavenges, and says nothing when a line lacks it', () => {
    const scavenge = (allocated: number | undefined) => ({ survived: 1, promoted: 0, allocated });
    assert.equal(allocatedBytes([scavenge(1_000_000), scavenge(900_000)]), 1_900_000);
    assert.equal(allocatedBytes([scavenge(1_000_000), scavenge(undefined)]), undefined);
    assert.equal(allocatedBytes([]), 0);
  });

  it('steady state: the mean of the later half, leaving out the start-up scavenges', () => {
    const run = [
      { survived: 900_000, promoted: 700_000 },
      { survived: 500_000, promoted: 300_000 },
      { survived: 4000, promoted: 0 },
      { survived: 4400, promoted: 10 },
      { survived: 4200, promoted: 20 },
    ];
    assert.deepEqual(steadyState(run), { survived: 4200, promoted: 10, counted: 3 });
    assert.deepEqual(steadyState([]), { survived: 0, promoted: 0, counted: 0 });
  });
});
