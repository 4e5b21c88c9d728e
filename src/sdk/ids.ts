import { randomFillSync } from 'node:crypto';

/**
 * Random trace and span ids without a crypto call per id (measured: 1.5 us per
 * `randomBytes(8)` against a few ns from a pool). An id is a substring of a hex string, which V8
 * makes without copying.
 *
 * The crypto call fills 64 KiB at once: each `randomFillSync` has a fixed cost (34 us per 4 KiB
 * call under load with AsyncLocalStorage's hooks on: 0.2 us per span; 0.04 with 64 KiB). The hex
 * strings are made 512 bytes at a time (1 KiB of hex): an id keeps its whole hex string alive for
 * as long as the id lives, and ids outlive their requests (a keep-alive socket's timer holds the
 * context of the socket's last request; an exemplar holds its span's ids). With 4 KiB per string,
 * 47 KB survived each young-generation collection under load, 36 KB with 512 bytes; each string
 * costs one `toString` call, about 4 ns more per root span. One 128 KiB string would sit in V8's
 * large-object space, where the young generation's collections do not free it (4 MB more RSS).
 *
 * The bytes behind the ids stay where they were drawn, in one of two buffers filled in turn (one
 * generation each): an id's bytes can be read there until its buffer is filled again, two
 * generations on (at least a generation's worth later: some 2,700 root spans). The OTLP
 * encoder copies them from there instead of parsing the id's hex back, which costs about 0.2 us
 * per trace id in a loop and 0.3-0.7 us under load (`charCodeAt` on a substring takes V8's
 * slower path). Copying each 512-byte block aside instead costs about 0.1 us per span (an
 * ArrayBuffer each), and would keep blocks alive for as long as a span holds one.
 */
const RANDOM_BYTES = 64 * 1024;
const HEX_BYTES = 512;
const buffers = [Buffer.allocUnsafe(RANDOM_BYTES), Buffer.allocUnsafe(RANDOM_BYTES)];
/** The buffer being drawn from is `buffers[generation & 1]`. */
let generation = -1;
let random = buffers[1]!;
let randomOffset = RANDOM_BYTES;
/** The hex of the last HEX_BYTES bytes drawn from `random`, the ones before `randomOffset`. */
let hexPool = '';
let offset = HEX_BYTES;

/** Marks an id whose bytes are not in the buffers (it came as hex). */
export const NO_ID_BYTES = -1;

/** Where the bytes of the id `newTraceId` or `newSpanId` returned last are: `generation`, from `at`. */
export const lastId = { generation: NO_ID_BYTES, at: 0 };

/** The buffers as DataViews, which the encoder reads four bytes at a time. */
const views = buffers.map((b) => new DataView(b.buffer, b.byteOffset, b.byteLength));

/** The buffer that holds the ids of `idGeneration`, while it still does; undefined once refilled. */
export function idBytesOf(idGeneration: number): DataView | undefined {
  return idGeneration >= 0 && idGeneration >= generation - 1 ? views[idGeneration & 1] : undefined;
}

function take(bytes: number): string {
  if (offset + bytes > HEX_BYTES) {
    if (randomOffset + HEX_BYTES > RANDOM_BYTES) {
      generation++;
      random = buffers[generation & 1]!;
      randomFillSync(random);
      randomOffset = 0;
    }
    randomOffset += HEX_BYTES;
    hexPool = random.toString('hex', randomOffset - HEX_BYTES, randomOffset);
    offset = 0;
  }
  const start = offset;
  offset += bytes;
  lastId.generation = generation;
  lastId.at = randomOffset - HEX_BYTES + start;
  return hexPool.substring(start * 2, offset * 2);
}

const ZERO_TRACE_ID = '00000000000000000000000000000000';
const ZERO_SPAN_ID = '0000000000000000';

/**
 * An all-zero id is invalid and drawn again. The first character is checked before the whole id:
 * comparing a fresh substring with a constant of its length costs V8 a call to its string
 * comparison (about 240 instructions, bench:instructions), and 15 ids in 16 fail the first check.
 */
function allZero(id: string, zero: string): boolean {
  return id.charCodeAt(0) === 0x30 && id === zero;
}

export function newTraceId(): string {
  let id = take(16);
  while (allZero(id, ZERO_TRACE_ID)) id = take(16);
  return id;
}

export function newSpanId(): string {
  let id = take(8);
  while (allZero(id, ZERO_SPAN_ID)) id = take(8);
  return id;
}
