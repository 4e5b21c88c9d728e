import { promisify } from 'node:util';
import { gzip, type InputType, type ZlibOptions } from 'node:zlib';
import type { OtlpConfig } from '../../config/types';
import { diag } from '@opentelemetry/api';
import { diagOnce } from '../../diag';
import { isExiting } from '../../exiting';
import type { SpanData } from '../../sdk/span-data';
import type { ExportResult, Exporter, SpanExporter } from '../exporter';
import { maskSecrets, printableEndpoint, secretsOf } from '../../secrets';
import { encodeTraceRequestJson } from './encode-json';
import { encodeTraceRequestPooled } from './encode-protobuf';
import { createTransport } from './create-transport';
import { encodeSpanBytesPooled, halveSpanBytes, type SpanBytes } from './span-bytes';
import { explainFailure, type ExportTarget, type Signal } from './explain';
import { sayFailure } from './failure-line';
import { rejectionOf } from './response';
import type { OtlpTransport } from './transport';
import { DEFAULT_RETRY_POLICY, systemClock, withRetry, type AttemptOutcome, type RetryClock, type RetryPolicy } from './retry';

const gzipAsync = promisify(gzip) as (buf: InputType, options: ZlibOptions) => Promise<Buffer>;

export interface OtlpExporterOptions {
  /** Clock, sleep and randomness of the retry loop (tests). */
  clock?: RetryClock;
  policy?: RetryPolicy;
}

export interface Encoded {
  bytes: Uint8Array;
  release(): void;
}

const noop = (): void => {};

/** Failure kinds meaning "this request is too large": the batch is split, not retried or dropped whole. */
const TOO_LARGE: ReadonlySet<string> = new Set(['http-413', 'grpc-http-413', 'grpc-too-large']);

/**
 * At exit, a refused connection is final: nothing listens, and a retry would only hold the
 * process (the usual developer machine has no collector).
 */
function notRetriedAtExit(outcome: AttemptOutcome): AttemptOutcome {
  return outcome.retryable && outcome.kind === 'network-ECONNREFUSED' && isExiting() ? { ...outcome, retryable: false } : outcome;
}

/**
 * What differs between signals. Everything else about an OTLP export (encoding choice, gzip,
 * retries within the timeout, splitting a batch refused as too large, one line per kind of
 * failure, drop counting, secret masking) is the same, and written once in `OtlpExporter`.
 */
export interface OtlpSignal<T> {
  readonly name: Signal;
  /** What is counted, in the singular: 'span', 'data point'. */
  readonly item: string;
  count(batch: T): number;
  /** Two parts of about half the items each; called only when `count(batch) >= 2`. */
  halve(batch: T): [T, T];
  encodeProtobuf(batch: T): Encoded;
  encodeJson(batch: T): Uint8Array;
  /** Said when the receiver refuses a single item as too large: how to make items smaller. */
  readonly smallerItems: string;
  /** Said when batches are split: how to avoid it. */
  readonly smallerBatches: string;
  /** Called once the export of `batch` is over, whatever its outcome (its memory can be reused). */
  done?(batch: T): void;
}

