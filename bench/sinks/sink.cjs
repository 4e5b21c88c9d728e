'use strict';
/**
 * Benchmark sink: one small process that accepts what the agents export and counts the spans,
 * decoding only the few outer levels needed for a count, so that it never becomes the bottleneck.
 *
 *   POST /v1/traces                OTLP http/protobuf (gzip-aware): ExportTraceServiceRequest,
 *                                  spans counted by walking resource_spans(1) > scope_spans(2) > spans(2)
 *                                  and skipping every other field by its length. Answers 200, an
 *                                  empty ExportTraceServiceResponse.
 *   PUT|POST /v0.4/traces          Datadog agent protocol (msgpack: an array of traces, each an array
 *   PUT|POST /v0.5/traces          of spans; v0.5 adds a string table first). Spans counted by reading
 *                                  the array headers and skipping each span. Answers 200 `{}`.
 *   GET /counts                    the totals so far, as JSON.
 *   anything else                  200 `{}` (e.g. dd-trace's GET /info, /telemetry), counted as `other`.
 *
 * Listens on 127.0.0.1 (a free port), prints `PORT=<port>`, exits on SIGTERM/SIGINT, when its
 * stdin closes (its parent died) or after BENCH_MAX_LIFETIME_MS.
 */
const http = require('node:http');
const zlib = require('node:zlib');

const counts = {
  otlpRequests: 0,
  otlpSpans: 0,
  otlpBytes: 0,
  ddRequests: 0,
  ddTraces: 0,
  ddSpans: 0,
  ddBytes: 0,
  otherRequests: 0,
  decodeErrors: 0,
};

// ---- protobuf: count spans in an ExportTraceServiceRequest ----------------------------------

/** Calls `onField(field, start, end)` for each length-delimited field in buf[from, to); skips the rest. */
function forEachLenField(buf, from, to, onField) {
  let pos = from;
  while (pos < to) {
    let key = 0;
    let shift = 0;
    let b;
    do {
      b = buf[pos++];
      key += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    if (wireType === 0) {
      while (buf[pos++] & 0x80);
    } else if (wireType === 1) {
      pos += 8;
    } else if (wireType === 5) {
      pos += 4;
    } else if (wireType === 2) {
      let len = 0;
      shift = 0;
      do {
        b = buf[pos++];
        len += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b & 0x80);
      const end = pos + len;
      if (end > to) throw new Error('truncated field');
      onField(field, pos, end);
      pos = end;
    } else {
      throw new Error(`unsupported wire type ${wireType}`);
    }
  }
  if (pos !== to) throw new Error('misaligned message');
}

function countOtlpSpans(buf) {
  let spans = 0;
  const onSpan = (field) => {
    if (field === 2) spans++;
  };
  const onScopeSpans = (field, start, end) => {
    if (field === 2) forEachLenField(buf, start, end, onSpan);
  };
  forEachLenField(buf, 0, buf.length, (field, start, end) => {
    if (field === 1) forEachLenField(buf, start, end, onScopeSpans);
  });
  return spans;
}

// ---- msgpack: count traces and spans of a Datadog payload -----------------------------------

/** Reads an array header at pos: [length, next position]. */
function arrayHeader(buf, pos) {
  const b = buf[pos];
  if (b >= 0x90 && b <= 0x9f) return [b & 0x0f, pos + 1];
  if (b === 0xdc) return [buf.readUInt16BE(pos + 1), pos + 3];
  if (b === 0xdd) return [buf.readUInt32BE(pos + 1), pos + 5];
  throw new Error(`expected a msgpack array at ${pos}, found 0x${b.toString(16)}`);
}

/** Skips `n` msgpack values starting at pos (containers add their elements to the count). */
function skipValues(buf, pos, n) {
  while (n > 0) {
    n--;
    const b = buf[pos];
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) pos += 1;
    else if (b <= 0x8f) (n += 2 * (b & 0x0f)), (pos += 1);
    else if (b <= 0x9f) (n += b & 0x0f), (pos += 1);
    else if (b <= 0xbf) pos += 1 + (b & 0x1f);
    else if (b === 0xc4 || b === 0xd9) pos += 2 + buf[pos + 1];
    else if (b === 0xc5 || b === 0xda) pos += 3 + buf.readUInt16BE(pos + 1);
    else if (b === 0xc6 || b === 0xdb) pos += 5 + buf.readUInt32BE(pos + 1);
    else if (b === 0xc7) pos += 3 + buf[pos + 1];
    else if (b === 0xc8) pos += 4 + buf.readUInt16BE(pos + 1);
    else if (b === 0xc9) pos += 6 + buf.readUInt32BE(pos + 1);
    else if (b === 0xca) pos += 5;
    else if (b === 0xcb) pos += 9;
    else if (b === 0xcc || b === 0xd0) pos += 2;
    else if (b === 0xcd || b === 0xd1) pos += 3;
    else if (b === 0xce || b === 0xd2) pos += 5;
    else if (b === 0xcf || b === 0xd3) pos += 9;
    else if (b === 0xd4) pos += 3;
    else if (b === 0xd5) pos += 4;
    else if (b === 0xd6) pos += 6;
    else if (b === 0xd7) pos += 10;
    else if (b === 0xd8) pos += 18;
    else if (b === 0xdc) (n += buf.readUInt16BE(pos + 1)), (pos += 3);
    else if (b === 0xdd) (n += buf.readUInt32BE(pos + 1)), (pos += 5);
    else if (b === 0xde) (n += 2 * buf.readUInt16BE(pos + 1)), (pos += 3);
    else if (b === 0xdf) (n += 2 * buf.readUInt32BE(pos + 1)), (pos += 5);
    else throw new Error(`unknown msgpack type 0x${b.toString(16)}`);
  }
  return pos;
}

