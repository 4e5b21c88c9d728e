import { diag, type Context, type Span, type TimeInput, type Tracer } from '@opentelemetry/api';
import type { DbInstrumentationConfig } from '../../src/instrument';
import { ATTR_DB_SYSTEM_NAME, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '../../src/semconv';
import { CONNECT_SPAN_NAME, DB_CLIENT_SPAN, tracesOperation } from './db/policy';
import { DB_SYSTEM_REDIS, recordRedisError, type RedisEndpoint } from './redis-semantics';

/**
 * The most spans one instrumentation keeps open at once. A span is open while its command waits
 * for a reply, including while an offline client queues it; a client that queues without limit
 * (node-redis reconnects and queues forever by default) would otherwise make spans without limit.
 * Past the bound, commands run untraced until spans end (one warning per episode).
 */
export const MAX_OPEN_SPANS = 2048;

/**
 * Starts and ends the CLIENT spans of one instrumentation. Returns no span where nothing is to
 * be recorded (tracing suppressed, no parent under OTEL_NODE_DB_REQUIRE_PARENT_SPAN, sampled out,
 * or too many open), so callers do attribute work only for a span that records and keep nothing
 * for one that does not.
 */
export class RedisSpans {
  private open = 0;
  private saturated = false;

  constructor(
    private readonly tracer: Tracer,
    private readonly config: DbInstrumentationConfig,
    private readonly instrumentation: string,
    private readonly maxOpen = MAX_OPEN_SPANS,
  ) {}

  /** Command and batch spans started and not yet ended. */
  get pending(): number {
    return this.open;
  }

  /** A command or batch span, counted against the bound until `end`. */
  start(name: string, parent: Context): Span | undefined {
    if (!this.allowed(parent)) return undefined;
    if (this.open >= this.maxOpen) {
      if (!this.saturated) {
        this.saturated = true;
        diag.warn(
          `${this.instrumentation}: ${this.maxOpen} Redis spans are open (commands waiting for a reply or queued by an offline client); further commands are not traced until some complete`,
        );
      }
      return undefined;
    }
    const span = this.tracer.startSpan(name, DB_CLIENT_SPAN, parent);
    if (!span.isRecording()) return undefined;
    this.open++;
    span.setAttribute(ATTR_DB_SYSTEM_NAME, DB_SYSTEM_REDIS);
    return span;
  }

  /** Ends a span from `start`, recording `error` when there is one. */
  end(span: Span, error?: unknown): void {
    if (this.open > 0) this.open--;
    if (this.saturated && this.open < this.maxOpen / 2) this.saturated = false;
    this.finish(span, error);
  }

  /**
   * A `connect` span: not counted against the bound, since a client has at most one connection
   * attempt in flight. `startTime` back-dates a span reported only once the connection is up.
   * No `db.namespace`: node-redis's connect messages do not carry one, and both clients should
   * describe a connection the same way.
   */
  startConnect(parent: Context, endpoint: RedisEndpoint, startTime?: TimeInput): Span | undefined {
    if (!this.allowed(parent)) return undefined;
    const span = this.tracer.startSpan(CONNECT_SPAN_NAME, { ...DB_CLIENT_SPAN, startTime }, parent);
    if (!span.isRecording()) return undefined;
    span.setAttribute(ATTR_DB_SYSTEM_NAME, DB_SYSTEM_REDIS);
    if (endpoint.serverAddress !== undefined) span.setAttribute(ATTR_SERVER_ADDRESS, endpoint.serverAddress);
    if (endpoint.serverPort !== undefined) span.setAttribute(ATTR_SERVER_PORT, endpoint.serverPort);
    return span;
  }

  endConnect(span: Span, error?: unknown): void {
    this.finish(span, error);
  }

  private allowed(parent: Context): boolean {
    return tracesOperation(this.config, parent);
  }

  private finish(span: Span, error: unknown): void {
    if (error !== undefined) recordRedisError(span, error);
    span.end();
  }
}