/** `http://localhost:4318` of `http://localhost:4318/v1/traces`; the endpoint itself when it is not a URL. */
function originOf(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.username || url.password ? `${url.username}:${url.password}@` : ''}${url.host}`;
  } catch {
    return endpoint;
  }
}

/** How many of `n` items an export result lost. */
function lost(result: ExportResult, n: number): number {
  return result.ok ? 0 : Math.min(n, result.dropped ?? n);
}

/**
 * OTLP exporter of one signal for the three protocols: http/protobuf, http/json and grpc.
 *
 * `export` never rejects: it encodes (protobuf into a pooled buffer, or JSON), gzips at level 1
 * when compression is on, and sends with the OTLP retry rules within `timeoutMs`; a batch the
 * receiver refuses as too large is sent in halves within the same time (`sendInHalves`). Each kind of
 * failure (an HTTP status, a gRPC status, a network error code, a timeout, a TLS failure, a
 * partial success) is said once through `diagOnce`, not once per batch. Header values never appear
 * in a diagnostic or an error: messages are built without them, and anything a server sends back
 * is scrubbed of them too.
 */
export class OtlpExporter<T> {
  private readonly transport: OtlpTransport | undefined;
  private readonly disabled: Error | undefined;
  private readonly encode: (batch: T) => Encoded;
  private readonly json: boolean;
  private readonly gzip: boolean;
  private readonly timeoutMs: number;
  private readonly where: string;
  /** The endpoint and protocol, for explaining failures. */
  private readonly failureTarget: ExportTarget;
  private readonly secrets: string[];
  private readonly clock: RetryClock;
  private readonly policy: RetryPolicy;
  private readonly pending = new Set<Promise<ExportResult>>();
  /** Prefix of this exporter's diagOnce keys: a gRPC endpoint is the same for every signal. */
  private readonly key: string;
  /** Scheme, host and port of the endpoint, printable: where several signals' failures are said together. */
  private readonly origin: string;
  private isShutdown = false;

  constructor(
    private readonly signal: OtlpSignal<T>,
    config: OtlpConfig,
    options: OtlpExporterOptions = {},
  ) {
    this.where = printableEndpoint(config.endpoint);
    this.origin = printableEndpoint(originOf(config.endpoint));
    this.key = `otlp:${signal.name}:${this.where}`;
    this.failureTarget = { endpoint: config.endpoint, protocol: config.protocol, signal: signal.name };
    this.secrets = secretsOf(Object.values(config.headers));
    this.json = config.protocol === 'http/json';
    this.gzip = config.compression === 'gzip';
    this.timeoutMs = config.timeoutMs > 0 ? config.timeoutMs : 10_000;
    this.clock = options.clock ?? systemClock;
    this.policy = options.policy ?? DEFAULT_RETRY_POLICY;
    this.encode = this.json ? (batch) => ({ bytes: signal.encodeJson(batch), release: noop }) : signal.encodeProtobuf;

    let transport: OtlpTransport | undefined;
    let disabled: Error | undefined;
    try {
      transport = createTransport(config, signal.name);
    } catch (err) {
      disabled = new Error(`OTLP exporter disabled: ${this.redact((err as Error).message)}`);
      diagOnce(`${this.key}:disabled:${disabled.message}`, 'error', `${disabled.message}; no ${signal.item}s will be exported`);
    }
    this.transport = transport;
    this.disabled = disabled;
  }

  get target(): string {
    return this.where;
  }

  /** "1 span", "3 data points". */
  private items(n: number): string {
    return `${n} ${this.signal.item}${n === 1 ? '' : 's'}`;
  }

  export(batch: T): Promise<ExportResult> {
    const p = this.exportOnce(batch);
    if (this.signal.done !== undefined) void p.then(() => this.signal.done!(batch));
    return p;
  }

  private exportOnce(batch: T): Promise<ExportResult> {
    if (this.isShutdown) return Promise.resolve({ ok: false, error: new Error('OTLP exporter is shut down') });
    if (this.disabled !== undefined || this.transport === undefined) {
      // Said once when the exporter was built.
      return Promise.resolve({ ok: false, reported: true, error: this.disabled ?? new Error('OTLP exporter disabled') });
    }
    if (this.signal.count(batch) === 0) return Promise.resolve({ ok: true });
    const deadline = this.clock.now() + this.timeoutMs;
    const p = this.send(this.transport, batch, deadline).catch(
      (err: unknown): ExportResult => ({ ok: false, error: new Error(this.redact(String((err as Error)?.message ?? err))) }),
    );
    this.pending.add(p);
    void p.then(() => this.pending.delete(p));
    return p;
  }

  /** Sends `batch` within `deadline` (the whole export's, shared by the parts of a split batch). */
  private async send(transport: OtlpTransport, batch: T, deadline: number): Promise<ExportResult> {
    const signal = this.signal.name;
    const n = this.signal.count(batch);
    let encoded: Encoded;
    try {
      encoded = this.encode(batch);
    } catch (err) {
      const message = `OTLP export to ${this.where}: cannot encode ${this.signal.item}s: ${(err as Error).message}`;
      diagOnce(`${this.key}:encode`, 'error', message);
      return { ok: false, reported: true, error: new Error(message) };
    }
    let body = encoded.bytes;
    if (this.gzip) {
      try {
        body = await gzipAsync(encoded.bytes, { level: 1 });
      } finally {
        encoded.release();
      }
    }
    const bytes = body.length;
    const startedAt = this.clock.now();
    let result;
    try {
      const remainingMs = deadline - startedAt;
      result =
        remainingMs > 0
          ? await withRetry(
              (remaining) => transport.send(body, { timeoutMs: remaining, compressed: this.gzip }).then(notRetriedAtExit),
              remainingMs,
              this.clock,
              this.policy,
            )
          : {
              ok: false,
              retryable: true,
              kind: 'timeout',
              attempts: 0,
              error: new Error(`export timed out after ${this.timeoutMs} ms`),
            };
    } finally {
      if (!this.gzip) encoded.release();
    }

    const ms = Math.round(this.clock.now() - startedAt);
    diag.debug(`export ${signal}: ${this.items(n)}, ${bytes} bytes to ${this.where}: ${result.ok ? 'ok' : result.kind}, ${ms} ms`);
    if (result.ok) {
      diagOnce(`${this.key}:first-ok`, 'info', `first ${signal} export succeeded: ${this.items(n)} to ${this.where} in ${ms} ms`);
      this.checkPartialSuccess(result.body, n);
      return { ok: true };
    }
    if (TOO_LARGE.has(result.kind)) return this.sendInHalves(transport, batch, n, bytes, deadline, result.error);
    const detail = this.redact(explainFailure(result, this.failureTarget));
    const tries = result.attempts > 1 ? ` (after ${result.attempts} attempts)` : '';
    const message = `${signal} export to ${this.where} failed${tries}: ${detail}`;
    sayFailure({
      onceKey: `${this.key}:${result.kind}`,
      level: result.retryable || result.kind.startsWith('network-') ? 'warn' : 'error',
      signal,
      where: this.where,
      origin: this.origin,
      detail: `${tries}: ${detail}`,
      lost: this.items(n),
    });
    return { ok: false, reported: true, error: new Error(message) };
  }

  /**
   * The receiver refused the request as too large (HTTP 413, or gRPC RESOURCE_EXHAUSTED "larger
   * than max"). Retrying the same bytes cannot succeed, so the batch is halved and each half sent
   * (recursively, within the same deadline); a single item still too large is dropped. Each of
   * the two cases is said once. The result counts only the items actually lost.
   */
  private async sendInHalves(
    transport: OtlpTransport,
    batch: T,
    n: number,
    bytes: number,
    deadline: number,
    error: Error | undefined,
  ): Promise<ExportResult> {
    const { item } = this.signal;
    const detail = this.redact(error?.message ?? 'too large');
    if (n === 1) {
      const message = `OTLP export to ${this.where}: the receiver refused a single ${item} of ${bytes} bytes as too large (${detail}); ${item} dropped`;
      diagOnce(
        `${this.key}:item-too-large`,
        'error',
        `${message}. ${this.signal.smallerItems} Further ${item}s too large are dropped without a message (they are counted).`,
      );
      return { ok: false, dropped: 1, reported: true, error: new Error(message) };
    }
    diagOnce(
      `${this.key}:split`,
      'warn',
      `OTLP receiver at ${this.where} refused a batch of ${this.items(n)} (${bytes} bytes) as too large (${detail}); ` +
        `sending such batches in halves. ${this.signal.smallerBatches} Said once.`,
    );
    const [firstHalf, secondHalf] = this.signal.halve(batch);
    const first = await this.send(transport, firstHalf, deadline);
    const second = await this.send(transport, secondHalf, deadline);
    const dropped = lost(first, this.signal.count(firstHalf)) + lost(second, this.signal.count(secondHalf));
    if (dropped === 0) return { ok: true };
    const reported = (first.ok || first.reported === true) && (second.ok || second.reported === true);
    return { ok: false, dropped, reported, error: (first.ok ? second.error : first.error) ?? new Error('export failed') };
  }

  private checkPartialSuccess(body: Uint8Array | undefined, total: number): void {
    const rejection = rejectionOf(body, this.json, this.signal.name, this.secrets);
    if (rejection === undefined) return;
    diagOnce(
      `${this.key}:partial-success`,
      'warn',
      `OTLP receiver at ${this.where} rejected ${rejection.rejected} of ${this.items(total)}${rejection.why}. Further partial successes are not reported.`,
    );
  }

  /** Removes header values from text that may echo them (server messages). */
  private redact(text: string): string {
    return maskSecrets(text, this.secrets);
  }

  async forceFlush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  async shutdown(): Promise<void> {
    if (this.isShutdown) return;
    this.isShutdown = true;
    await this.forceFlush();
    this.transport?.shutdown();
  }
}

const TRACE_ADVICE = {
  smallerItems: 'Set OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT to keep spans small.',
  smallerBatches: 'Lower OTEL_BSP_MAX_EXPORT_BATCH_SIZE to avoid this.',
};

const TRACES: OtlpSignal<readonly SpanData[]> = {
  name: 'traces',
  item: 'span',
  count: (spans) => spans.length,
  halve: (spans) => {
    const half = Math.ceil(spans.length / 2);
    return [spans.slice(0, half), spans.slice(half)];
  },
  encodeProtobuf: encodeTraceRequestPooled,
  encodeJson: encodeTraceRequestJson,
  ...TRACE_ADVICE,
};

/**
 * The OTLP exporter of spans handed over as objects, for any of the three protocols (the doctor's
 * probe uses it so); the agent picks it for http/json only, and `OtlpTraceBytesExporter` otherwise.
 */
export class OtlpTraceExporter extends OtlpExporter<readonly SpanData[]> implements SpanExporter {
  constructor(config: OtlpConfig, options: OtlpExporterOptions = {}) {
    super(TRACES, config, options);
  }
}

const TRACE_BYTES: OtlpSignal<SpanBytes> = {
  name: 'traces',
  item: 'span',
  count: (part) => part.to - part.from,
  halve: halveSpanBytes,
  encodeProtobuf: encodeSpanBytesPooled,
  encodeJson: () => {
    throw new Error('spans kept as protobuf bytes cannot be sent as JSON');
  },
  done: (part) => part.block.recycle(),
  ...TRACE_ADVICE,
};

/**
 * The OTLP exporter of spans kept as their protobuf bytes since they ended (span-bytes.ts), for
 * http/protobuf and grpc; its batch processor queues them in a `SpanBytesQueue`.
 */
export class OtlpTraceBytesExporter extends OtlpExporter<SpanBytes> implements Exporter<SpanBytes> {
  constructor(config: OtlpConfig, options: OtlpExporterOptions = {}) {
    if (config.protocol === 'http/json') throw new Error('OtlpTraceBytesExporter sends protobuf: use OtlpTraceExporter for http/json');
    super(TRACE_BYTES, config, options);
  }
}
