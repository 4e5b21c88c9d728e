import assert from 'node:assert/strict';
import {
  ROOT_CONTEXT,
  baggageEntryMetadataFromString,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  type BaggageEntry,
  type Context,
} from '@opentelemetry/api';
import {
  BAGGAGE_MAX_BYTES,
  BAGGAGE_MAX_MEMBERS,
  W3CBaggagePropagator,
  decodeBaggageValue,
  encodeBaggageValue,
} from '../../src/propagation';

const propagator = new W3CBaggagePropagator();

function extract(header: string | string[] | undefined, context: Context = ROOT_CONTEXT): Context {
  return propagator.extract(context, { baggage: header }, defaultTextMapGetter);
}

function entries(context: Context): Array<[string, string, string | undefined]> {
  const baggage = propagation.getBaggage(context);
  if (baggage === undefined) return [];
  return baggage.getAllEntries().map(([key, entry]) => [key, entry.value, entry.metadata?.toString()]);
}

function injectEntries(record: Record<string, BaggageEntry>): string | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage(record)), carrier, defaultTextMapSetter);
  return carrier.baggage;
}

describe('W3CBaggagePropagator', () => {
  describe('extract', () => {
    it('parses list members', () => {
      assert.deepEqual(entries(extract('userId=alice,serverNode=DF%2028,isProduction=false')), [
        ['userId', 'alice', undefined],
        ['serverNode', 'DF 28', undefined],
        ['isProduction', 'false', undefined],
      ]);
    });

    it('combines multiple baggage headers', () => {
      assert.deepEqual(entries(extract(['userId=alice', 'serverNode=DF%2028,isProduction=false'])), [
        ['userId', 'alice', undefined],
        ['serverNode', 'DF 28', undefined],
        ['isProduction', 'false', undefined],
      ]);
    });

    it('ignores OWS around keys, values, separators and properties', () => {
      const header = 'SomeKey \t = \t SomeValue \t ; \t SomeProp \t , \t SomeKey2 \t = \t SomeValue2 \t ; \t ValueProp \t = \t PropVal';
      assert.deepEqual(entries(extract(header)), [
        ['SomeKey', 'SomeValue', 'SomeProp'],
        ['SomeKey2', 'SomeValue2', 'ValueProp=PropVal'],
      ]);
    });

    it('keeps properties as the entry metadata', () => {
      assert.deepEqual(entries(extract('key1=value1;property1;property2, key3=value3; propertyKey=propertyValue')), [
        ['key1', 'value1', 'property1;property2'],
        ['key3', 'value3', 'propertyKey=propertyValue'],
      ]);
    });

    it('allows "=" inside a value and an empty value', () => {
      assert.deepEqual(entries(extract('SomeKey=SomeValue=equals,empty=')), [
        ['SomeKey', 'SomeValue=equals', undefined],
        ['empty', '', undefined],
      ]);
    });

    it('percent-decodes values as UTF-8', () => {
      assert.deepEqual(entries(extract('userId=Am%C3%A9lie,emoji=%F0%9F%98%80,lower=%c3%a9')), [
        ['userId', 'Amélie', undefined],
        ['emoji', '😀', undefined],
        ['lower', 'é', undefined],
      ]);
    });

    it('replaces invalid UTF-8 with U+FFFD and keeps a stray "%"', () => {
      assert.deepEqual(entries(extract('a=%FF,b=%C3,c=100%,d=%zz')), [
        ['a', '\uFFFD', undefined],
        ['b', '\uFFFD', undefined],
        ['c', '100%', undefined],
        ['d', '%zz', undefined],
      ]);
    });

    it('drops a malformed member alone', () => {
      const bad = [
        'no-equals',
        'bad key=1',
        '(paren)=1',
        'k=has space',
        'k="quoted"',
        'k=back\\slash',
        'k=caf\u00e9',
        'k=v;bad prop',
        'k=v;p=has space',
        '=novalue',
        'k=v\r\n',
      ];
      for (const member of bad) {
        assert.deepEqual(entries(extract(`good1=a,${member},good2=b`)), [
          ['good1', 'a', undefined],
          ['good2', 'b', undefined],
        ], member);
      }
    });

    it('returns the context unchanged when nothing is valid or there is no header', () => {
      assert.equal(extract('garbage'), ROOT_CONTEXT);
      assert.equal(extract(''), ROOT_CONTEXT);
      assert.equal(extract([]), ROOT_CONTEXT);
      assert.equal(extract(undefined), ROOT_CONTEXT);
    });

    it('keeps the last value of a duplicate key', () => {
      assert.deepEqual(entries(extract('k=1,other=x,k=2')), [
        ['k', '2', undefined],
        ['other', 'x', undefined],
      ]);
    });

    it('keeps at most 64 members', () => {
      const header = Array.from({ length: 70 }, (_, i) => `key${i}=v`).join(',');
      const result = entries(extract(header));
      assert.equal(result.length, BAGGAGE_MAX_MEMBERS);
      assert.equal(result[0]![0], 'key0');
      assert.equal(result[63]![0], 'key63');
    });

    it('keeps at most 8192 bytes of members', () => {
      const big = `a=${'x'.repeat(8190)}`; // exactly 8192
      assert.equal(entries(extract(big))[0]![1].length, 8190);
      const result = entries(extract(`${big},b=1`));
      assert.deepEqual(result.map(([k]) => k), ['a']);
      const tooBig = entries(extract(`a=${'x'.repeat(8191)},b=1`));
      assert.deepEqual(tooBig, [['b', '1', undefined]]);
    });
  });

  describe('inject', () => {
    it('writes nothing without baggage or with empty baggage', () => {
      const carrier: Record<string, string> = {};
      propagator.inject(ROOT_CONTEXT, carrier, defaultTextMapSetter);
      propagator.inject(propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage()), carrier, defaultTextMapSetter);
      assert.deepEqual(carrier, {});
    });

    it('percent-encodes only what must be encoded', () => {
      assert.equal(
        injectEntries({ k: { value: '\t "\';=asdf!@#$%^&*()' } }),
        "k=%09%20%22'%3B=asdf!@#$%25^&*()",
      );
      assert.equal(injectEntries({ k: { value: 'a,b\\c' } }), 'k=a%2Cb%5Cc');
      assert.equal(injectEntries({ userId: { value: 'Amélie' } }), 'userId=Am%C3%A9lie');
    });

    it('round-trips arbitrary values through encode and decode', () => {
      const values = ['DF 28', '100%', '%41', 'a,b;c=d', '😀 ü ß 中文', '\u0000\u001f\u007f', ' leading and trailing ', ''];
      for (const value of values) {
        assert.equal(decodeBaggageValue(encodeBaggageValue(value)), value, JSON.stringify(value));
        const header = injectEntries({ k: { value } });
        assert.ok(header !== undefined);
        assert.equal(entries(extract(header))[0]![1], value, JSON.stringify(value));
      }
    });

    it('writes a lone surrogate as U+FFFD', () => {
      assert.equal(encodeBaggageValue('a\ud800b'), 'a%EF%BF%BDb');
      assert.equal(decodeBaggageValue(encodeBaggageValue('\udc00')), '\uFFFD');
    });

    it('writes metadata as properties and round-trips them', () => {
      const header = 'key1=value1;property1;property2=x,key2=value2';
      const carrier: Record<string, string> = {};
      propagator.inject(extract(header), carrier, defaultTextMapSetter);
      assert.equal(carrier.baggage, header);
    });

    it('drops invalid metadata but keeps the entry', () => {
      assert.equal(injectEntries({ k: { value: 'v', metadata: baggageEntryMetadataFromString('bad prop') } }), 'k=v');
      assert.equal(injectEntries({ k: { value: 'v', metadata: baggageEntryMetadataFromString(' p1 ; p2 = x ') } }), 'k=v;p1;p2=x');
    });

    it('skips entries whose key is not a token', () => {
      assert.equal(injectEntries({ 'bad key': { value: '1' }, good: { value: '2' } }), 'good=2');
    });

    it('writes at most 64 members', () => {
      const record: Record<string, BaggageEntry> = {};
      for (let i = 0; i < 70; i++) record[`key${i}`] = { value: 'v' };
      const header = injectEntries(record);
      assert.ok(header);
      assert.equal(header.split(',').length, BAGGAGE_MAX_MEMBERS);
    });

    it('writes at most 8192 bytes, dropping whole members that do not fit', () => {
      const exact = injectEntries({ a: { value: '0123456789'.repeat(819) } });
      assert.equal(exact?.length, BAGGAGE_MAX_BYTES);

      const header = injectEntries({
        first: { value: 'x'.repeat(5000) },
        huge: { value: 'y'.repeat(5000) },
        small: { value: 'z' },
      });
      assert.ok(header);
      assert.ok(header.length <= BAGGAGE_MAX_BYTES);
      assert.deepEqual(entries(extract(header)).map(([k]) => k), ['first', 'small']);

      // Encoding expands a value threefold; the limit applies to the encoded size.
      const encoded = injectEntries({ a: { value: 'é'.repeat(1000) }, b: { value: 'é'.repeat(1000) } });
      assert.ok(encoded);
      assert.ok(encoded.length <= BAGGAGE_MAX_BYTES);
      assert.deepEqual(entries(extract(encoded)).map(([k]) => k), ['a']);
    });

    it('declares its field', () => {
      assert.deepEqual(propagator.fields(), ['baggage']);
    });
  });
});
