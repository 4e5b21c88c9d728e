import assert from 'node:assert/strict';
import { explainFailure, type ExportTarget } from '../../src/export/otlp/explain';
import { networkFailure, type AttemptOutcome } from '../../src/export/otlp/retry';

/**
 * The sentences of explainFailure, from outcomes shaped as the transports make them (the network
 * and TLS ones through the transports' own networkFailure, from the errors Node raises). The same
 * failures against real sockets are in test/e2e/doctor.test.ts.
 */

const HTTP: ExportTarget = { endpoint: 'http://localhost:4318/v1/traces', protocol: 'http/protobuf' };
const GRPC_ON_4318: ExportTarget = { endpoint: 'http://localhost:4318', protocol: 'grpc' };
const HTTP_ON_4317: ExportTarget = { endpoint: 'http://localhost:4317/v1/traces', protocol: 'http/protobuf' };

const errno = (message: string, code: string): Error => Object.assign(new Error(message), { code });
const failed = (kind: string, message: string, extra: Partial<AttemptOutcome> = {}): AttemptOutcome => ({
  ok: false,
  retryable: false,
  kind,
  error: new Error(message),
  ...extra,
});

describe('OTLP failure explanations', function () {
  it('refused: nothing listens there, with the usual port when it is another', function () {
    const refused = networkFailure(errno('connect ECONNREFUSED 127.0.0.1:4318', 'ECONNREFUSED'));
    assert.equal(
      explainFailure(refused, { endpoint: 'http://127.0.0.1:4318/v1/traces', protocol: 'http/protobuf' }),
      'nothing listens on 127.0.0.1:4318: is the collector running?',
    );
    assert.equal(
      explainFailure(refused, { endpoint: 'http://127.0.0.1:9999', protocol: 'grpc' }),
      'nothing listens on 127.0.0.1:9999: is the collector running (gRPC usually listens on 4317)?',
    );
  });

  it('gRPC against an HTTP/1.1 server: does not speak gRPC, and which port does', function () {
    const outcome = networkFailure(errno('Protocol error', 'ERR_HTTP2_ERROR'));
    const sentence = explainFailure(outcome, GRPC_ON_4318);
    assert.match(sentence, /^http:\/\/localhost:4318 does not speak gRPC \(it answered like an HTTP\/1\.1 server\); OTLP\/gRPC usually listens on 4317, OTLP\/HTTP on 4318/);
    assert.match(sentence, /OTEL_EXPORTER_OTLP_PROTOCOL=http\/protobuf/);
    assert.doesNotMatch(sentence, /ERR_HTTP2_ERROR/);
  });

  it('gRPC against an HTTP/2 server that is not gRPC, or a TLS server without HTTP/2', function () {
    const h2 = failed('grpc-http-404', 'HTTP/2 status 404 without grpc-status (taken as UNIMPLEMENTED)');
    assert.match(explainFailure(h2, GRPC_ON_4318), /does not speak gRPC \(it answered HTTP\/2 status 404 without a gRPC status/);
    const alpn = networkFailure(errno('tlsv1 alert no application protocol', 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL'));
    assert.match(explainFailure(alpn, { endpoint: 'https://otel.example:4318', protocol: 'grpc' }), /^https:\/\/otel\.example:4318 does not speak gRPC \(its TLS server offers no HTTP\/2/);
  });

  it('a gRPC call reset before its answer: the HTTP/2 error by name and the gRPC status it is taken as; the TLS hint only for CANCEL', function () {
    const grpc: ExportTarget = { endpoint: 'http://localhost:9999', protocol: 'grpc' };
    const internal = failed('grpc-rst-2', 'stream reset by the server (HTTP/2 error code 2, taken as INTERNAL)');
    assert.equal(
      explainFailure(internal, grpc),
      'http://localhost:9999 closed the gRPC call before answering (HTTP/2 error INTERNAL_ERROR (2), taken as gRPC status INTERNAL)',
    );
    // what a gRPC client over clear text gets from a TLS port: its streams cancelled with the connection
    const cancel = failed('grpc-rst-8', 'stream reset by the server (HTTP/2 error code 8, taken as CANCELLED)', { retryable: true });
    assert.equal(
      explainFailure(cancel, grpc),
      'http://localhost:9999 closed the gRPC call before answering (HTTP/2 error CANCEL (8), taken as gRPC status CANCELLED); ' +
        'if the collector expects TLS there, use https://',
    );
    assert.doesNotMatch(explainFailure(cancel, { endpoint: 'https://localhost:9999', protocol: 'grpc' }), /use https/);
  });

  it('gRPC: an HTTP/2 status a proxy gives for a collector it cannot reach is not called another protocol', function () {
    const unavailable = failed('grpc-http-503', 'HTTP/2 status 503 without grpc-status (taken as UNAVAILABLE)', { retryable: true });
    const sentence = explainFailure(unavailable, { endpoint: 'http://localhost:4317', protocol: 'grpc' });
    assert.equal(
      sentence,
      'http://localhost:4317 answered HTTP/2 status 503 without a gRPC status (taken as gRPC status UNAVAILABLE): ' +
        'a proxy or load balancer there could not pass the call to the collector (down, overloaded or limiting requests)',
    );
    const unauthorized = failed('grpc-http-401', 'HTTP/2 status 401 without grpc-status (taken as UNAUTHENTICATED)');
    assert.match(explainFailure(unauthorized, GRPC_ON_4318), /status 401 without a gRPC status \(taken as gRPC status UNAUTHENTICATED\): check the credentials in OTEL_EXPORTER_OTLP_HEADERS$/);
  });

  it('OTLP/HTTP against an h2c gRPC port: does not speak OTLP/HTTP, and which port does', function () {
    const outcome = networkFailure(errno('Parse Error: Expected HTTP/, RTSP/ or ICE/', 'HPE_INVALID_CONSTANT'));
    const sentence = explainFailure(outcome, HTTP_ON_4317);
    assert.match(sentence, /^http:\/\/localhost:4317\/v1\/traces does not speak OTLP\/HTTP \(.*gRPC server\); OTLP\/gRPC usually listens on 4317, OTLP\/HTTP on 4318/);
    assert.match(sentence, /OTEL_EXPORTER_OTLP_PROTOCOL=grpc/);
    assert.doesNotMatch(sentence, /HPE_/);
    // http/json is the same protocol on the wire
    assert.match(explainFailure(outcome, { ...HTTP_ON_4317, protocol: 'http/json' }), /does not speak OTLP\/HTTP/);
  });

  it('a connection closed without an answer: the TLS hint on http:, the port hint on the other protocol\'s port', function () {
    const reset = networkFailure(new Error('socket hang up'));
    assert.equal(reset.kind, 'network-ECONNRESET');
    assert.equal(
      explainFailure(reset, HTTP_ON_4317),
      'localhost:4317 closed the connection without answering; if the collector expects TLS there, use https://; ' +
        "4317 is usually OTLP/gRPC's port, OTLP/HTTP's is 4318",
    );
    assert.equal(
      explainFailure(reset, { endpoint: 'https://otel.example/v1/traces', protocol: 'http/protobuf' }),
      'otel.example:443 closed the connection without answering',
    );
  });

  it('timeout: says how long and what usually causes it', function () {
    const timeout = failed('timeout', 'no response within 2000 ms');
    assert.match(explainFailure(timeout, HTTP), /^http:\/\/localhost:4318\/v1\/traces did not answer within 2000 ms: something there accepts connections but does not answer OTLP\/HTTP/);
  });

  it('TLS: an untrusted certificate, a host name it is not for, plain HTTP against TLS and the converse, a client certificate', function () {
    const target: ExportTarget = { endpoint: 'https://127.0.0.1:4318/v1/traces', protocol: 'http/protobuf' };
    const untrusted = networkFailure(errno('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'));
    assert.equal(
      explainFailure(untrusted, target),
      'the TLS certificate of 127.0.0.1:4318 is not trusted (self-signed certificate): set OTEL_EXPORTER_OTLP_CERTIFICATE to the PEM file of the CA that signed it',
    );
    const mismatch = networkFailure(errno("Hostname/IP does not match certificate's altnames: IP: 127.0.0.2 is not in the cert's list: 127.0.0.1", 'ERR_TLS_CERT_ALTNAME_INVALID'));
    assert.match(explainFailure(mismatch, target), /is not issued for 127\.0\.0\.1 \(hostname mismatch\)/);
    // https:// against a plain port: Node's message carries OpenSSL's raw text after "write EPROTO"
    const plain = networkFailure(
      errno('write EPROTO 805C81C3507F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n', 'EPROTO'),
    );
    assert.equal(explainFailure(plain, target), '127.0.0.1:4318 does not speak TLS (it answered in plain text): use http:// instead of https:// in the endpoint');
    // http:// against a TLS port of a Go server
    const toTls = failed('http-400', 'HTTP 400 Bad Request: Client sent an HTTP request to an HTTPS server.', { status: 400 });
    assert.equal(explainFailure(toTls, HTTP), 'localhost:4318 expects TLS: use https:// instead of http:// in the endpoint');
    const clientCert = networkFailure(
      errno('C0:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/x.c:1:SSL alert number 116', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'),
    );
    assert.match(explainFailure(clientCert, target), /without a client certificate it accepts \(tlsv13 alert certificate required\): set OTEL_EXPORTER_OTLP_CLIENT_KEY/);
  });

  it('rejected: the status and the first part of the body, with a hint for credentials', function () {
    const unauthorized = failed('http-401', 'HTTP 401 Unauthorized: missing API key', { status: 401 });
    assert.equal(
      explainFailure(unauthorized, HTTP),
      'http://localhost:4318/v1/traces rejected the export with HTTP 401 Unauthorized: missing API key: check the credentials in OTEL_EXPORTER_OTLP_HEADERS',
    );
    const grpc = failed('grpc-16', 'gRPC status UNAUTHENTICATED (16): bad token');
    assert.match(explainFailure(grpc, { endpoint: 'http://localhost:4317', protocol: 'grpc' }), /^http:\/\/localhost:4317 rejected the export with gRPC status UNAUTHENTICATED \(16\): bad token: check the credentials/);
    const server = failed('http-500', 'HTTP 500 Internal Server Error: boom', { status: 500 });
    assert.equal(explainFailure(server, HTTP), 'http://localhost:4318/v1/traces rejected the export with HTTP 500 Internal Server Error: boom');
  });

  it('a path with /v1/traces twice: which variable to use instead', function () {
    const notFound = failed('http-404', 'HTTP 404 Not Found: 404 page not found', { status: 404 });
    const sentence = explainFailure(notFound, { endpoint: 'http://localhost:4318/v1/traces/v1/traces', protocol: 'http/protobuf' });
    assert.match(sentence, /^http:\/\/localhost:4318\/v1\/traces\/v1\/traces has \/v1\/traces twice: OTEL_EXPORTER_OTLP_ENDPOINT is a base URL/);
    assert.match(sentence, /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT/);
    // a 404 on a path that is not doubled says where OTLP/HTTP receives
    assert.match(explainFailure(notFound, { endpoint: 'http://localhost:4318/otlp', protocol: 'http/protobuf' }), /receives traces at the path \/v1\/traces/);
  });

  it("another signal's suffix in the base: metrics sent to /v1/traces/v1/metrics", function () {
    const notFound = failed('http-404', 'HTTP 404 Not Found: 404 page not found', { status: 404 });
    const sentence = explainFailure(notFound, { endpoint: 'http://localhost:4318/v1/traces/v1/metrics', protocol: 'http/protobuf', signal: 'metrics' });
    assert.match(sentence, /^http:\/\/localhost:4318\/v1\/traces\/v1\/metrics has \/v1\/traces before \/v1\/metrics: OTEL_EXPORTER_OTLP_ENDPOINT is a base URL/);
    assert.match(sentence, /so drop \/v1\/traces from it, or give the full URL in OTEL_EXPORTER_OTLP_METRICS_ENDPOINT/);
  });

  it('never prints the credentials or the query of the endpoint', function () {
    const refused = networkFailure(errno('connect ECONNREFUSED 127.0.0.1:4318', 'ECONNREFUSED'));
    const timeout = failed('timeout', 'no response within 2000 ms');
    const target: ExportTarget = { endpoint: 'https://user:pa55word@otel.example:4318/v1/traces?api_key=k3y-value', protocol: 'http/protobuf' };
    for (const outcome of [refused, timeout, failed('http-401', 'HTTP 401 Unauthorized', { status: 401 })]) {
      const sentence = explainFailure(outcome, target);
      assert.doesNotMatch(sentence, /pa55word|k3y-value|user/, sentence);
    }
  });
});
