import { boolean, integer, ok, quote, ratio, show, someOf, type Parsed, type Parser } from './parse';
import { didYouMean } from './suggest';
import type { TailSamplingConfig } from './types';

/**
 * OTEL_TRACES_SAMPLER_ARG for otelite_tail: comma-separated `key=value` pairs, each optional,
 * e.g. `ratio=0.01,keep_errors=true,slower_than=500ms,max_per_second=50`. A malformed pair is
 * named in the variable's one warning with the default used instead; the other pairs apply.
 */

export interface TailSamplerArgs {
  ratio: number;
  tail: TailSamplingConfig;
}

export const TAIL_DEFAULTS: Readonly<TailSamplerArgs> = Object.freeze({
  ratio: 1,
  tail: Object.freeze({
    keepErrors: true,
    slowerThanMs: undefined,
    maxPerSecond: undefined,
    maxSpans: 10_000,
    maxTraces: 2_000,
    decisionWaitMs: 30_000,
  }),
});

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000 };

/** `500ms`, `2s`, `1.5m`, or a bare number of milliseconds. */
export const duration: Parser<number> = (raw) => {
  const match = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m)?$/i.exec(raw);
  if (match === null) return { ok: false, problem: 'is not a duration such as 500ms or 2s' };
  const ms = Number(match[1]) * UNITS[(match[2] ?? 'ms').toLowerCase()];
  return ms <= 2 ** 31 - 1 ? ok(ms) : { ok: false, problem: 'is longer than 24 days' };
};

type Key = 'ratio' | 'keep_errors' | 'slower_than' | 'max_per_second' | 'max_spans' | 'max_traces' | 'decision_wait';

/** Each key: its parser, where its value goes, and how its default is named in a warning. */
const KEYS: Record<Key, { parse: Parser<number | boolean>; apply: (args: TailSamplerArgs, value: never) => void; shown: () => string }> = {
  ratio: { parse: ratio, apply: (a, v: number) => (a.ratio = v), shown: () => show(TAIL_DEFAULTS.ratio) },
  keep_errors: { parse: boolean, apply: (a, v: boolean) => (a.tail.keepErrors = v), shown: () => show(TAIL_DEFAULTS.tail.keepErrors) },
  slower_than: { parse: duration, apply: (a, v: number) => (a.tail.slowerThanMs = v), shown: () => 'none (latency keeps no trace)' },
  max_per_second: { parse: integer(1), apply: (a, v: number) => (a.tail.maxPerSecond = v), shown: () => 'no limit' },
  max_spans: { parse: integer(1), apply: (a, v: number) => (a.tail.maxSpans = v), shown: () => show(TAIL_DEFAULTS.tail.maxSpans) },
  max_traces: { parse: integer(1), apply: (a, v: number) => (a.tail.maxTraces = v), shown: () => show(TAIL_DEFAULTS.tail.maxTraces) },
  decision_wait: { parse: duration, apply: (a, v: number) => (a.tail.decisionWaitMs = v), shown: () => `${TAIL_DEFAULTS.tail.decisionWaitMs / 1000}s` },
};
const KEY_NAMES = Object.keys(KEYS) as Key[];

export const tailSamplerArgs: Parser<TailSamplerArgs> = (raw) => {
  const args: TailSamplerArgs = { ratio: TAIL_DEFAULTS.ratio, tail: { ...TAIL_DEFAULTS.tail } };
  const problems: string[] = [];
  for (const part of raw.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    const key = (eq < 0 ? entry : entry.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : entry.slice(eq + 1).trim();
    const row = (KEYS as Record<string, (typeof KEYS)[Key] | undefined>)[key];
    if (row === undefined) {
      // A bare ratio (`0.1`, the form of the ratio samplers) is the most likely mistake.
      const hint = eq < 0 && ratio(entry).ok ? ` (did you mean ratio=${entry}?)` : didYouMean(key, KEY_NAMES);
      problems.push(`${quote(entry)} (unknown key${hint}; known: ${KEY_NAMES.join(', ')})`);
      continue;
    }
    const parsed: Parsed<number | boolean> = eq < 0 ? { ok: false, problem: 'has no value' } : row.parse(value);
    if (!parsed.ok) {
      problems.push(`${quote(entry)} (${key} ${parsed.problem}; using ${row.shown()})`);
      continue;
    }
    row.apply(args, parsed.value as never);
  }
  if (problems.length === 0) return ok(args);
  return ok(args, `has malformed pair(s) ${someOf(problems)}`, 'the other pairs apply');
};
