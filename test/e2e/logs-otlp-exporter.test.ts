import assert from 'node:assert/strict';
import { OtlpLogExporter } from '../../src/export/otlp/logs-exporter';
import type { LogRecordData } from '../../src/logs/data';
import type { InstrumentationScope, ResourceData } from '../../src/sdk/span-data';
import { exporterSession, linesFor, otlpConfig, PROTOCOLS, SECRET } from '../kit/exporter-harness';
import type { Receiver, Reply } from '../kit/otlp-receiver';

const resource: ResourceData = { attributes: { 'service.name': 'e2e-logs' }, schemaUrl: undefined };
const scope: InstrumentationScope = { name: 'otelite/e2e-logs', version: '1.0.0', schemaUrl: undefined };
const LOST = '(said once for this kind of failure; later losses are counted)';
const GRPC_LOGS_PATH = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

/** `n` records, body `record <i>`, attribute `i`, and `pad` characters of padding in an attribute. */
function records(n: number, pad = 0): LogRecordData[] {
  const t = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    timestamp: t,
    observedTimestamp: t,
    severityNumber: 9,
    severityText: 'INFO',
    body: `record ${i}`,
    attributes: pad > 0 ? { i, pad: 'p'.repeat(pad) } : { i },
    droppedAttributesCount: 0,
    eventName: undefined,
    traceId: undefined,
    spanId: undefined,
    traceFlags: 0,
    scope,
    resource,
  }));
}

const bodies = (rx: Receiver): string[] => rx.logs.map((r) => String(r.body));

describe('OTLP logs exporter against the receiver kit (e2e)', function () {
  this.timeout(30_000);
  const session = exporterSession((rx, protocol, over) => new OtlpLogExporter(otlpConfig(rx.logsEndpoint, protocol, over)));

  for (const protocol of PROTOCOLS) {
    describe(protocol, () => {
      it("delivers records to the logs signal's path, gzipped when asked", async () => {
        const { rx, exporter } = await session.setup(protocol, {}, { compression: 'gzip' });
        assert.deepEqual(await exporter.export(records(3)), { ok: true });
        const req = rx.requests[0]!;
        assert.equal(req.signal, 'logs');
        assert.equal(req.path, protocol === 'grpc' ? GRPC_LOGS_PATH : '/v1/logs');
        assert.equal(req.compressed, true);
        assert.equal(req.headers['x-api-key'], SECRET);
        assert.deepEqual(bodies(rx), ['record 0', 'record 1', 'record 2']);
        assert.equal(rx.logs[0]!.resource.attributes['service.name'], 'e2e-logs');
      });

      it('does not retry a permanent failure, and says it once, counting log records, the header value hidden', async () => {
        const { rx, exporter } = await session.setup(protocol, {
          respond: () =>
            protocol === 'grpc'
              ? { grpcStatus: 3, grpcMessage: `bad record, key ${SECRET}` }
              : { status: 400, body: JSON.stringify({ code: 3, message: `bad record, key ${SECRET}` }), contentType: 'application/json' },
        });
        for (let i = 0; i < 2; i++) {
          const result = await exporter.export(records(2));
          assert.equal(result.ok, false);
          assert.equal(result.reported, true);
        }
        assert.equal(rx.requests.length, 2);
        const said = linesFor(rx.endpoint);
        assert.equal(said.length, 1, said.join('\n'));
        assert.ok(said[0]!.startsWith(`error logs export to ${rx.logsEndpoint} failed: `), said[0]);
        assert.ok(said[0]!.endsWith(`; 2 log records lost ${LOST}`), said[0]);
        assert.ok(!said[0]!.includes(SECRET), said[0]);
      });

      it('splits a batch the receiver refuses as too large, delivering every record once', async () => {
        const LIMIT = 20_000;
        const tooLarge: Reply =
          protocol === 'grpc' ? { grpcStatus: 8, grpcMessage: `grpc: received message larger than max (${LIMIT * 4} vs. ${LIMIT})` } : { status: 413 };
        const { rx, exporter } = await session.setup(protocol, { respond: (r) => (r.bodyBytes > LIMIT ? tooLarge : undefined) });
        assert.deepEqual(await exporter.export(records(64, 1000)), { ok: true });
        assert.deepEqual(
          bodies(rx).sort((a, b) => Number(a.split(' ')[1]) - Number(b.split(' ')[1])),
          Array.from({ length: 64 }, (_, i) => `record ${i}`),
        );
        const said = linesFor(rx.endpoint);
        assert.equal(said.length, 1, said.join('\n'));
        assert.match(said[0]!, /refused a batch of 64 log records .* as too large .*Lower OTEL_BLRP_MAX_EXPORT_BATCH_SIZE to avoid this/);
      });

      it('logs a partial success once, counting log records, and still reports success', async () => {
        const { rx, exporter } = await session.setup(protocol, { respond: () => ({ partialSuccess: { rejectedLogRecords: 1, errorMessage: 'too old' } }) });
        assert.deepEqual(await exporter.export(records(3)), { ok: true });
        assert.deepEqual(await exporter.export(records(3)), { ok: true });
        const said = linesFor(rx.endpoint);
        assert.equal(said.length, 1, said.join('\n'));
        assert.match(said[0]!, /rejected 1 of 3 log records: too old/);
      });
    });
  }
});
