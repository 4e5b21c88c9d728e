/**
 * Micro-benchmark: recording one measurement, with an attribute object the app keeps (a module
 * constant) and with a fresh object each call, on a counter and a histogram (default
 * boundaries). otelite's MeterProvider vs the official @opentelemetry/sdk-metrics MeterProvider,
 * each with one cumulative reader that never collects (so both aggregate every measurement).
 * otelite runs with exemplars off like the official SDK (which has none); one more case shows
 * the default filter (trace_based) outside any span.
 *
 *   npx tsc -p tsconfig.json && node build/bench/micro/metrics.js [--quick] [--json]
 */
import { metrics, ROOT_CONTEXT, trace, TraceFlags, type Attributes, type Context } from '@opentelemetry/api';
import { DbOperationMetrics } from '../../instrumentations/shared/db/metrics';
import { HttpDuration, HttpMeasure } from '../../instrumentations/shared/http-metrics';
import { InstrumentationMeter } from '../../src/instrument/meter';
import type { AggregationTemporality, ExemplarFilter, ResourceMetrics } from '../../src/metrics/data';
import { MeterProvider } from '../../src/metrics/meter-provider';
import type { MetricReader } from '../../src/metrics/reader';
import { benchRequire } from '../lib/paths';
import { runMain, type Case } from './harness';
import { officialResource } from './official';
import { RESOURCE_ATTRIBUTES } from './span';

/** What an HTTP server metric carries. */
const ATTRIBUTES: Attributes = { 'http.request.method': 'GET', 'http.route': '/api/users/:id', 'http.response.status_code': 200 };
const fresh = (): Attributes => ({ 'http.request.method': 'GET', 'http.route': '/api/users/:id', 'http.response.status_code': 200 });

const idleReader: MetricReader = {
  temporality: (): AggregationTemporality => 'cumulative',
  attach: (_collect: () => Promise<ResourceMetrics>) => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/* eslint-disable @typescript-eslint/no-explicit-any */
interface OfficialInstruments {
  counter: { add(v: number, a?: Attributes): void };
  histogram: { record(v: number, a?: Attributes): void };
}

function official(): OfficialInstruments {
  const sdk = benchRequire('@opentelemetry/sdk-metrics') as { MeterProvider: new (o: any) => any; MetricReader: new () => any };
  class IdleReader extends (sdk.MetricReader as new () => object) {
    protected onForceFlush(): Promise<void> {
      return Promise.resolve();
    }
    protected onShutdown(): Promise<void> {
      return Promise.resolve();
    }
  }
  const provider = new sdk.MeterProvider({ resource: officialResource(RESOURCE_ATTRIBUTES), readers: [new IdleReader()] });
  const meter = provider.getMeter('bench', '1.0.0');
  return { counter: meter.createCounter('http.server.requests'), histogram: meter.createHistogram('http.server.request.duration', { unit: 'ms' }) };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** otelite's MeterProvider with one reader that never collects. */
function oteliteProvider(exemplarFilter: ExemplarFilter): MeterProvider {
  return new MeterProvider({
    resource: { attributes: RESOURCE_ATTRIBUTES, schemaUrl: undefined },
    readers: [idleReader],
    histogramAggregation: 'explicit_bucket_histogram',
    exemplarFilter,
  });
}

/** The same, registered with the API, where the instrumentations' meters find it. */
function registerProvider(exemplarFilter: ExemplarFilter): void {
  metrics.disable();
  metrics.setGlobalMeterProvider(oteliteProvider(exemplarFilter));
}

function otelite(exemplarFilter: ExemplarFilter): OfficialInstruments {
  const meter = oteliteProvider(exemplarFilter).getMeter('bench', '1.0.0');
  return { counter: meter.createCounter('http.server.requests'), histogram: meter.createHistogram('http.server.request.duration', { unit: 'ms' }) };
}

/** The six attributes of an `http.server.request.duration` measurement, as the official http instrumentation passes them: a fresh object. */
const freshHttp = (): Attributes => ({
  'http.request.method': 'GET',
  'url.scheme': 'http',
  'http.route': '/api/users/:id',
  'http.response.status_code': 200,
  'network.protocol.version': '1.1',
  'error.type': undefined,
});

/** The context of a sampled SERVER span: what a traced request's measurement carries. */
const SAMPLED: Context = trace.setSpan(
  ROOT_CONTEXT,
  trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED }),
);

/** What the http instrumentation does per request with metrics on: a measure, then its recording. */
function serverDuration(exemplarFilter: ExemplarFilter, spanContext: Context = ROOT_CONTEXT): () => void {
  registerProvider(exemplarFilter);
  const duration = new HttpDuration(new InstrumentationMeter('otelite/http', '0'), 'server');
  const measureOne = (): void => {
    const measure = new HttpMeasure(performance.now(), 'GET', 'http', undefined, undefined);
    measure.protocolVersion = '1.1';
    measure.route = '/api/users/:id';
    measure.responded(200, 'server');
    measure.context = spanContext;
    duration.record(measure, performance.now());
  };
  // The histogram is made at the first measurement, on the provider registered now.
  measureOne();
  return measureOne;
}

