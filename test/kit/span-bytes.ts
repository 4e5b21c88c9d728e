import type { Exporter } from '../../src/export/exporter';
import { encodeSpanBytesPooled, type SpanBytes } from '../../src/export/otlp/span-bytes';
import { decodeTraceRequest, type DecodedSpan } from './otlp-decoder';

/**
 * Test kit: an exporter for spans kept as bytes (the protobuf batch processor's queue) that does
 * what the OTLP exporter does with each batch (encode the request, then hand the pooled buffer
 * and the span block back) and gives the decoded spans of each batch to `onBatch`.
 */
export function decodingBytesExporter(onBatch: (spans: DecodedSpan[]) => void): Exporter<SpanBytes> {
  return {
    async export(part) {
      const request = encodeSpanBytesPooled(part);
      onBatch(decodeTraceRequest(request.bytes));
      request.release();
      part.block.recycle();
      return { ok: true };
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}
