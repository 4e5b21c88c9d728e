import type { InstrumentationScope, ResourceData, SpanData } from '../../sdk/span-data';
import type { ItemQueue } from '../batch-processor';
import { encodePooled, groupBy, MAX_KEPT_BUFFER, writeScopedRequest, type PooledRequest } from './encode-protobuf-common';
import { writeSpan } from './encode-protobuf';
import { ProtoWriter } from './protobuf-writer';

/**
 * Spans kept as their OTLP/protobuf bytes from the moment they end until they are exported
 * (http/protobuf and grpc). A span object waiting in the export queue outlives a few of V8's
 * young-generation collections, and the bytes that survive them are what makes V8 grow the young
 * generation, and the process's memory with it. Encoded when it ends, a span dies young; its
 * bytes wait in a block that is reused from batch to batch, off the JavaScript heap.
 *
 * A block holds one export batch (OTEL_BSP_MAX_EXPORT_BATCH_SIZE spans): each span's
 * `ScopeSpans.spans` field, one after the other, and its scope and resource. The request is
 * assembled from those bytes when the batch is sent, grouped by resource and scope as the spans
 * themselves would be, and byte for byte the same.
 */

/** Initial size of a block's buffer; it doubles when a batch needs more, and keeps its size. */
const BLOCK_BYTES = 64 * 1024;
/** Blocks kept for reuse once exported (the queue's own blocks are counted by the queue's limit). */
const SPARE_BLOCKS = 2;

export class SpanBlock {
  private readonly writer = new ProtoWriter(BLOCK_BYTES);
  /** Where each span's bytes end; span i starts where span i - 1 ends. */
  private readonly ends: Uint32Array;
  private readonly scopes: InstrumentationScope[] = [];
  private readonly resources: ResourceData[] = [];
  count = 0;

  constructor(
    readonly capacity: number,
    private readonly owner: SpanBytesQueue | undefined,
  ) {
    this.ends = new Uint32Array(capacity);
  }

  /** Encodes `span` at the end of the block (the caller checks there is room). */
  add(span: SpanData): void {
    const start = this.writer.pos;
    try {
      writeSpan(this.writer, span);
    } catch (error) {
      this.writer.pos = start;
      throw error;
    }
    const i = this.count++;
    this.ends[i] = this.writer.pos;
    this.scopes[i] = span.scope;
    this.resources[i] = span.resource;
  }

  resourceAt(i: number): ResourceData {
    return this.resources[i]!;
  }

  scopeAt(i: number): InstrumentationScope {
    return this.scopes[i]!;
  }

  /** Whether spans `i - 1` and `i` share their resource and scope (so their bytes go out together). */
  sameGroupAsPrevious(i: number): boolean {
    return this.scopes[i] === this.scopes[i - 1] && this.resources[i] === this.resources[i - 1];
  }

  /** Copies the bytes of spans `first` to `last` (inclusive), which lie end to end, to the end of `w`. */
  copySpans(w: ProtoWriter, first: number, last: number): void {
    const from = first === 0 ? 0 : this.ends[first - 1]!;
    const to = this.ends[last]!;
    w.ensure(to - from);
    this.writer.buf.copy(w.buf, w.pos, from, to);
    w.pos += to - from;
  }

  /** The size of its buffer (grown by the largest batch it held). */
  get bufferBytes(): number {
    return this.writer.buf.length;
  }

  /** Its export is over: the block can take the next batch. */
  recycle(): void {
    this.writer.reset();
    this.count = 0;
    this.owner?.reuse(this);
  }
}

/** Spans `from` to `to` (exclusive) of a block: one export request, or half of one. */
export interface SpanBytes {
  readonly block: SpanBlock;
  readonly from: number;
  readonly to: number;
}

/** The export queue of spans kept as bytes, in blocks of one batch each. */
export class SpanBytesQueue implements ItemQueue<SpanData, SpanBytes> {
  /** A span is encoded into the block when queued: nothing of the object is kept. */
  readonly copiesItems = true;
  private filling: SpanBlock | undefined;
  /** Full blocks, oldest first. */
  private readonly full: SpanBlock[] = [];
  private readonly spare: SpanBlock[] = [];
  private queued = 0;

  /** `batchSize`: OTEL_BSP_MAX_EXPORT_BATCH_SIZE, the number of spans a block holds. */
  constructor(private readonly batchSize: number) {}

  get length(): number {
    return this.queued;
  }

  push(span: SpanData): void {
    let block = this.filling;
    if (block === undefined || block.count >= block.capacity) {
      if (block !== undefined) this.full.push(block);
      block = this.filling = this.spare.pop() ?? new SpanBlock(this.batchSize, this);
    }
    block.add(span);
    this.queued++;
  }

  /** The oldest block (the processor asks for one batch, which is what a block holds). */
  take(max: number): SpanBytes {
    let block = this.full.shift();
    if (block === undefined) {
      block = this.filling ?? new SpanBlock(0, undefined);
      this.filling = undefined;
    }
    const to = Math.min(block.count, max);
    // A block holds one batch: `max` is never below its count (the batch size is fixed).
    this.queued -= block.count;
    return { block, from: 0, to };
  }

  count(batch: SpanBytes): number {
    return batch.to - batch.from;
  }

  /** A block whose export is over; kept for the next batches unless its buffer grew too large. */
  reuse(block: SpanBlock): void {
    if (this.spare.length < SPARE_BLOCKS && block.capacity === this.batchSize && block.bufferBytes <= MAX_KEPT_BUFFER) this.spare.push(block);
  }
}

/** The two halves of a part (for a receiver that refused it as too large). */
export function halveSpanBytes(part: SpanBytes): [SpanBytes, SpanBytes] {
  const middle = part.from + Math.ceil((part.to - part.from) / 2);
  return [
    { block: part.block, from: part.from, to: middle },
    { block: part.block, from: middle, to: part.to },
  ];
}

/** Spans `first` to `last` (inclusive) of a block, consecutive and of one resource and scope. */
interface SpanRun {
  readonly first: number;
  last: number;
}

/**
 * The part's spans grouped by resource and scope, as `groupBy` groups span objects; consecutive
 * spans of one group are copied as one block (a copy is two V8 builtin calls, about 600
 * instructions, whatever its size: bench:instructions), the bytes the same as span by span.
 */
function encodeBytesInto(w: ProtoWriter, part: SpanBytes): void {
  const { block } = part;
  const runs: SpanRun[] = [];
  let run: SpanRun | undefined;
  for (let i = part.from; i < part.to; i++) {
    if (run !== undefined && block.sameGroupAsPrevious(i)) run.last = i;
    else runs.push((run = { first: i, last: i }));
  }
  const grouped = groupBy(
    runs,
    (r) => block.resourceAt(r.first),
    (r) => block.scopeAt(r.first),
  );
  writeScopedRequest(w, grouped, (writer, r: SpanRun) => block.copySpans(writer, r.first, r.last));
}

/** The `ExportTraceServiceRequest` of a part, in a pooled buffer: `release()` it once sent. */
export function encodeSpanBytesPooled(part: SpanBytes): PooledRequest {
  return encodePooled(encodeBytesInto, part);
}
