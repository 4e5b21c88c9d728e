import type { OtlpConfig } from '../../config/types';
import type { Signal } from './explain';
import { HttpTransport } from './http-transport';
import { readTlsMaterial, type OtlpTransport } from './transport';

/**
 * The transport for an OTLP configuration, as the exporter and `otelite doctor` both use it:
 * gRPC (calling the signal's service), or HTTP with the protobuf or JSON content type (the
 * endpoint already names the signal's path); the TLS material read from the certificate
 * variables (an unreadable file throws, naming it).
 */
export function createTransport(config: OtlpConfig, signal: Signal = 'traces'): OtlpTransport {
  const tls = readTlsMaterial(config);
  if (config.protocol === 'grpc') {
    // Loaded only for grpc: node:http2 alone costs ~7 ms of start-up.
    const { GrpcTransport } = require('./grpc-transport') as typeof import('./grpc-transport');
    return new GrpcTransport(config.endpoint, config.headers, tls, signal);
  }
  return new HttpTransport(config.endpoint, config.headers, config.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf', tls);
}
