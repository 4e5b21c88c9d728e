import assert from 'node:assert/strict';
import { readConfig } from '../../src/config';
import { TAIL_DEFAULTS } from '../../src/config/tail';
import { clean, warnedOnce } from '../kit/config-env';

const TAIL = { OTEL_TRACES_SAMPLER: 'otelite_tail' };

describe('config: OTEL_TRACES_SAMPLER=otelite_tail and its OTEL_TRACES_SAMPLER_ARG pairs', () => {
  it('without an argument: ratio 1, errors kept, no latency rule, no rate limit, the default caps', () => {
    const { sampler } = clean(TAIL);
    assert.equal(sampler.name, 'otelite_tail');
    assert.equal(sampler.ratio, 1);
    assert.deepEqual(sampler.tail, {
      keepErrors: true,
      slowerThanMs: undefined,
      maxPerSecond: undefined,
      maxSpans: 10_000,
      maxTraces: 2_000,
      decisionWaitMs: 30_000,
    });
  });

  it('reads every key, in any order, case-insensitive keys, spaces around pairs, durations in ms, s and m', () => {
    const { sampler } = clean({
      ...TAIL,
      OTEL_TRACES_SAMPLER_ARG: ' slower_than=500ms , RATIO=0.01,keep_errors=FALSE,max_per_second=50,max_spans=300,max_traces=20,decision_wait=1.5m',
    });
    assert.equal(sampler.ratio, 0.01);
    assert.deepEqual(sampler.tail, { keepErrors: false, slowerThanMs: 500, maxPerSecond: 50, maxSpans: 300, maxTraces: 20, decisionWaitMs: 90_000 });
    for (const [text, ms] of [['2s', 2_000], ['250', 250], ['0.5s', 500], ['1m', 60_000]] as const) {
      assert.equal(clean({ ...TAIL, OTEL_TRACES_SAMPLER_ARG: `slower_than=${text}` }).sampler.tail?.slowerThanMs, ms, text);
    }
  });

  it('a malformed pair: one warning naming it and the default used for it; the other pairs apply', () => {
    const { config, warning } = warnedOnce({ ...TAIL, OTEL_TRACES_SAMPLER_ARG: 'ratio=0.1,slower_than=fast,max_per_second=0' }, 'OTEL_TRACES_SAMPLER_ARG');
    assert.equal(config.sampler.ratio, 0.1);
    assert.equal(config.sampler.tail?.slowerThanMs, undefined);
    assert.equal(config.sampler.tail?.maxPerSecond, undefined);
    assert.equal(
      warning,
      'OTEL_TRACES_SAMPLER_ARG="ratio=0.1,slower_than=fast,max_per_second=0" has malformed pair(s) ' +
        '"slower_than=fast" (slower_than is not a duration such as 500ms or 2s; using none (latency keeps no trace)), ' +
        '"max_per_second=0" (max_per_second is not a positive integer; using no limit); the other pairs apply',
    );
  });

  it('each key falls back to its own default', () => {
    const cases: [string, string][] = [
      ['ratio=2', 'using 1)'],
      ['keep_errors=yes', 'using true)'],
      ['max_spans=-1', `using ${TAIL_DEFAULTS.tail.maxSpans})`],
      ['max_traces=x', `using ${TAIL_DEFAULTS.tail.maxTraces})`],
      ['decision_wait=soon', 'using 30s)'],
      ['ratio', 'ratio has no value; using 1)'],
    ];
    for (const [arg, tail] of cases) {
      const { config, warning } = warnedOnce({ ...TAIL, OTEL_TRACES_SAMPLER_ARG: arg }, 'OTEL_TRACES_SAMPLER_ARG');
      assert.ok(warning.includes(tail), `${warning} should include ${tail}`);
      assert.deepEqual({ ratio: config.sampler.ratio, tail: config.sampler.tail }, { ratio: TAIL_DEFAULTS.ratio, tail: TAIL_DEFAULTS.tail }, arg);
    }
  });

  it('an unknown key is named with a suggestion; a bare ratio (the ratio samplers\' form) is shown how to write', () => {
    const typo = warnedOnce({ ...TAIL, OTEL_TRACES_SAMPLER_ARG: 'keep_error=true' }, 'OTEL_TRACES_SAMPLER_ARG').warning;
    assert.ok(typo.includes('"keep_error=true" (unknown key (did you mean keep_errors?); known: ratio, keep_errors, slower_than,'), typo);
    const bare = warnedOnce({ ...TAIL, OTEL_TRACES_SAMPLER_ARG: '0.1' }, 'OTEL_TRACES_SAMPLER_ARG');
    assert.ok(bare.warning.includes('"0.1" (unknown key (did you mean ratio=0.1?); known:'), bare.warning);
    assert.equal(bare.config.sampler.ratio, 1);
  });

  it('the argument is read only for the ratio samplers and otelite_tail: other samplers have no tail settings', () => {
    const { config, warnings } = readConfig({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' });
    assert.deepEqual(warnings, []);
    assert.equal(config.sampler.tail, undefined);
  });
});
