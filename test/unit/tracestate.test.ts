import assert from 'node:assert/strict';
import { TRACESTATE_MAX_LENGTH, TraceState, isValidTraceStateKey, isValidTraceStateValue } from '../../src/propagation';

function members(count: number, from = 1): string {
  const out: string[] = [];
  for (let i = from; i < from + count; i++) {
    const n = String(i).padStart(2, '0');
    out.push(`bar${n}=${n}`);
  }
  return out.join(',');
}

describe('TraceState', () => {
  describe('parse', () => {
    it('parses list members in order', () => {
      const state = TraceState.parse('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
      assert.equal(state.size, 2);
      assert.equal(state.get('rojo'), '00f067aa0ba902b7');
      assert.equal(state.get('congo'), 't61rcWkgMzE');
      assert.deepEqual(state.keys(), ['rojo', 'congo']);
      assert.equal(state.serialize(), 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
    });

    it('ignores OWS around members and keeps leading spaces of a value', () => {
      for (const header of ['foo=1 \t , \t bar=2, \t baz=3', 'foo=1\t \t,\t \tbar=2,\t \tbaz=3']) {
        assert.equal(TraceState.parse(header).serialize(), 'foo=1,bar=2,baz=3');
      }
      for (const header of [' foo=1', '\tfoo=1', 'foo=1 ', 'foo=1\t', '\t foo=1 \t']) {
        assert.equal(TraceState.parse(header).get('foo'), '1', JSON.stringify(header));
      }
      assert.equal(TraceState.parse('foo= 1').get('foo'), ' 1');
    });

    it('accepts empty and whitespace-only members', () => {
      assert.equal(TraceState.parse('').size, 0);
      assert.equal(TraceState.parse(' , ,\t').size, 0);
      assert.equal(TraceState.parse(',foo=1,,bar=2,').serialize(), 'foo=1,bar=2');
    });

    it('accepts every allowed character', () => {
      const key = 'abcdefghijklmnopqrstuvwxyz0123456789_-*/';
      let value = '';
      for (let c = 0x20; c <= 0x7e; c++) if (c !== 0x2c && c !== 0x3d) value += String.fromCharCode(c);
      assert.equal(TraceState.parse(`${key}=${value}`).get(key), value);
      assert.equal(TraceState.parse(`${key}@a-z0-9_-*/=${value}`).get(`${key}@a-z0-9_-*/`), value);
    });

    it('keeps 32 members', () => {
      const state = TraceState.parse(members(32));
      assert.equal(state.size, 32);
      assert.equal(state.get('bar01'), '01');
      assert.equal(state.get('bar32'), '32');
    });

    it('discards a tracestate of 33 members entirely', () => {
      const state = TraceState.parse(members(33));
      assert.equal(state.size, 0);
      assert.equal(state.get('bar01'), undefined);
    });

    it('does not count empty members against the 32 limit', () => {
      assert.equal(TraceState.parse(`${members(32)},,, ,`).size, 32);
    });

    describe('keys', () => {
      for (const valid of [
        'foo',
        'foo@',
        'foo@@bar',
        'foo@bar@baz',
        '1abc',
        'z'.repeat(256),
        `${'t'.repeat(241)}@${'v'.repeat(14)}`,
        `${'t'.repeat(242)}@v`,
        `t@${'v'.repeat(15)}`,
        'fw529a3039@dt',
      ]) {
        it(`accepts ${valid.length > 40 ? `a ${valid.length}-char key` : valid}`, () => {
          assert.ok(isValidTraceStateKey(valid));
          const state = TraceState.parse(`foo=1,${valid === 'foo' ? 'other' : valid}=2`);
          assert.equal(state.size, 2);
        });
      }

      for (const invalid of ['foo ', 'FOO', 'Foo', 'foo.bar', '@foo', '_foo', 'z'.repeat(257), 'fo o', 'föo', '']) {
        it(`discards the whole tracestate for key ${JSON.stringify(invalid.length > 40 ? `${invalid.length} chars` : invalid)}`, () => {
          assert.equal(isValidTraceStateKey(invalid), false);
          const state = TraceState.parse(`bar=2,${invalid}=1`);
          assert.equal(state.size, 0);
          assert.equal(state.get('bar'), undefined);
        });
      }
    });

    describe('values', () => {
      it('accepts 256 characters, discards 257', () => {
        assert.equal(TraceState.parse(`foo=${'v'.repeat(256)}`).get('foo'), 'v'.repeat(256));
        assert.equal(TraceState.parse(`bar=1,foo=${'v'.repeat(257)}`).size, 0);
      });

      for (const invalid of ['bar=baz', '', 'a\tb', 'caf\u00e9', 'a\u0000b', 'a\u007fb']) {
        it(`discards the whole tracestate for value ${JSON.stringify(invalid)}`, () => {
          assert.equal(isValidTraceStateValue(invalid), false);
          const state = TraceState.parse(`foo=${invalid},bar=3`);
          assert.equal(state.size, 0);
          assert.equal(state.get('bar'), undefined);
        });
      }

      it('rejects a member without "="', () => {
        assert.equal(TraceState.parse('foo=1,bar').size, 0);
      });
    });

    it('keeps the first of duplicate keys (the list survives)', () => {
      assert.equal(TraceState.parse('foo=1,foo=1').serialize(), 'foo=1');
      const state = TraceState.parse('foo=1,bar=2,foo=3');
      assert.equal(state.get('foo'), '1');
      assert.equal(state.serialize(), 'foo=1,bar=2');
    });
  });

  describe('512-character limit', () => {
    it('keeps a header of exactly 512 characters', () => {
      // 8 members of 63 chars + 7 commas = 511; then one of 1 more char: "k=" + 61 chars.
      const entries: string[] = [];
      for (let i = 0; i < 7; i++) entries.push(`k${i}=${'v'.repeat(60)}`);
      entries.push(`k7=${'v'.repeat(61)}`);
      const header = entries.join(',');
      assert.equal(header.length, 512);
      const state = TraceState.parse(header);
      assert.equal(state.size, 8);
      assert.equal(state.serialize(), header);
    });

    it('removes whole entries from the end when over 512', () => {
      const entries: string[] = [];
      for (let i = 0; i < 8; i++) entries.push(`k${i}=${'v'.repeat(61)}`);
      const header = entries.join(',');
      assert.equal(header.length, 519);
      const state = TraceState.parse(header);
      assert.equal(state.size, 7);
      assert.equal(state.get('k7'), undefined);
      assert.equal(state.serialize(), entries.slice(0, 7).join(','));
    });

    it('removes entries longer than 128 characters first', () => {
      const big = `big=${'b'.repeat(200)}`;
      const small: string[] = [];
      for (let i = 0; i < 6; i++) small.push(`s${i}=${'v'.repeat(60)}`);
      const header = [small[0], big, ...small.slice(1)].join(',');
      assert.ok(header.length > TRACESTATE_MAX_LENGTH);
      const state = TraceState.parse(header);
      assert.equal(state.get('big'), undefined);
      assert.equal(state.serialize(), small.join(','));
      assert.ok(state.serialize().length <= TRACESTATE_MAX_LENGTH);
    });

    it('never serializes more than 512 characters, whatever is set', () => {
      let state = new TraceState();
      for (let i = 0; i < 40; i++) state = state.set(`key${i}`, 'x'.repeat(i * 7 + 1));
      const serialized = state.serialize();
      assert.ok(serialized.length <= TRACESTATE_MAX_LENGTH, String(serialized.length));
      assert.ok(state.size > 1);
      // Newest first: every set moved its key to the front, truncation removed from the end.
      const numbers = state.keys().map((key) => Number(key.slice(3)));
      assert.deepEqual(numbers, [...numbers].sort((a, b) => b - a));
      assert.deepEqual(TraceState.parse(serialized).keys(), state.keys());
    });

    it('applies the same order when set overflows: large entries first, then from the end', () => {
      const full: string[] = [];
      for (let i = 0; i < 8; i++) full.push(`k${i}=${'v'.repeat(60)}`);
      const state = TraceState.parse(full.join(','));
      assert.equal(state.serialize().length, 8 * 63 + 7);
      // A small new entry pushes the last one out.
      const small = state.set('new', '1');
      assert.deepEqual(small.keys(), ['new', 'k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6']);
      // A large (>128) new entry is itself the first candidate for removal.
      const large = state.set('big', 'b'.repeat(150));
      assert.equal(large.get('big'), undefined);
      assert.equal(large.serialize(), state.serialize());
    });
  });

  describe('set / unset / get', () => {
    it('puts a new key at the front', () => {
      const state = TraceState.parse('rojo=1,congo=2').set('new', 'x');
      assert.equal(state.serialize(), 'new=x,rojo=1,congo=2');
    });

    it('moves an updated key to the front', () => {
      const state = TraceState.parse('rojo=1,congo=2').set('congo', '3');
      assert.equal(state.serialize(), 'congo=3,rojo=1');
    });

    it('is immutable', () => {
      const original = TraceState.parse('rojo=1');
      const updated = original.set('congo', '2');
      const removed = updated.unset('rojo');
      assert.equal(original.serialize(), 'rojo=1');
      assert.equal(updated.serialize(), 'congo=2,rojo=1');
      assert.equal(removed.serialize(), 'congo=2');
    });

    it('ignores an invalid key or value on set', () => {
      const state = TraceState.parse('rojo=1');
      assert.equal(state.set('BAD', '1'), state);
      assert.equal(state.set('good', 'a,b'), state);
      assert.equal(state.set('good', 'trailing '), state);
      assert.equal(state.serialize(), 'rojo=1');
    });

    it('drops the last member when set makes 33', () => {
      const state = TraceState.parse(members(32)).set('new', '1');
      assert.equal(state.size, 32);
      assert.equal(state.keys()[0], 'new');
      assert.equal(state.get('bar32'), undefined);
      assert.equal(state.get('bar31'), '31');
    });

    it('unset of an absent key returns the same instance', () => {
      const state = TraceState.parse('a=1');
      assert.equal(state.unset('b'), state);
      assert.equal(state.unset('a').size, 0);
    });

    it('validates entries given to the constructor', () => {
      const state = new TraceState([
        ['a', '1'],
        ['B', '2'],
        ['c', ''],
        ['a', '3'],
        ['d', '4'],
      ]);
      assert.equal(state.serialize(), 'a=1,d=4');
    });
  });
});
