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
 */
const RANDOM_BYTES = 64 * 1024;
const HEX_BYTES = 512;
const random = Buffer.allocUnsafe(RANDOM_BYTES);
let randomOffset = RANDOM_BYTES;
let hexPool = '';
let offset = HEX_BYTES;

function take(bytes: number): string {
  if (offset + bytes > HEX_BYTES) {
    if (randomOffset + HEX_BYTES > RANDOM_BYTES) {
      randomFillSync(random);
      randomOffset = 0;
    }
    hexPool = random.toString('hex', randomOffset, randomOffset + HEX_BYTES);
    randomOffset += HEX_BYTES;
    offset = 0;
  }
  const start = offset * 2;
  offset += bytes;
  return hexPool.substring(start, start + bytes * 2);
}

const ZERO_TRACE_ID = '00000000000000000000000000000000';
const ZERO_SPAN_ID = '0000000000000000';

export function newTraceId(): string {
  let id = take(16);
  while (id === ZERO_TRACE_ID) id = take(16);
  return id;
}

export function newSpanId(): string {
  let id = take(8);
  while (id === ZERO_SPAN_ID) id = take(8);
  return id;
}
