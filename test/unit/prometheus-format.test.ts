import { diag, DiagLogLevel, type Attributes } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { formatPrometheus } from '../../src/export/prometheus/format';
import { prometheusName, unitSuffix } from '../../src/export/prometheus/names';
import type { ExponentialHistogramPoint, HistogramPoint, MetricData, NumberPoint, ResourceMetrics, ScopeMetrics } from '../../src/metrics/data';

const T0 = 1_700_000_000_000;

function numberPoint(value: number, attributes: Attributes = {}): NumberPoint {
  return { attributes, startTime: T0, time: T0 + 1000, exemplars: [], value };
}

function counter(name: string, points: NumberPoint[], extra: Partial<{ unit: string; description: string; monotonic: boolean; temporality: 'cumulative' | 'delta' }> = {}): MetricData {
  return {
    type: 'sum',
    name,
    description: extra.description ?? '',
    unit: extra.unit ?? '',
    instrumentKind: extra.monotonic === false ? 'upDownCounter' : 'counter',
    numberKind: 'double',
    monotonic: extra.monotonic ?? true,
    temporality: extra.temporality ?? 'cumulative',
    points,
  };
}

function gauge(name: string, points: NumberPoint[], unit = '', description = ''): MetricData {
  return { type: 'gauge', name, description, unit, instrumentKind: 'gauge', numberKind: 'double', points };
}

function histogram(name: string, points: HistogramPoint[], unit = ''): MetricData {
  return { type: 'histogram', name, description: '', unit, instrumentKind: 'histogram', numberKind: 'double', temporality: 'cumulative', points };
}

function scope(name: string, metrics: MetricData[], version?: string): ScopeMetrics {
  return { scope: { name, version, schemaUrl: undefined }, metrics };
}

function collection(scopeMetrics: ScopeMetrics[], resource: Attributes = {}): ResourceMetrics {
  return { resource: { attributes: resource, schemaUrl: undefined }, scopeMetrics };
}

