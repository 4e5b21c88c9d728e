import * as fs from 'node:fs';
import type { OtlpConfig } from '../../config/types';
import type { AttemptOutcome } from './retry';

/**
 * What every transport (HTTP, gRPC) and every signal's exporter share: the transport's shape,
 * and the TLS material the OTEL_EXPORTER_OTLP_* certificate variables name.
 */

/** One way of delivering an encoded request; `send` never rejects. */
export interface OtlpTransport {
  send(body: Uint8Array, options: { timeoutMs: number; compressed: boolean }): Promise<AttemptOutcome>;
  shutdown(): void;
}

export interface TlsMaterial {
  ca?: Buffer;
  key?: Buffer;
  cert?: Buffer;
}

/**
 * Reads the PEM files named by the config, once. Throws an Error naming the variable and the path
 * (never a header value) when a file cannot be read.
 */
export function readTlsMaterial(config: OtlpConfig): TlsMaterial {
  const out: TlsMaterial = {};
  const read = (file: string | undefined, variable: string): Buffer | undefined => {
    if (file === undefined || file === '') return undefined;
    try {
      return fs.readFileSync(file);
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new Error(`cannot read ${variable} file ${JSON.stringify(file)}${code ? ` (${code})` : ''}`);
    }
  };
  const ca = read(config.certificateFile, 'OTEL_EXPORTER_OTLP_CERTIFICATE');
  const key = read(config.clientKeyFile, 'OTEL_EXPORTER_OTLP_CLIENT_KEY');
  const cert = read(config.clientCertificateFile, 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE');
  if (ca !== undefined) out.ca = ca;
  if (key !== undefined) out.key = key;
  if (cert !== undefined) out.cert = cert;
  return out;
}

type Finish = (outcome: AttemptOutcome) => void;
type Deadline = (timeoutMs: number, message: string, cancel: () => void) => void;

/**
 * One attempt of a transport, settled once: `finish` gives its outcome (later calls are
 * ignored), and `deadline` makes it a retryable timeout when nothing else settled it in time,
 * then cancels the request; `settled` says whether the outcome is already given. The timer never
 * keeps the process alive.
 */
export function settleOnce(run: (finish: Finish, deadline: Deadline, settled: () => boolean) => void): Promise<AttemptOutcome> {
  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish: Finish = (outcome) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      resolve(outcome);
    };
    const deadline: Deadline = (timeoutMs, message, cancel) => {
      timer = setTimeout(() => {
        finish({ ok: false, retryable: true, kind: 'timeout', error: new Error(message) });
        cancel();
      }, timeoutMs);
      timer.unref();
    };
    run(finish, deadline, () => settled);
  });
}
