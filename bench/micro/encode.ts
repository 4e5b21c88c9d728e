/**
 * Micro-benchmark: OTLP protobuf encoding of 10k realistic server spans (12 attributes each).
 *
 *   npx tsc -p tsconfig.json && node build/bench/micro/encode.js            # everything, as text
 *   node build/bench/micro/encode.js --compare [--quick] [--json]            # only otelite vs official
 *
 * Encodes the 10k spans in batches of 512 (the default OTEL_BSP_MAX_EXPORT_BATCH_SIZE) and as
 * one batch, several rounds after a warm-up, and prints the median ns per span of each; then the
 * same for OTLP/JSON, for protobufjs (fromObject + encode of the same request, for comparison),
 * for gzip level 1 of the encoded bytes, and for the official serializer
 * (`ProtobufTraceSerializer.serializeRequest` of @opentelemetry/otlp-transformer, from
 * bench/node_modules) on equivalent ReadableSpans: the same names, kinds, parents, times,
 * attributes, resource and scope, made by the official SDK's own tracer.
 *
 * `--compare` (used by `npm run bench`) runs only otelite vs the official serializer, through the
 * shared harness (alternating rounds, median): `--json` prints one JSON line.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { SpanKind } from '@opentelemetry/api';
import type { InstrumentationScope, ResourceData, SpanData } from '../../src/sdk/span-data';
import { encodeTraceRequest, encodeTraceRequestPooled } from '../../src/export/otlp/encode-protobuf';
import { encodeTraceRequestJson } from '../../src/export/otlp/encode-json';
import { spanData } from '../../test/kit/recording';
import { runCase, runMain, type Case } from './harness';
import { NOOP_OFFICIAL_PROCESSOR, officialApi, officialProtobufSerializer, officialResource, officialSdk } from './official';

const resource: ResourceData = {
  attributes: {
    'service.name': 'checkout',
    'service.version': '1.4.2',
    'telemetry.sdk.name': 'otelite',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.version': '0.1.0',
    'process.pid': 12345,
    'host.name': 'ip-10-0-0-12',
  },
  schemaUrl: undefined,
};
const scope: InstrumentationScope = { name: 'otelite/http', version: '0.1.0', schemaUrl: undefined };

export function makeSpans(n: number): SpanData[] {
  const spans: SpanData[] = [];
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const start = now + i * 0.731 + 0.000123;
    spans.push(
      spanData({
        name: 'GET /api/users/:id',
        kind: SpanKind.SERVER,
        traceId: randomBytes(16).toString('hex'),
        spanId: randomBytes(8).toString('hex'),
        parentSpanId: i % 2 === 0 ? randomBytes(8).toString('hex') : undefined,
        parentIsRemote: i % 2 === 0,
        startTime: start,
        endTime: start + 3.456789,
        attributeKeys: [
          'http.request.method',
          'url.scheme',
          'url.path',
          'url.query',
          'http.route',
          'http.response.status_code',
          'server.address',
          'server.port',
          'network.protocol.version',
          'client.address',
          'user_agent.original',
          'http.request.body.size',
        ],
        attributeValues: [
          'GET',
          'http',
          '/api/users/' + (1000 + i),
          'expand=orders&limit=20',
          '/api/users/:id',
          200,
          'checkout.internal',
          8080,
          '1.1',
          '10.0.3.' + (i % 250),
          'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
          0,
        ],
        scope,
        resource,
      }),
    );
  }
  return spans;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function measure(label: string, spans: SpanData[], batch: number, fn: (b: SpanData[]) => unknown, rounds = 15): number {
  const batches: SpanData[][] = [];
  for (let i = 0; i < spans.length; i += batch) batches.push(spans.slice(i, i + batch));
  for (let w = 0; w < 3; w++) for (const b of batches) fn(b);
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (const b of batches) fn(b);
    results.push(Number(process.hrtime.bigint() - t0) / spans.length);
  }
  const m = median(results);
  console.log(`${label.padEnd(44)} ${m.toFixed(0).padStart(6)} ns/span  (min ${Math.min(...results).toFixed(0)})`);
  return m;
}

function main(): void {
  const spans = makeSpans(10_000);
  const bytes = encodeTraceRequest(spans);
  console.log(`node ${process.version}; 10000 spans, ${(bytes.length / 10_000).toFixed(0)} bytes/span encoded`);
  measure('otelite protobuf pooled (exporter path), 512', spans, 512, (b) => encodeTraceRequestPooled(b).release());
  measure('otelite protobuf pooled, one batch of 10000', spans, 10_000, (b) => encodeTraceRequestPooled(b).release());
  measure('otelite protobuf + copy out, batches of 512', spans, 512, encodeTraceRequest);
  measure('otelite JSON, batches of 512', spans, 512, encodeTraceRequestJson, 5);
  const gz = measure('gzip level 1 of the protobuf, batches of 512', spans, 512, (b) => {
    const req = encodeTraceRequestPooled(b);
    gzipSync(req.bytes, { level: 1 });
    req.release();
  }, 5);
  void gz;
  try {
    // For comparison only (devDependency): protobufjs with the official protos.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { protoRoot } = require('../../test/kit/otlp-decoder') as typeof import('../../test/kit/otlp-decoder');
    const t = protoRoot().lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
    const toObj = (b: SpanData[]) => ({
      resourceSpans: [
        {
          resource: { attributes: Object.entries(resource.attributes).map(([key, v]) => ({ key, value: anyValue(v) })) },
          scopeSpans: [
            {
              scope: { name: scope.name, version: scope.version },
              spans: b.map((s) => ({
                traceId: Buffer.from(s.traceId, 'hex'),
                spanId: Buffer.from(s.spanId, 'hex'),
                parentSpanId: s.parentSpanId ? Buffer.from(s.parentSpanId, 'hex') : undefined,
                name: s.name,
                kind: s.kind + 1,
                startTimeUnixNano: BigInt(Math.round(s.startTime * 1e6)).toString(),
                endTimeUnixNano: BigInt(Math.round(s.endTime * 1e6)).toString(),
                attributes: s.attributeKeys.map((key, i) => ({ key, value: anyValue(s.attributeValues[i]) })),
                status: {},
                flags: 0x101,
              })),
            },
          ],
        },
      ],
    });
    measure('protobufjs (objects + fromObject + encode), 512', spans, 512, (b) => t.encode(t.fromObject(toObj(b))).finish(), 5);
  } catch (err) {
    console.log('protobufjs comparison skipped:', (err as Error).message);
  }
  try {
    const c = compareCase(spans, false);
    const r = runCase(c, { quick: false });
    console.log(
      `${'official ProtobufTraceSerializer, 512'.padEnd(44)} ${r.officialNs.toFixed(0).padStart(6)} ns/span  ` +
        `(otelite pooled in the same alternating rounds: ${r.oteliteNs.toFixed(0)} ns/span, ${r.speedup.toFixed(2)}x; ${c.note})`,
    );
  } catch (err) {
    console.log('official serializer comparison skipped (run npm run bench once to install bench/node_modules):', (err as Error).message);
  }
}

/**
 * The same spans as the official SDK holds them (ReadableSpan, from its own tracer, ended with
 * the same times), so that the official serializer gets exactly what its exporter would get.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
export function officialSpans(spans: readonly SpanData[]): any[] {
  const api = officialApi();
  const sdk = officialSdk();
  const ended: any[] = [];
  const provider = new sdk.BasicTracerProvider({
    resource: officialResource(resource.attributes),
    spanProcessors: [{ ...NOOP_OFFICIAL_PROCESSOR, onEnd: (s: any) => ended.push(s) }],
  });
  const tracer = provider.getTracer(scope.name, scope.version);
  for (const s of spans) {
    const ctx =
      s.parentSpanId !== undefined
        ? api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: 1, isRemote: s.parentIsRemote })
        : api.ROOT_CONTEXT;
    const attributes: Record<string, unknown> = {};
    s.attributeKeys.forEach((k, i) => (attributes[k] = s.attributeValues[i]));
    const span = tracer.startSpan(s.name, { kind: s.kind, attributes, startTime: s.startTime }, ctx);
    span.end(s.endTime);
  }
  if (ended.length !== spans.length) throw new Error(`official tracer ended ${ended.length} of ${spans.length} spans`);
  return ended;
}

/**
 * otelite vs the official serializer, batches of 512 spans: otelite's exporter path (pooled
 * buffer, released after the send), or with `copy` its `encodeTraceRequest` (a fresh Uint8Array
 * per request, like the official serializer returns).
 */
