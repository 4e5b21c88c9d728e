/**
 * OpenTelemetry names and units in Prometheus's terms, per the specification's "Prometheus and
 * OpenMetrics Compatibility" (OTLP Metric points to Prometheus): invalid characters become `_`,
 * runs of `_` become one, the unit (in words) is a suffix unless the name already ends with it,
 * and counters end in `_total`.
 */

/** UCUM abbreviations OpenTelemetry uses, in the words Prometheus names use. */
const UNIT_WORDS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};

/** The denominator of a rate ("By/s" → bytes_per_second). */
const PER_UNIT_WORDS: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/** `[a-zA-Z_:][a-zA-Z0-9_:]*`: anything else becomes `_`, a run of `_` one `_`. */
export function sanitizeMetricName(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/_{2,}/g, '_');
  return /^[0-9]/.test(clean) ? '_' + clean : clean;
}

/** `[a-zA-Z_][a-zA-Z0-9_]*`; collapsing runs of `_` also keeps names off Prometheus's reserved `__` prefix. */
export function sanitizeLabelName(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_{2,}/g, '_');
  return /^[0-9]/.test(clean) ? '_' + clean : clean;
}

/**
 * The unit as a name suffix, or '' for none. Annotations in braces (`{request}`) are dropped (a
 * count of things is unitless in Prometheus); `1` is `ratio` for gauges only (a counter of `1`
 * is a plain count); `a/b` is `a_per_b`; unknown units are kept, sanitized.
 */
export function unitSuffix(unit: string, isGauge: boolean): string {
  const bare = unit.replace(/\{[^}]*\}/g, '').trim();
  if (bare === '') return '';
  if (bare === '1') return isGauge ? 'ratio' : '';
  const slash = bare.indexOf('/');
  let words: string;
  if (slash === -1) {
    words = UNIT_WORDS[bare] ?? bare;
  } else {
    const main = bare.slice(0, slash).trim();
    const per = bare.slice(slash + 1).trim();
    const perWords = PER_UNIT_WORDS[per] ?? per;
    words = main === '' || main === '1' ? `per_${perWords}` : `${UNIT_WORDS[main] ?? main}_per_${perWords}`;
  }
  return words.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_{2,}/g, '_').replace(/^_|_$/g, '');
}

/** The Prometheus metric (family) name: sanitized, unit suffix, then `_total` for counters. */
export function prometheusName(name: string, unit: string, type: 'counter' | 'gauge' | 'histogram'): string {
  let result = sanitizeMetricName(name);
  const suffix = unitSuffix(unit, type === 'gauge');
  if (suffix !== '' && !result.endsWith('_' + suffix)) result += '_' + suffix;
  if (type === 'counter' && !result.endsWith('_total')) result += '_total';
  return result;
}