function countDatadog(buf, v05) {
  let pos = 0;
  if (v05) {
    // [string table, traces]
    const [outer, p] = arrayHeader(buf, 0);
    if (outer !== 2) throw new Error('v0.5 payload is not a pair');
    pos = skipValues(buf, p, 1);
  }
  const [traces, p0] = arrayHeader(buf, pos);
  pos = p0;
  let spans = 0;
  for (let t = 0; t < traces; t++) {
    const [n, p] = arrayHeader(buf, pos);
    spans += n;
    pos = skipValues(buf, p, n);
  }
  return { traces, spans };
}

// ---- server -----------------------------------------------------------------------------------

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = req.url || '';
    let body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    if (url === '/counts' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(counts));
      return;
    }
    if (url.startsWith('/v1/traces')) {
      counts.otlpRequests++;
      counts.otlpBytes += body.length;
      try {
        if (/gzip/i.test(String(req.headers['content-encoding'] || ''))) body = zlib.gunzipSync(body);
        counts.otlpSpans += countOtlpSpans(body);
      } catch {
        counts.decodeErrors++;
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
      res.end();
      return;
    }
    if (url.startsWith('/v0.4/traces') || url.startsWith('/v0.5/traces')) {
      counts.ddRequests++;
      counts.ddBytes += body.length;
      try {
        const { traces, spans } = countDatadog(body, url.startsWith('/v0.5'));
        counts.ddTraces += traces;
        counts.ddSpans += spans;
      } catch {
        counts.decodeErrors++;
        counts.ddTraces += Number(req.headers['x-datadog-trace-count']) || 0;
      }
    } else {
      counts.otherRequests++;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
});
server.keepAliveTimeout = 60_000;

const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
const lifetime = Number(process.env.BENCH_MAX_LIFETIME_MS) || 30 * 60_000;
setTimeout(stop, lifetime).unref();

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT=${server.address().port}\n`);
});

module.exports = { countOtlpSpans, countDatadog };
