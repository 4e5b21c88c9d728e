import assert from 'node:assert/strict';
import satisfies from 'semver/functions/satisfies';
import { readConfig } from '../../src/config';
import { simpleSatisfies } from '../../src/instrument/version-range';
import { createInstrumentations } from '../../instrumentations';

const VERSIONS = [
  '0.9.9', '1.0.0', '1.0.0-rc.1', '1.9.3', '2.0.0', '2.0.0-alpha', '2.5.1', '3.0.0', '3.9.9', '4.0.0', '4.0.0-beta.2',
  '4.21.2', '4.99.0', '5.0.0', '5.0.0-0', '5.0.0-rc.1', '5.11.9', '5.12.0', '5.12.0-rc.1', '5.12.1', '6.0.0',
  '6.9.9', '7.0.0', '7.0.0-next.1', '8.0.0', '8.16.3', '8.99.99', '9.0.0', '9.0.0-beta', 'v8.1.0', '10.0.0',
];
const RANGES = [
  '*', '>=4 <5', '>=2 <3', '>=3 <4', '>=8 <9', '>=5.0.0 <7', '>=5.0.0 <5.12.0', '>=1.0.0 <2', '>=5.12.0',
  '>=4.2 <6', '<5', '>=5', '>=1 <2 || >=5 <6', '<=5.0.0', '>5.0.0', '=5.12.0', '5.12.0',
];

describe('version ranges without semver (simpleSatisfies)', () => {
  it('agrees with semver (prereleases included) on every version and range it reads', () => {
    for (const range of RANGES) {
      for (const version of VERSIONS) {
        const simple = simpleSatisfies(version, range);
        assert.notEqual(simple, undefined, `${version} ${range}: read`);
        assert.equal(simple, satisfies(version, range, { includePrerelease: true }), `${version} in ${range}`);
      }
    }
  });

  it('leaves to semver what it does not read: caret, tilde, x-ranges, hyphens, partial <=, odd versions', () => {
    for (const range of ['^5.0.0', '~4.1', '4.x', '1.0.0 - 2.0.0', '<=5', '>5', '=5']) {
      assert.equal(simpleSatisfies('5.0.0', range), undefined, range);
    }
    for (const version of ['5', '5.0', 'five', '5.0.0+build.1']) {
      assert.equal(simpleSatisfies(version, '>=4 <6'), undefined, version);
    }
  });

  it('reads every range an otelite instrumentation declares, so start-up never loads semver', () => {
    const config = readConfig({}).config;
    const ranges = createInstrumentations({ http: { ...config.http, newTracesDropped: false, metrics: false }, db: { ...config.db, metrics: false }, runtime: { metrics: false }, logs: { send: true } }).flatMap((i) => i.targets.map((t) => t.versions));
    assert.ok(ranges.length >= 10, String(ranges.length));
    for (const range of new Set(ranges)) assert.notEqual(simpleSatisfies('1.2.3', range), undefined, range);
  });
});
