/**
 * A small protobuf writer into one growable Buffer, reused across exports.
 *
 * Length-delimited fields are written with a reserved length prefix that is back-patched when the
 * message ends (`fork` / `ldelim`): the caller reserves as many varint bytes as the length will most
 * likely need, and only when the guess is wrong is the body moved. Strings are measured before they
 * are written, so a string field never moves. Output is canonical (minimal varints, fields in
 * ascending number), hence byte-identical to protobufjs for the same message.
 */

const TWO_32 = 4294967296;
/** Milliseconds past which nanoseconds no longer fit in a uint64 (year 2554). */
const MAX_MS = 18446744073709;

/** Hex digit value by char code, -1 for anything else. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[97 + i] = 10 + i;
  HEX[65 + i] = 10 + i;
}

/** Number of bytes of the varint encoding of a non-negative integer below 2^53. */
export function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  if (v < 0x800000000) return 5;
  if (v < 0x40000000000) return 6;
  if (v < 0x2000000000000) return 7;
  return 8;
}

/** UTF-8 byte length; a JS loop for short ASCII strings, the native count otherwise. */
export function utf8Length(s: string): number {
  const n = s.length;
  if (n > 64) return Buffer.byteLength(s, 'utf8');
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  }
  return n;
}

/**
 * Epoch milliseconds (float64) to integer nanoseconds as two uint32 limbs, exact up to the
 * float's own precision: the integer milliseconds and the fraction are converted separately so
 * that nothing is rounded to a float64 of nanoseconds (which would lose up to 256 ns).
 */
export function msToNanosParts(ms: number, out: Uint32Array): void {
  if (!(ms > 0) || !Number.isFinite(ms)) {
    out[0] = 0;
    out[1] = 0;
    return;
  }
  if (ms >= MAX_MS) {
    out[0] = 0xffffffff;
    out[1] = 0xffffffff;
    return;
  }
  const msInt = Math.floor(ms);
  let fracNs = Math.round((ms - msInt) * 1e6); // ms - msInt is exact
  let msWhole = msInt;
  if (fracNs >= 1e6) {
    fracNs -= 1e6;
    msWhole += 1;
  }
  // ns = msWhole * 1e6 + fracNs, with msWhole < 2^53: split msWhole = a * 2^16 + b.
  const a = Math.floor(msWhole / 65536);
  const b = msWhole - a * 65536;
  const x = a * 1e6; // a < 2^29 below MAX_MS, so x < 2^49: exact
  const y = b * 1e6 + fracNs; // < 2^37, exact
  // ns = x * 2^16 + y; x = xh * 2^16 + xl
  const xh = Math.floor(x / 65536);
  const xl = x - xh * 65536;
  const low = xl * 65536 + y; // < 2^32 + 2^37, exact
  const carry = Math.floor(low / TWO_32);
  out[0] = low - carry * TWO_32;
  out[1] = xh + carry;
}

/** Writes a varint (below 2^53) at `pos` and returns the position after it. Room is the caller's. */
export function putVarint(buf: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80000000) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/**
 * The optimistic single pass for short strings: writes `s` one byte per character at `pos` and
 * returns the position after it, or -1 when `s` was not ASCII (the caller then writes it again as
 * UTF-8 over the same bytes). Room is the caller's.
 */
export function putAscii(buf: Uint8Array, pos: number, s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    bits |= c;
    buf[pos++] = c;
  }
  return bits < 0x80 ? pos : -1;
}

/** The same conversion as a bigint (for JSON and tests; off the hot path). */
export function msToNanosBigInt(ms: number): bigint {
  const parts = new Uint32Array(2);
  msToNanosParts(ms, parts);
  return (BigInt(parts[1]!) << 32n) | BigInt(parts[0]!);
}

function viewOf(buf: Buffer): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

export class ProtoWriter {
  buf: Buffer;
  /** `buf` seen four bytes at a time (ids are copied so). */
  private view: DataView;
  pos = 0;
  private readonly nanos = new Uint32Array(2);

  constructor(initialSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
    this.view = viewOf(this.buf);
  }

  reset(): void {
    this.pos = 0;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = viewOf(next);
  }

  /** One byte (a tag below 128, or a small value). No bounds check: call `ensure` first. */
  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  /** A two-byte tag (field numbers 16..2047). */
  tag2(b0: number, b1: number): void {
    this.ensure(2);
    this.buf[this.pos++] = b0;
    this.buf[this.pos++] = b1;
  }

  /** Varint of a non-negative integer below 2^53. */
  varint(v: number): void {
    this.ensure(10);
    this.pos = putVarint(this.buf, this.pos, v);
  }

