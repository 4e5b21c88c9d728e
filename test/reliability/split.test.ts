import assert from 'node:assert/strict';
import { diag } from '@opentelemetry/api';
import type { OtlpConfig, OtlpProtocol } from '../../src/config/types';
import type { ExportResult } from '../../src/export/exporter';
import { OtlpTraceBytesExporter, OtlpTraceExporter } from '../../src/export/otlp/exporter';
import { SpanBytesQueue } from '../../src/export/otlp/span-bytes';
import type { InstrumentationScope, ResourceData, SpanData } from '../../src/sdk/span-data';
import { otlpConfig } from '../kit/exporter-harness';
import { startReceiver, type ReceivedRequest, type Reply } from '../kit/otlp-receiver';
import { spanData } from '../kit/recording';

/**
 * A batch too large for the collector (HTTP 413, or gRPC RESOURCE_EXHAUSTED "received message
 * larger than max", what gRPC servers answer above their size limit): the exporter halves the
 * batch and sends each half, recursively, without retrying the refused bytes; a single span
 * still too large is dropped with one diagnostic; the result counts only the spans lost. (The
 * end-to-end case, with the batch processor's accounting, is in faults.test.ts.)
 */

const resource: ResourceData = { attributes: { 'service.name': 'split' }, schemaUrl: undefined };
const scope: InstrumentationScope = { name: 'split', version: '1', schemaUrl: undefined };
const LIMIT = 20_000;

function spans(n: number, padBytes: number, huge: number[] = []): SpanData[] {
  const t = Date.now();
  return Array.from({ length: n }, (_, i) =>
    spanData({
      name: `span-${i}`,
      traceId: (0x10000000 + i).toString(16).padStart(32, 'a'),
      spanId: (0x10000000 + i).toString(16).padStart(16, '0'),
      startTime: t,
      attributeKeys: ['pad'],
      attributeValues: [(huge.includes(i) ? 'h' : String(i % 10)).repeat(huge.includes(i) ? LIMIT * 2 : padBytes)],
      scope,
      resource,
    }),
  );
}

describe('reliability: batches too large for the collector are split', function () {
  this.timeout(30_000);
  const said: string[] = [];
  beforeEach(() => {
    said.length = 0;
    diag.setLogger({ error: (m) => said.push(m), warn: (m) => said.push(m), info() {}, debug() {}, verbose() {} });
  });
  afterEach(() => diag.disable());

  const cases: Array<{ protocol: OtlpProtocol; tooLarge: Reply }> = [
    { protocol: 'http/protobuf', tooLarge: { status: 413 } },
    { protocol: 'http/json', tooLarge: { status: 413 } },
    { protocol: 'grpc', tooLarge: { grpcStatus: 8, grpcMessage: `grpc: received message larger than max (${LIMIT * 4} vs. ${LIMIT})` } },
  ];
  /** The exporter of span objects, or of spans kept as bytes (what the agent uses for protobuf). */
  interface Form {
    name: string;
    create(config: OtlpConfig): { export(batch: SpanData[]): Promise<ExportResult>; shutdown(): Promise<void> };
  }
  const objects: Form = { name: 'spans', create: (config) => new OtlpTraceExporter(config) };
  const bytes: Form = {
    name: 'spans kept as bytes',
    create: (config) => {
      const exporter = new OtlpTraceBytesExporter(config);
      const queue = new SpanBytesQueue(64);
      return {
        export: (batch) => {
          for (const s of batch) queue.push(s);
          return exporter.export(queue.take(64));
        },
        shutdown: () => exporter.shutdown(),
      };
    },
  };

  for (const { protocol, tooLarge } of cases) {
    for (const form of protocol === 'http/json' ? [objects] : [objects, bytes]) {
      it(`${protocol}, ${form.name}: halves until the parts fit, delivers every span once, drops only a span too large by itself`, async () => {
        const receiver = await startReceiver({ protocol, respond: (r: ReceivedRequest) => (r.bodyBytes > LIMIT ? tooLarge : undefined) });
        const exporter = form.create(otlpConfig(receiver.endpoint, protocol, { timeoutMs: 10_000 }));
        try {
          // 64 spans of ~1 KB: about 3 halvings; spans 5 and 40 are too large alone.
          const batch = spans(64, 1000, [5, 40]);
          const started = Date.now();
          const result = await exporter.export(batch);
          assert.equal(result.ok, false);
          assert.equal(result.dropped, 2, 'only the two spans too large are lost');
          const names = receiver.spans.map((s) => s.name).sort();
          assert.deepEqual(names, batch.map((s) => s.name).filter((n) => n !== 'span-5' && n !== 'span-40').sort(), 'every other span delivered once');
          assert.ok(receiver.requests.length >= 7, `split into parts: ${receiver.requests.length} requests`);
          // No refused request was retried as is: each distinct body size/first span appears once.
          const refused = receiver.requests.filter((r) => r.bodyBytes > LIMIT).map((r) => `${r.spans[0]?.name}/${r.spans.length}`);
          assert.equal(new Set(refused).size, refused.length, `refused requests retried: ${refused.join(' ')}`);
          assert.ok(Date.now() - started < 3_000, 'no backoff waits');

          // Said once each, however many batches: the split, and the span too large.
          assert.equal(said.filter((l) => /refused a batch of \d+ spans \(\d+ bytes\) as too large/.test(l)).length, 1, said.join('\n'));
          assert.equal(said.filter((l) => /refused a single span of \d+ bytes as too large/.test(l)).length, 1, said.join('\n'));
          const again = await exporter.export(spans(64, 1000));
          assert.deepEqual(again, { ok: true });
          assert.equal(said.length, 2, said.join('\n'));
        } finally {
          await exporter.shutdown();
          await receiver.close();
        }
      });
    }
  }
});
