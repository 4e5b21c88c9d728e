/**
 * Micro-benchmark: one collection of 2000 explicit-histogram series (one histogram, 2000
 * attribute sets of 3 attributes, a few values each, default boundaries), then its OTLP/protobuf
 * encoding. otelite's MeterProvider with a cumulative reader that collects on demand, then
 * `encodeMetricsRequest`; vs the official @opentelemetry/sdk-metrics MeterProvider with a
 * cumulative MetricReader's `collect()`, then `ProtobufMetricsSerializer.serializeRequest` of
 * @opentelemetry/otlp-transformer. Both with a cardinality limit above 2000, so that every
 * series is its own point on both sides (no overflow series).
 *
 * Collection is asynchronous on both sides, so it is timed here in alternating rounds of awaited
 * collections (median ms per collection), each collection after a few new values in every series
 * (recorded outside the timing: a collection with nothing new is not what an app pays for);
 * encoding goes through the shared harness.
 *
 *   npx tsc -p tsconfig.json && node build/bench/micro/metrics-collect.js [--quick] [--json]
 */
import type { Attributes } from '@opentelemetry/api';
import { encodeMetricsRequest } from '../../src/export/otlp/encode-metrics-protobuf';
import type { AggregationTemporality, ResourceMetrics } from '../../src/metrics/data';
import { MeterProvider } from '../../src/metrics/meter-provider';
import type { MetricReader } from '../../src/metrics/reader';
import { benchRequire } from '../lib/paths';
import { median, runCase, type CaseResult } from './harness';
import { officialResource } from './official';
import { RESOURCE_ATTRIBUTES } from './span';

const SERIES = 2000;
const VALUES_PER_SERIES = 4;
const CARDINALITY_LIMIT = 4000;

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const STATUSES = [200, 201, 204, 301, 400, 404, 500, 503];

/** 2000 distinct attribute sets: 4 methods × 8 statuses × 63 routes, the first 2000. */
function attributeSets(): Attributes[] {
  const sets: Attributes[] = [];
  for (let i = 0; sets.length < SERIES; i++) {
    sets.push({
      'http.request.method': METHODS[i % METHODS.length]!,
      'http.response.status_code': STATUSES[Math.floor(i / METHODS.length) % STATUSES.length]!,
      'http.route': `/api/resource${Math.floor(i / (METHODS.length * STATUSES.length))}/:id`,
    });
  }
  return sets;
}

function fill(histogram: { record(v: number, a?: Attributes): void }): void {
  const sets = attributeSets();
  let v = 0;
  for (const attributes of sets) {
    for (let k = 0; k < VALUES_PER_SERIES; k++) histogram.record((v = (v + 37) % 1200), attributes);
  }
}