  /** A signed safe integer as int64 (negatives as 10-byte two's complement). */
  int64(v: number): void {
    if (v >= 0) {
      this.varint(v);
      return;
    }
    let hi = Math.floor(v / TWO_32);
    let lo = v - hi * TWO_32; // 0 <= lo < 2^32
    hi = hi >>> 0;
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo >= 0x80) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  fixed32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
  }

  fixed64(lo: number, hi: number): void {
    this.fixed32(lo);
    this.fixed32(hi);
  }

  /** Epoch milliseconds as fixed64 nanoseconds. */
  timeMs(ms: number): void {
    msToNanosParts(ms, this.nanos);
    this.fixed32(this.nanos[0]!);
    this.fixed32(this.nanos[1]!);
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    if (n < 24) {
      const buf = this.buf;
      let pos = this.pos;
      for (let i = 0; i < n; i++) buf[pos++] = bytes[i]!;
      this.pos = pos;
    } else {
      this.buf.set(bytes, this.pos);
      this.pos += n;
    }
  }

  /** The bytes of a string whose UTF-8 length `n` the caller measured with `utf8Length`. */
  utf8(s: string, n: number): void {
    this.ensure(n);
    if (n === s.length && n <= 64) {
      const buf = this.buf;
      let pos = this.pos;
      for (let i = 0; i < n; i++) buf[pos++] = s.charCodeAt(i);
      this.pos = pos;
    } else {
      this.pos += this.buf.write(s, this.pos, n, 'utf8');
    }
  }

  /** Length-prefixed string (without tag). */
  string(s: string): void {
    const len = s.length;
    if (len < 128) {
      // optimistic single pass, taken as ASCII; redone below if it was not
      this.ensure(len + 1);
      this.buf[this.pos] = len;
      const end = putAscii(this.buf, this.pos + 1, s);
      if (end >= 0) {
        this.pos = end;
        return;
      }
    }
    const n = utf8Length(s);
    this.varint(n);
    this.utf8(s, n);
  }

  /**
   * Length-prefixed bytes parsed from a hex string of `2 * size` digits (a trace or span id).
   * A string of another length or with non-hex digits goes the slow way (as `Buffer.from(hex)`).
   */
  hexBytes(hex: string, size: number): void {
    this.ensure(size + 1);
    const buf = this.buf;
    let pos = this.pos;
    if (hex.length === size * 2) {
      buf[pos++] = size;
      let ok = true;
      for (let i = 0; i < size; i++) {
        const c1 = hex.charCodeAt(2 * i);
        const c2 = hex.charCodeAt(2 * i + 1);
        const h = c1 < 128 ? HEX[c1]! : -1;
        const l = c2 < 128 ? HEX[c2]! : -1;
        if ((h | l) < 0) {
          ok = false;
          break;
        }
        buf[pos++] = (h << 4) | l;
      }
      if (ok) {
        this.pos = pos;
        return;
      }
    }
    const bytes = Buffer.from(hex, 'hex');
    this.varint(bytes.length);
    this.raw(bytes);
  }

  /**
   * Length-prefixed bytes copied from `source[at .. at + size)` (an id drawn in this process:
   * `size` is 8 or 16), four at a time: a byte loop cost three times as much (bench:instructions).
   */
  idBytes(source: DataView, at: number, size: number): void {
    this.ensure(size + 1);
    const pos = this.pos;
    this.buf[pos] = size;
    const view = this.view;
    for (let i = 0; i < size; i += 4) view.setUint32(pos + 1 + i, source.getUint32(at + i, true), true);
    this.pos = pos + 1 + size;
  }

  /**
   * Starts a length-delimited field whose tag was just written: reserves `reserve` bytes for its
   * length and returns the position to hand to `ldelim`.
   */
  fork(reserve: number): number {
    this.ensure(reserve);
    const start = this.pos;
    this.pos += reserve;
    return start;
  }

  /** Ends the field started at `start` with `reserve` reserved length bytes. */
  ldelim(start: number, reserve: number): void {
    const bodyStart = start + reserve;
    const len = this.pos - bodyStart;
    const need = varintSize(len);
    if (need !== reserve) {
      const shift = need - reserve;
      if (shift > 0) this.ensure(shift);
      this.buf.copyWithin(bodyStart + shift, bodyStart, this.pos);
      this.pos += shift;
    }
    const buf = this.buf;
    let pos = start;
    let v = len;
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos] = v;
  }

  /** A copy of what was written (the buffer itself is reused by the next encode). */
  finish(): Uint8Array {
    const out = Buffer.allocUnsafeSlow(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }
}
