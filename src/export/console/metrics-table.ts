import type { AttributeValue, Attributes } from '@opentelemetry/api';
import type {
  ExponentialBuckets,
  ExponentialHistogramPoint,
  HistogramPoint,
  InstrumentKind,
  MetricData,
  ResourceMetrics,
} from '../../metrics/data';

/**
 * The `table` form of the console metrics exporter: one block per collection, a line saying
 * when and for which service, then one row per data point (metric, kind, unit, attributes,
 * value), grouped under each instrumentation scope. Histograms show count, sum, min, max and
 * their non-empty buckets; exponential histograms a summary of their buckets. Every text that
 * comes from the app (names, units, attribute keys and values) is quoted when it is not plain,
 * so it cannot break the table or forge a line.
 */

const KINDS: Record<InstrumentKind, string> = {
  counter: 'counter',
  upDownCounter: 'updowncounter',
  histogram: 'histogram',
  gauge: 'gauge',
  observableCounter: 'observable counter',
  observableUpDownCounter: 'observable updowncounter',
  observableGauge: 'observable gauge',
};

/** Attribute lists longer than this are cut: a row stays readable. */
const MAX_ATTRIBUTES_WIDTH = 80;
const HEADER = ['METRIC', 'KIND', 'UNIT', 'ATTRIBUTES', 'VALUE'] as const;

/** A word as it is when plain, JSON-quoted otherwise (spaces, quotes, control characters, empty). */
function plain(text: string): string {
  return /^[\x21-\x7e]+$/.test(text) && !text.includes('"') ? text : JSON.stringify(text);
}

/** Integers as they are, other numbers to six significant digits (the JSON form has them exactly). */
function formatNumber(value: number): string {
  if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

function attributeValue(value: AttributeValue | undefined): string {
  if (typeof value === 'string') return plain(value);
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

function formatAttributes(attributes: Attributes): string {
  const text = Object.entries(attributes)
    .map(([key, value]) => `${plain(key)}=${attributeValue(value)}`)
    .join(' ');
  if (text === '') return '-';
  return text.length > MAX_ATTRIBUTES_WIDTH ? text.slice(0, MAX_ATTRIBUTES_WIDTH - 1) + '…' : text;
}

function stats(point: HistogramPoint | ExponentialHistogramPoint): string {
  const parts = [`count=${point.count}`];
  if (point.sum !== undefined) parts.push(`sum=${formatNumber(point.sum)}`);
  if (point.min !== undefined) parts.push(`min=${formatNumber(point.min)}`);
  if (point.max !== undefined) parts.push(`max=${formatNumber(point.max)}`);
  return parts.join(' ');
}

/** The non-empty buckets of an explicit histogram: `≤5:1 (5,10]:3 >1000:1` (counts per bucket, not cumulative). */
function explicitBuckets(point: HistogramPoint): string {
  const { bounds, bucketCounts } = point;
  const shown: string[] = [];
  bucketCounts.forEach((count, i) => {
    if (count === 0) return;
    let range: string;
    if (bounds.length === 0) range = 'all';
    else if (i === 0) range = `≤${formatNumber(bounds[0]!)}`;
    else if (i === bounds.length) range = `>${formatNumber(bounds[i - 1]!)}`;
    else range = `(${formatNumber(bounds[i - 1]!)},${formatNumber(bounds[i]!)}]`;
    shown.push(`${range}:${count}`);
  });
  return shown.join(' ');
}

/** `12 buckets over (1.09,8]`: how many buckets, and the range they cover. */
function exponentialRange(buckets: ExponentialBuckets, scale: number, sign: 1 | -1): string | undefined {
  const n = buckets.bucketCounts.length;
  if (n === 0) return undefined;
  // Bucket index i covers (base^i, base^(i+1)] with base = 2^(2^-scale).
  const bound = (index: number): number => sign * Math.pow(2, index * Math.pow(2, -scale));
  const low = formatNumber(bound(buckets.offset));
  const high = formatNumber(bound(buckets.offset + n));
  const range = sign === 1 ? `(${low},${high}]` : `[${high},${low})`;
  return `${n} ${sign === 1 ? 'positive' : 'negative'} bucket${n === 1 ? '' : 's'} over ${range}`;
}

/** An exponential histogram in one phrase: `scale=3 zero=0, 12 positive buckets over (1.09,8]`. */
function exponentialSummary(point: ExponentialHistogramPoint): string {
  const ranges = [exponentialRange(point.positive, point.scale, 1), exponentialRange(point.negative, point.scale, -1)];
  return [`scale=${point.scale} zero=${point.zeroCount}`, ...ranges.filter((r) => r !== undefined)].join(', ');
}

function pointValues(metric: MetricData): string[] {
  switch (metric.type) {
    case 'sum':
    case 'gauge':
      return metric.points.map((p) => formatNumber(p.value));
    case 'histogram':
      return metric.points.map((p) => [stats(p), explicitBuckets(p)].filter((s) => s !== '').join('  '));
    case 'exponentialHistogram':
      return metric.points.map((p) => `${stats(p)}  ${exponentialSummary(p)}`);
  }
}

function kindOf(metric: MetricData): string {
  const kind = KINDS[metric.instrumentKind] ?? metric.type;
  return metric.type !== 'gauge' && metric.temporality === 'delta' ? `${kind} (delta)` : kind;
}

function exemplarNote(count: number): string {
  return count === 0 ? '' : `  (${count} exemplar${count === 1 ? '' : 's'})`;
}

type Row = [metric: string, kind: string, unit: string, attributes: string, value: string];

/** The table for one collection, or '' when it holds no data point (nothing was recorded). */
export function renderMetricsTable(metrics: ResourceMetrics): string {
  const groups: Array<{ scope: string; rows: Row[] }> = [];
  for (const { scope, metrics: list } of metrics.scopeMetrics) {
    const rows: Row[] = [];
    for (const metric of list) {
      const values = pointValues(metric);
      metric.points.forEach((point, i) => {
        rows.push([
          i === 0 ? plain(metric.name) : '',
          i === 0 ? kindOf(metric) : '',
          i === 0 ? (metric.unit === '' ? '-' : plain(metric.unit)) : '',
          formatAttributes(point.attributes),
          values[i]! + exemplarNote(point.exemplars.length),
        ]);
      });
    }
    if (rows.length > 0) groups.push({ scope: [scope.name, scope.version].filter(Boolean).map((s) => plain(s!)).join(' '), rows });
  }
  if (groups.length === 0) return '';

  const all = [[...HEADER] as Row, ...groups.flatMap((g) => g.rows)];
  const widths = HEADER.map((_, column) => Math.max(...all.map((row) => row[column].length)));
  const line = (row: Row): string =>
    '    ' + row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd() + '\n';

  const service = metrics.resource.attributes['service.name'];
  const time = Math.max(...metrics.scopeMetrics.flatMap((s) => s.metrics.flatMap((m) => m.points.map((p) => p.time))));
  let out = `metrics ${new Date(time).toISOString()}  service=${plain(String(service ?? ''))}\n`;
  out += line([...HEADER] as Row);
  for (const group of groups) {
    out += `  scope ${group.scope || '(unnamed)'}\n`;
    for (const row of group.rows) out += line(row);
  }
  return out;
}