/** A cumulative reader that collects when asked (the test kit's ManualReader, without the kit). */
class OnDemandReader implements MetricReader {
  private collector: (() => Promise<ResourceMetrics>) | undefined;
  temporality(): AggregationTemporality {
    return 'cumulative';
  }
  attach(collect: () => Promise<ResourceMetrics>): void {
    this.collector = collect;
  }
  collect(): Promise<ResourceMetrics> {
    if (this.collector === undefined) throw new Error('reader not attached');
    return this.collector();
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Side {
  /** A few more values in each of the 2000 series. */
  record(): void;
  collect(): Promise<unknown>;
  encode(collected: unknown): Uint8Array;
  points(collected: unknown): number;
}

function otelite(): Side {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({
    resource: { attributes: RESOURCE_ATTRIBUTES, schemaUrl: undefined },
    readers: [reader],
    histogramAggregation: 'explicit_bucket_histogram',
    exemplarFilter: 'always_off',
    cardinalityLimit: CARDINALITY_LIMIT,
  });
  const histogram = provider.getMeter('bench', '1.0.0').createHistogram('http.server.request.duration', { unit: 'ms' });
  fill(histogram);
  return {
    record: () => fill(histogram),
    collect: () => reader.collect(),
    encode: (c) => encodeMetricsRequest(c as ResourceMetrics),
    points: (c) => (c as ResourceMetrics).scopeMetrics.reduce((n, s) => n + s.metrics.reduce((m, metric) => m + metric.points.length, 0), 0),
  };
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function official(): Side {
  const sdk = benchRequire('@opentelemetry/sdk-metrics') as { MeterProvider: new (o: any) => any; MetricReader: new (o?: any) => any };
  const { ProtobufMetricsSerializer } = benchRequire('@opentelemetry/otlp-transformer') as { ProtobufMetricsSerializer: { serializeRequest(rm: any): Uint8Array | undefined } };
  class OnDemand extends (sdk.MetricReader as new (o?: any) => { collect(): Promise<{ resourceMetrics: any; errors: unknown[] }> }) {
    protected onForceFlush(): Promise<void> {
      return Promise.resolve();
    }
    protected onShutdown(): Promise<void> {
      return Promise.resolve();
    }
  }
  const reader = new OnDemand({ cardinalitySelector: () => CARDINALITY_LIMIT });
  const provider = new sdk.MeterProvider({ resource: officialResource(RESOURCE_ATTRIBUTES), readers: [reader] });
  const histogram = provider.getMeter('bench', '1.0.0').createHistogram('http.server.request.duration', { unit: 'ms' });
  fill(histogram);
  return {
    record: () => fill(histogram),
    collect: async () => (await reader.collect()).resourceMetrics,
    encode: (c) => ProtobufMetricsSerializer.serializeRequest(c)!,
    points: (c) => (c as any).scopeMetrics.reduce((n: number, s: any) => n + s.metrics.reduce((m: number, metric: any) => m + metric.dataPoints.length, 0), 0),
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Mean ns of `n` collections, each after new values in every series (recorded outside the timing). */
async function timeCollections(side: Side, n: number): Promise<number> {
  let ns = 0;
  for (let i = 0; i < n; i++) {
    side.record();
    const t0 = process.hrtime.bigint();
    await side.collect();
    ns += Number(process.hrtime.bigint() - t0);
  }
  return ns / n;
}

/** Alternating rounds of awaited collections after a warm-up; median ns per collection of each side. */
async function collectCase(a: Side, b: Side, quick: boolean): Promise<CaseResult> {
  const perRound = quick ? 5 : 20;
  const rounds = quick ? 5 : 15;
  for (let w = 0; w < (quick ? 10 : 30); w++) {
    await timeCollections(a, 1);
    await timeCollections(b, 1);
  }
  const ar: number[] = [];
  const br: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      ar.push(await timeCollections(a, perRound));
      br.push(await timeCollections(b, perRound));
    } else {
      br.push(await timeCollections(b, perRound));
      ar.push(await timeCollections(a, perRound));
    }
  }
  const oteliteNs = median(ar);
  const officialNs = median(br);
  return {
    name: `metrics: collect ${SERIES} histogram series`,
    unit: 'collection',
    oteliteNs,
    officialNs,
    speedup: officialNs / oteliteNs,
    oteliteRounds: ar,
    officialRounds: br,
  };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const json = process.argv.includes('--json');
  const o = otelite();
  const f = official();
  const collected = { otelite: await o.collect(), official: await f.collect() };
  const points = { otelite: o.points(collected.otelite), official: f.points(collected.official) };
  if (points.otelite !== SERIES || points.official !== SERIES) throw new Error(`expected ${SERIES} points, got otelite ${points.otelite}, official ${points.official}`);
  const bytes = { otelite: o.encode(collected.otelite).length, official: f.encode(collected.official).length };

  const results: CaseResult[] = [await collectCase(o, f, quick)];
  const encoding = runCase(
    {
      name: `metrics: OTLP protobuf encoding of ${SERIES} histogram series`,
      unit: 'encoding',
      otelite: () => o.encode(collected.otelite),
      official: () => f.encode(collected.official),
    },
    { quick },
  );
  results.push({ ...encoding, note: `bytes: otelite ${bytes.otelite}, official ${bytes.official}` });

  if (json) {
    process.stdout.write(`${JSON.stringify({ title: 'metrics collect and encode', node: process.version, micro: results })}\n`);
    return;
  }
  for (const r of results) {
    console.log(`${r.name.padEnd(56)} otelite ${(r.oteliteNs / 1e6).toFixed(2).padStart(7)} ms/${r.unit}   official ${(r.officialNs / 1e6).toFixed(2).padStart(7)} ms/${r.unit}   ${r.speedup.toFixed(2)}x`);
  }
  console.log(`encoded bytes: otelite ${bytes.otelite}, official ${bytes.official}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
