import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { diagOnce } from '../../diag';
import type { ExponentialHistogramPoint, MetricData, ResourceMetrics } from '../../metrics/data';
import { prometheusName, sanitizeLabelName } from './names';

/**
 * One collection in the Prometheus text exposition format 0.0.4, per the specification's
 * "Prometheus and OpenMetrics Compatibility" (OTLP Metric points to Prometheus):
 * - cumulative monotonic sums are counters (`_total`), other cumulative sums and gauges are
 *   gauges, histograms are `_bucket{le}` cumulative counts up to `+Inf`, `_sum` (only when no
 *   negative value was recorded) and `_count`; delta series cannot be served by a stateless pull
 *   and are dropped with one warning (the reader asks the SDK for cumulative, so none come);
 * - exponential histograms: the text format has no native histograms, so each exponential bucket
 *   becomes an explicit bucket with its upper bound as `le` (the specification allows converting
 *   to fixed buckets rather than dropping, and a user who chose exponential histograms for OTLP
 *   keeps the data in Prometheus);
 * - every point carries `otel_scope_name` and `otel_scope_version`; the resource is one
 *   `target_info` gauge of 1 whose labels are the resource attributes and nothing else;
 * - one HELP and TYPE per family: a second metric with the same Prometheus name joins the family
 *   when its type agrees, and is dropped with one warning when it does not (two TYPE lines for one
 *   name make Prometheus reject the whole scrape);
 * - no timestamps, no exemplars (the 0.0.4 format has neither).
 */

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type PrometheusType = 'counter' | 'gauge' | 'histogram';

interface Family {
  readonly type: PrometheusType;
  readonly help: string;
  samples: string;
}

/** Label name → value (unescaped), in the order they are written. */
type Labels = Map<string, string>;

const TARGET_INFO = 'target_info';

export function formatPrometheus(collection: ResourceMetrics): string {
  const families = new Map<string, Family>();
  const target = labelsOf(collection.resource.attributes);
  if (target.size > 0) families.set(TARGET_INFO, { type: 'gauge', help: 'Target metadata', samples: sample(TARGET_INFO, target, 1) });

  for (const { scope, metrics } of collection.scopeMetrics) {
    const scopeLabels: Array<[string, string]> = [['otel_scope_name', scope.name]];
    if (scope.version) scopeLabels.push(['otel_scope_version', scope.version]);
    for (const metric of metrics) addMetric(families, metric, scopeLabels);
  }

  let text = '';
  for (const [name, family] of families) {
    if (family.help !== '') text += `# HELP ${name} ${escapeHelp(family.help)}\n`;
    text += `# TYPE ${name} ${family.type}\n${family.samples}`;
  }
  return text;
}

function addMetric(families: Map<string, Family>, metric: MetricData, scopeLabels: ReadonlyArray<[string, string]>): void {
  const type = prometheusType(metric);
  if (type === undefined) return;
  const name = prometheusName(metric.name, metric.unit, type);
  let family = families.get(name);
  if (name === TARGET_INFO || (family !== undefined && family.type !== type)) {
    const taken = name === TARGET_INFO ? 'the resource' : `a ${family!.type}`;
    diagOnce(`prometheus-type:${name}:${metric.name}`, 'warn', `Prometheus: metric ${metric.name} is left out of /metrics: its name ${name} is already ${taken}'s`);
    return;
  }
  if (family === undefined) {
    family = { type, help: metric.description, samples: '' };
    families.set(name, family);
  }
  family.samples += samplesOf(name, metric, scopeLabels);
}

function prometheusType(metric: MetricData): PrometheusType | undefined {
  if (metric.type === 'gauge') return 'gauge';
  if (metric.temporality === 'delta') {
    diagOnce(`prometheus-delta:${metric.name}`, 'warn', `Prometheus: metric ${metric.name} is left out of /metrics: it has delta temporality, and Prometheus reads cumulative series`);
    return undefined;
  }
  if (metric.type === 'sum') return metric.monotonic ? 'counter' : 'gauge';
  return 'histogram';
}