export function compareCase(spans: readonly SpanData[], quick: boolean, copy = false): Case {
  const batch = 512;
  const used = spans.slice(0, quick ? 2048 : spans.length);
  const oBatches: SpanData[][] = [];
  for (let i = 0; i < used.length; i += batch) oBatches.push(used.slice(i, i + batch));
  const fSpans = officialSpans(used);
  const fBatches: any[][] = [];
  for (let i = 0; i < fSpans.length; i += batch) fBatches.push(fSpans.slice(i, i + batch));
  const serializer = officialProtobufSerializer();
  const oBytes = encodeTraceRequest(used).length;
  const fBytes = serializer.serializeRequest(fSpans)!.length;
  return {
    name: copy
      ? 'OTLP protobuf encoding, batches of 512 spans, otelite encodeTraceRequest (copy out)'
      : 'OTLP protobuf encoding, batches of 512 spans (12 attributes)',
    unit: 'span',
    opsPerCall: used.length,
    otelite: copy
      ? () => {
          let n = 0;
          for (const b of oBatches) n += encodeTraceRequest(b).length;
          return n;
        }
      : () => {
          let n = 0;
          for (const b of oBatches) {
            const req = encodeTraceRequestPooled(b);
            n += req.bytes.length;
            req.release();
          }
          return n;
        },
    official: () => {
      let n = 0;
      for (const b of fBatches) n += serializer.serializeRequest(b)!.length;
      return n;
    },
    note: `encoded size: otelite ${(oBytes / used.length).toFixed(0)} B/span, official ${(fBytes / used.length).toFixed(0)} B/span`,
  };
}

function anyValue(v: unknown): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: v } : { doubleValue: v };
  return {};
}

if (require.main === module) {
  if (process.argv.includes('--compare')) {
    runMain('OTLP encoding', ({ quick }) => {
      const spans = makeSpans(10_000);
      return [compareCase(spans, quick), compareCase(spans, quick, true)];
    });
  }
  else main();
}