/** The official http, undici, pg and redis instrumentations' attribute objects: fresh ones each time. */
const freshRealistic = (): Attributes[] => [
  freshHttp(),
  { 'http.request.method': 'GET', 'url.scheme': 'http', 'server.address': '127.0.0.1', 'server.port': 4000, 'http.response.status_code': 200, 'network.protocol.version': '1.1' },
  { 'db.system.name': 'postgresql', 'db.namespace': 'bench', 'db.query.summary': 'SELECT users', 'server.address': '127.0.0.1', 'server.port': 5432 },
  { 'db.system.name': 'redis', 'db.namespace': '0', 'db.operation.name': 'GET', 'server.address': '127.0.0.1', 'server.port': 6379 },
];

/**
 * What bench/servers/realistic.cjs measures per request, with exemplars on as by default and
 * its span sampled: the SERVER and fetch CLIENT durations and two database operations,
 * interleaved on one provider as they are in the app.
 */
function realisticRequest(): () => void {
  registerProvider('trace_based');
  const server = new HttpDuration(new InstrumentationMeter('otelite/http', '0'), 'server');
  const client = new HttpDuration(new InstrumentationMeter('otelite/undici', '0'), 'client');
  const pg = new DbOperationMetrics(new InstrumentationMeter('otelite/pg', '0'));
  const redis = new DbOperationMetrics(new InstrumentationMeter('otelite/redis', '0'));
  const measureOne = (): void => {
    const start = performance.now();
    const request = new HttpMeasure(start, 'GET', 'http', undefined, undefined);
    request.protocolVersion = '1.1';
    request.route = '/users/:id';
    request.context = SAMPLED;
    const query = pg.start({ system: 'postgresql', namespace: 'bench', querySummary: 'SELECT users', serverAddress: '127.0.0.1', serverPort: 5432 });
    pg.record(query, performance.now(), undefined);
    const get = redis.start({ system: 'redis', namespace: '0', operationName: 'GET', serverAddress: '127.0.0.1', serverPort: 6379 });
    redis.record(get, performance.now(), undefined);
    const fetched = new HttpMeasure(performance.now(), 'GET', 'http', '127.0.0.1', 4000);
    fetched.protocolVersion = '1.1';
    fetched.context = SAMPLED;
    fetched.responded(200, 'client');
    client.record(fetched, performance.now());
    request.responded(200, 'server');
    server.record(request, performance.now());
  };
  measureOne();
  return measureOne;
}

function cases(): Case[] {
  const o = otelite('always_off');
  const withFilter = otelite('trace_based');
  const f = official();
  let v = 0;
  // Values sweep the default buckets so the histogram does not always take the same branch.
  const value = (): number => (v = (v + 37) % 1200);
  return [
    { name: 'metrics: counter.add, cached attributes (3)', unit: 'add', otelite: () => o.counter.add(1, ATTRIBUTES), official: () => f.counter.add(1, ATTRIBUTES) },
    { name: 'metrics: counter.add, fresh attribute object (3)', unit: 'add', otelite: () => o.counter.add(1, fresh()), official: () => f.counter.add(1, fresh()) },
    { name: 'metrics: histogram.record, cached attributes (3)', unit: 'record', otelite: () => o.histogram.record(value(), ATTRIBUTES), official: () => f.histogram.record(value(), ATTRIBUTES) },
    { name: 'metrics: histogram.record, fresh attribute object (3)', unit: 'record', otelite: () => o.histogram.record(value(), fresh()), official: () => f.histogram.record(value(), fresh()) },
    {
      name: 'metrics: histogram.record, cached, exemplars trace_based, no span',
      unit: 'record',
      otelite: () => withFilter.histogram.record(value(), ATTRIBUTES),
      official: () => f.histogram.record(value(), ATTRIBUTES),
      note: 'otelite with its default exemplar filter (outside a span); the official SDK has no exemplars',
    },
    {
      name: 'metrics: one HTTP server request measured (5 attributes)',
      unit: 'request',
      otelite: serverDuration('always_off'),
      official: () => f.histogram.record(value(), freshHttp()),
      note: "otelite: the http instrumentation's measure and record (two clock reads); official: the record of a fresh attribute object, as its http instrumentation does",
    },
    {
      name: 'metrics: one HTTP server request measured, sampled span, exemplars trace_based',
      unit: 'request',
      otelite: serverDuration('trace_based', SAMPLED),
      official: () => f.histogram.record(value(), freshHttp()),
      note: "otelite's defaults for a traced request: the measurement offers an exemplar of its span",
    },
    {
      name: 'metrics: the realistic route\'s four measurements of a request',
      unit: 'request',
      otelite: realisticRequest(),
      official: () => {
        for (const attributes of freshRealistic()) f.histogram.record(value(), attributes);
      },
      note: 'otelite: the http, undici, pg and redis instrumentations\' measures and records (exemplars on, sampled span); official: four records of fresh attribute objects',
    },
  ];
}

if (require.main === module) runMain('metrics record', cases);
