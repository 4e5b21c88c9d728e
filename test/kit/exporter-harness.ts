import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import type { OtlpConfig, OtlpProtocol } from '../../src/config/types';
import { startReceiver, type Receiver, type ReceiverOptions } from './otlp-receiver';

/**
 * Test kit: what the OTLP exporter tests of every signal share: a configuration with a secret
 * header, the three protocols, and the diagnostic lines captured.
 *
 *   diag.setLogger(captureLogger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
 *   new OtlpTraceExporter(otlpConfig(rx.endpoint, 'grpc', { timeoutMs: 1000 }));
 *   linesFor(rx.endpoint)    // what was said about that endpoint: 'warn traces export to ...'
 */

/** The value of the `x-api-key` header: never to appear in a diagnostic or an error. */
export const SECRET = 'super-secret-token-value';

export const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];

export function otlpConfig(endpoint: string, protocol: OtlpProtocol, over: Partial<OtlpConfig> = {}): OtlpConfig {
  return {
    protocol,
    endpoint,
    headers: { 'x-api-key': SECRET, 'X-Tenant': 'acme' },
    timeoutMs: 5000,
    compression: 'none',
    certificateFile: undefined,
    clientKeyFile: undefined,
    clientCertificateFile: undefined,
    ...over,
  };
}

/** diag output, captured as 'level message'. */
export const lines: string[] = [];

export const captureLogger: DiagLogger = {
  error: (m, ...a) => lines.push(['error', m, ...a.map(String)].join(' ')),
  warn: (m, ...a) => lines.push(['warn', m, ...a.map(String)].join(' ')),
  info: (m, ...a) => lines.push(['info', m, ...a.map(String)].join(' ')),
  debug: (m, ...a) => lines.push(['debug', m, ...a.map(String)].join(' ')),
  verbose: (m, ...a) => lines.push(['verbose', m, ...a.map(String)].join(' ')),
};

/** Diagnostic lines about one endpoint: matched by origin (scheme, host, port), since a later
 * receiver may get a closed one's port while that exporter's last line is still arriving. */
export function linesFor(endpoint: string): string[] {
  const origin = new URL(endpoint).origin;
  return lines.filter((l) => l.includes(origin));
}

/**
 * Forgets what was said: after a test's exporter is shut down, its lines are all in, and a later
 * test (in this file or another one mocha runs in the same process) may get the same port.
 */
export function forgetLines(): void {
  lines.length = 0;
}

export interface ExporterSession<E> {
  /** Starts a receiver and the exporter made for it. */
  setup(protocol: OtlpProtocol, rxOptions?: Partial<ReceiverOptions>, over?: Partial<OtlpConfig>): Promise<{ rx: Receiver; exporter: E }>;
  /** An exporter the test made itself, shut down after the test. */
  ownExporter<T extends E>(exporter: T): T;
  /** A receiver the test started itself, closed after the test. */
  ownReceiver(rx: Receiver): Receiver;
}

/**
 * What every exporter e2e file sets up, installed in the calling `describe`: warnings and errors
 * captured (info and debug lines only say that exports succeeded), and after each test the
 * exporter shut down, the receiver closed and the lines forgotten.
 */
export function exporterSession<E extends { shutdown(): Promise<unknown> }>(
  create: (rx: Receiver, protocol: OtlpProtocol, over: Partial<OtlpConfig>) => E,
): ExporterSession<E> {
  let rx: Receiver | undefined;
  let exporter: E | undefined;
  before(() => diag.setLogger(captureLogger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true }));
  after(() => diag.disable());
  afterEach(async () => {
    await exporter?.shutdown();
    await rx?.close();
    exporter = undefined;
    rx = undefined;
    forgetLines();
  });
  return {
    async setup(protocol, rxOptions = {}, over = {}) {
      rx = await startReceiver({ protocol, ...rxOptions });
      exporter = create(rx, protocol, over);
      return { rx, exporter };
    },
    ownExporter(made) {
      exporter = made;
      return made;
    },
    ownReceiver(started) {
      rx = started;
      return started;
    },
  };
}