function samplesOf(name: string, metric: MetricData, scopeLabels: ReadonlyArray<[string, string]>): string {
  // The exporter's own labels win over an attribute of the same name: a label written twice
  // would make Prometheus reject the scrape.
  const labelsFor = (attributes: Attributes): Labels => {
    const labels = labelsOf(attributes);
    for (const [key, value] of scopeLabels) labels.set(key, value);
    return labels;
  };
  let text = '';
  switch (metric.type) {
    case 'sum':
    case 'gauge':
      for (const point of metric.points) text += sample(name, labelsFor(point.attributes), point.value);
      break;
    case 'histogram':
      for (const point of metric.points) {
        text += histogramSamples(name, labelsFor(point.attributes), point.bounds, point.bucketCounts, point.count, point.sum);
      }
      break;
    case 'exponentialHistogram':
      for (const point of metric.points) {
        const { bounds, counts } = explicitBuckets(point);
        text += histogramSamples(name, labelsFor(point.attributes), bounds, counts, point.count, point.sum);
      }
      break;
  }
  return text;
}

function histogramSamples(
  name: string,
  labels: Labels,
  bounds: readonly number[],
  bucketCounts: readonly number[],
  count: number,
  sum: number | undefined,
): string {
  let text = '';
  let cumulative = 0;
  for (let i = 0; i < bounds.length; i++) {
    cumulative += bucketCounts[i] ?? 0;
    text += sample(`${name}_bucket`, new Map(labels).set('le', formatValue(bounds[i])), cumulative);
  }
  text += sample(`${name}_bucket`, new Map(labels).set('le', '+Inf'), count);
  if (sum !== undefined) text += sample(`${name}_sum`, labels, sum);
  return text + sample(`${name}_count`, labels, count);
}

/**
 * An exponential histogram's buckets as explicit ones, ascending: the negative buckets (largest
 * magnitude first), the zero bucket up to the zero threshold, then the positive buckets. Bucket
 * k covers magnitudes (base^k, base^(k+1)], base = 2^(2^-scale).
 */
function explicitBuckets(point: ExponentialHistogramPoint): { bounds: number[]; counts: number[] } {
  const exponent = Math.pow(2, -point.scale);
  const bounds: number[] = [];
  const counts: number[] = [];
  const { negative, positive } = point;
  for (let i = negative.bucketCounts.length - 1; i >= 0; i--) {
    bounds.push(-Math.pow(2, (negative.offset + i) * exponent));
    counts.push(negative.bucketCounts[i]);
  }
  bounds.push(point.zeroThreshold);
  counts.push(point.zeroCount);
  for (let i = 0; i < positive.bucketCounts.length; i++) {
    bounds.push(Math.pow(2, (positive.offset + i + 1) * exponent));
    counts.push(positive.bucketCounts[i]);
  }
  return { bounds, counts };
}

/**
 * Attributes as labels: names sanitized; values of attributes whose names become the same label
 * are joined with `;` in the order of the original names (the specification's rule).
 */
function labelsOf(attributes: Attributes): Labels {
  const labels: Labels = new Map();
  for (const key of Object.keys(attributes).sort()) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    const name = sanitizeLabelName(key);
    const text = attributeText(value);
    const before = labels.get(name);
    labels.set(name, before === undefined ? text : `${before};${text}`);
  }
  return labels;
}

/** Non-string attribute values as the attribute specification renders them (arrays as JSON). */
function attributeText(value: AttributeValue): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

function sample(name: string, labels: Labels, value: number): string {
  let line = name;
  if (labels.size > 0) {
    let separator = '{';
    for (const [label, text] of labels) {
      line += `${separator}${label}="${escapeLabelValue(text)}"`;
      separator = ',';
    }
    line += '}';
  }
  return `${line} ${formatValue(value)}\n`;
}

function formatValue(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value); // NaN prints as NaN, which the format reads
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