/** The sample lines (no comments) of one text exposition. */
function samples(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

/** Diagnostics written while `fn` runs. */
function warnings(fn: () => void): string[] {
  const said: string[] = [];
  const logger = { error: (m: string) => said.push(m), warn: (m: string) => said.push(m), info: () => {}, debug: () => {}, verbose: () => {} };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  try {
    fn();
  } finally {
    diag.disable();
  }
  return said;
}

describe('Prometheus text format', () => {
  it('a monotonic cumulative sum is a counter ending in _total, with HELP, TYPE and the scope labels', () => {
    const text = formatPrometheus(
      collection([scope('shop', [counter('http.server.requests', [numberPoint(3, { route: '/a', 'http.method': 'GET' })], { unit: '{request}', description: 'requests served' })], '1.0.0')]),
    );
    assert.equal(
      text,
      '# HELP http_server_requests_total requests served\n' +
        '# TYPE http_server_requests_total counter\n' +
        'http_server_requests_total{http_method="GET",route="/a",otel_scope_name="shop",otel_scope_version="1.0.0"} 3\n',
    );
  });

  it('a non-monotonic sum and a gauge are gauges; no _total, no HELP without a description, no version label without a version', () => {
    const text = formatPrometheus(
      collection([scope('pool', [counter('db.connections', [numberPoint(-2)], { monotonic: false }), gauge('queue.length', [numberPoint(7)])])]),
    );
    assert.equal(
      text,
      '# TYPE db_connections gauge\ndb_connections{otel_scope_name="pool"} -2\n' + '# TYPE queue_length gauge\nqueue_length{otel_scope_name="pool"} 7\n',
    );
  });

  it('units become word suffixes before _total, per the specification', () => {
    assert.equal(prometheusName('http.server.duration', 's', 'histogram'), 'http_server_duration_seconds');
    assert.equal(prometheusName('db.time', 'ms', 'counter'), 'db_time_milliseconds_total');
    assert.equal(prometheusName('net.io', 'By', 'counter'), 'net_io_bytes_total');
    assert.equal(prometheusName('net.rate', 'By/s', 'gauge'), 'net_rate_bytes_per_second');
    assert.equal(prometheusName('net.packets', '{packet}/s', 'gauge'), 'net_packets_per_second');
    assert.equal(prometheusName('cpu.utilization', '1', 'gauge'), 'cpu_utilization_ratio');
    assert.equal(prometheusName('jobs.done', '1', 'counter'), 'jobs_done_total', 'a counter of 1 is a plain count');
    assert.equal(prometheusName('room.temperature', 'Cel', 'gauge'), 'room_temperature_celsius');
    assert.equal(prometheusName('memory.heap', 'MiBy', 'gauge'), 'memory_heap_mebibytes');
    assert.equal(prometheusName('made.widgets', 'widgets', 'counter'), 'made_widgets_total', 'the name already ends with the unit');
    assert.equal(prometheusName('uptime_seconds', 's', 'gauge'), 'uptime_seconds');
    assert.equal(prometheusName('events_total', '', 'counter'), 'events_total', '_total is not doubled');
    assert.equal(prometheusName('load', 'km/h', 'gauge'), 'load_km_per_hour', 'an unknown unit is kept, sanitized');
    assert.equal(unitSuffix('{request}', false), '');
  });

  it('sanitizes metric and label names, and joins the values of attributes that become one label', () => {
    const text = formatPrometheus(
      collection([
        scope('s', [gauge('3d.renders-per..frame', [numberPoint(1, { 'a.b': 'x', a_b: 'y', '9lives': 'cat', 'k8s/pod name': 'p' })])]),
      ]),
    );
    assert.deepEqual(samples(text), ['_3d_renders_per_frame{_9lives="cat",a_b="x;y",k8s_pod_name="p",otel_scope_name="s"} 1']);
    assert.match(text, /^# TYPE _3d_renders_per_frame gauge$/m);
  });

  it('escapes label values and HELP text; non-string attributes are rendered; special values', () => {
    const text = formatPrometheus(
      collection([
        scope('s', [
          gauge('g', [numberPoint(Infinity, { path: 'C:\\dir "x"\nnext', n: 42, ok: true, list: ['a', 'b'] }), numberPoint(NaN, { n: -1.5 })], '', 'line one\nline \\two'),
        ]),
      ]),
    );
    assert.match(text, /^# HELP g line one\\nline \\\\two$/m);
    assert.deepEqual(samples(text), [
      'g{list="[\\"a\\",\\"b\\"]",n="42",ok="true",path="C:\\\\dir \\"x\\"\\nnext",otel_scope_name="s"} +Inf',
      'g{n="-1.5",otel_scope_name="s"} NaN',
    ]);
  });

  it('a histogram is cumulative _bucket counts with le up to +Inf, then _sum and _count; no _sum when negative values were recorded', () => {
    const point: HistogramPoint = {
      attributes: { route: '/a' },
      startTime: T0,
      time: T0 + 1000,
      exemplars: [],
      count: 4,
      sum: 2.5,
      min: 0.05,
      max: 1.5,
      bounds: [0.1, 0.5, 1],
      bucketCounts: [1, 2, 0, 1],
    };
    const negative: HistogramPoint = { ...point, attributes: { route: '/b' }, sum: undefined, count: 1, bucketCounts: [1, 0, 0, 0] };
    const text = formatPrometheus(collection([scope('s', [histogram('http.duration', [point, negative], 's')])]));
    assert.match(text, /^# TYPE http_duration_seconds histogram$/m);
    assert.deepEqual(samples(text), [
      'http_duration_seconds_bucket{route="/a",otel_scope_name="s",le="0.1"} 1',
      'http_duration_seconds_bucket{route="/a",otel_scope_name="s",le="0.5"} 3',
      'http_duration_seconds_bucket{route="/a",otel_scope_name="s",le="1"} 3',
      'http_duration_seconds_bucket{route="/a",otel_scope_name="s",le="+Inf"} 4',
      'http_duration_seconds_sum{route="/a",otel_scope_name="s"} 2.5',
      'http_duration_seconds_count{route="/a",otel_scope_name="s"} 4',
      'http_duration_seconds_bucket{route="/b",otel_scope_name="s",le="0.1"} 1',
      'http_duration_seconds_bucket{route="/b",otel_scope_name="s",le="0.5"} 1',
      'http_duration_seconds_bucket{route="/b",otel_scope_name="s",le="1"} 1',
      'http_duration_seconds_bucket{route="/b",otel_scope_name="s",le="+Inf"} 1',
      'http_duration_seconds_count{route="/b",otel_scope_name="s"} 1',
    ]);
  });

  it('an exponential histogram becomes explicit buckets at its bucket bounds (negative, zero, positive)', () => {
    // scale 0: base 2. Positive bucket k covers (2^k, 2^(k+1)]; negative likewise by magnitude.
    const point: ExponentialHistogramPoint = {
      attributes: {},
      startTime: T0,
      time: T0 + 1000,
      exemplars: [],
      count: 6,
      sum: undefined,
      min: -3,
      max: 3.5,
      scale: 0,
      zeroCount: 1,
      zeroThreshold: 0,
      positive: { offset: 0, bucketCounts: [1, 2] }, // (1,2] ×1, (2,4] ×2
      negative: { offset: 1, bucketCounts: [2] }, // [-4,-2) ×2
    };
    const metric: MetricData = {
      type: 'exponentialHistogram',
      name: 'latency',
      description: '',
      unit: 'ms',
      instrumentKind: 'histogram',
      numberKind: 'double',
      temporality: 'cumulative',
      points: [point],
    };
    const text = formatPrometheus(collection([scope('s', [metric])]));
    assert.match(text, /^# TYPE latency_milliseconds histogram$/m);
    assert.deepEqual(samples(text), [
      'latency_milliseconds_bucket{otel_scope_name="s",le="-2"} 2',
      'latency_milliseconds_bucket{otel_scope_name="s",le="0"} 3',
      'latency_milliseconds_bucket{otel_scope_name="s",le="2"} 4',
      'latency_milliseconds_bucket{otel_scope_name="s",le="4"} 6',
      'latency_milliseconds_bucket{otel_scope_name="s",le="+Inf"} 6',
      'latency_milliseconds_count{otel_scope_name="s"} 6',
    ]);
  });

  it('the resource is one target_info gauge whose labels are the resource attributes alone', () => {
    const resource = { 'service.name': 'shop', 'service.instance.id': 'i-1', 'telemetry.sdk.language': 'nodejs' };
    const text = formatPrometheus(collection([scope('s', [gauge('g', [numberPoint(1)])])], resource));
    assert.ok(text.startsWith('# HELP target_info Target metadata\n# TYPE target_info gauge\n'), text);
    assert.deepEqual(samples(text)[0], 'target_info{service_instance_id="i-1",service_name="shop",telemetry_sdk_language="nodejs"} 1');
    assert.equal(samples(formatPrometheus(collection([], {}))).length, 0, 'no target_info for an empty resource');
  });

  it('one TYPE per family across scopes; a metric whose name is taken by another type is left out with one warning', () => {
    const a = counter('jobs', [numberPoint(1)], { description: 'first' });
    const b = counter('jobs', [numberPoint(2)], { description: 'second' });
    const clash = gauge('jobs_total', [numberPoint(9)]);
    let text = '';
    const said = warnings(() => {
      text = formatPrometheus(collection([scope('one', [a, clash], '1.0.0'), scope('two', [b], '1.0.0'), scope('three', [clash])]));
    });
    assert.equal(text.match(/^# TYPE jobs_total /gm)?.length, 1, text);
    assert.equal(text.match(/^# HELP jobs_total /gm)?.length, 1, text);
    assert.match(text, /^# HELP jobs_total first$/m);
    assert.deepEqual(samples(text), [
      'jobs_total{otel_scope_name="one",otel_scope_version="1.0.0"} 1',
      'jobs_total{otel_scope_name="two",otel_scope_version="1.0.0"} 2',
    ]);
    assert.deepEqual(said, ['Prometheus: metric jobs_total is left out of /metrics: its name jobs_total is already a counter\'s']);
  });

  it('the exporter\'s labels win over attributes of the same name (a label twice would fail the scrape); target_info is reserved', () => {
    const point: HistogramPoint = {
      attributes: { le: 'mine', 'otel.scope.name': 'fake' },
      startTime: T0,
      time: T0,
      exemplars: [],
      count: 1,
      sum: 1,
      min: 1,
      max: 1,
      bounds: [],
      bucketCounts: [1],
    };
    let text = '';
    const said = warnings(() => {
      text = formatPrometheus(collection([scope('real', [histogram('h', [point]), gauge('target.info', [numberPoint(5)])])], { 'service.name': 'x' }));
    });
    assert.deepEqual(samples(text).slice(1), [
      'h_bucket{le="+Inf",otel_scope_name="real"} 1',
      'h_sum{le="mine",otel_scope_name="real"} 1',
      'h_count{le="mine",otel_scope_name="real"} 1',
    ]);
    assert.equal(said.length, 1);
    assert.match(said[0], /target\.info is left out .* already the resource's/);
  });

  it('delta series are left out with one warning (Prometheus reads cumulative series)', () => {
    let text = '';
    const metric = counter('delta.requests', [numberPoint(1)], { temporality: 'delta' });
    const said = warnings(() => {
      text = formatPrometheus(collection([scope('s', [metric], '1.0.0')]));
      formatPrometheus(collection([scope('s', [metric], '1.0.0')]));
    });
    assert.equal(text, '');
    assert.equal(said.length, 1);
    assert.match(said[0], /delta\.requests is left out of \/metrics: it has delta temporality/);
  });
});
