import { diag, type Context, type Span, type TimeInput, type Tracer } from '@opentelemetry/api';
import { monotonicNow, type DbInstrumentationConfig } from '../../src/instrument';
import { ATTR_DB_SYSTEM_NAME, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '../../src/semconv';
import { measuredSpanOptions, type DbMeasurement, type DbOperationMetrics } from './db/metrics';
import { CONNECT_SPAN_NAME, DB_CLIENT_SPAN, tracesOperation } from './db/policy';
import { DB_SYSTEM_REDIS, describeError, recordRedisError, type RedisEndpoint } from './redis-semantics';

/**
 * The most spans one instrumentation keeps open at once. A span is open while its command waits
 * for a reply, including while an offline client queues it; a client that queues without limit
 * (node-redis reconnects and queues forever by default) would otherwise make spans without limit.
 * Past the bound, commands run untraced until spans end (one warning per episode).
 */
export const MAX_OPEN_SPANS = 2048;

/**
 * A command or batch in flight: its span when one records, its measurement when the agent
 * exports metrics (then it exists whether or not the trace was sampled). At least one is set.
 */
export interface RedisOperation {
  readonly span: Span | undefined;
  readonly measurement: DbMeasurement | undefined;
}

/**
 * Starts and ends the operations of one instrumentation: CLIENT spans and the
 * `db.client.operation.duration` measurements. Returns no operation where nothing is to be
 * recorded (tracing suppressed; or no metrics and no recording span: no parent under
 * OTEL_NODE_DB_REQUIRE_PARENT_SPAN, sampled out, or too many open), so callers do attribute work
 * only for a span that records and keep nothing for an operation that is not recorded at all.
 */
export class RedisSpans {
  private open = 0;
  private saturated = false;

  constructor(
    private readonly tracer: Tracer,
    private readonly config: DbInstrumentationConfig,
    private readonly instrumentation: string,
    private readonly metrics: DbOperationMetrics | undefined,
    private readonly maxOpen = MAX_OPEN_SPANS,
  ) {}

  /** Command and batch spans started and not yet ended. */
  get pending(): number {
    return this.open;
  }

  /**
   * A command or batch named `name` (its `db.operation.name`) sent to `endpoint`; the span, when
   * there is one, is counted against the bound until `end`. The caller sets its attributes.
   */
  start(name: string, parent: Context, endpoint: RedisEndpoint): RedisOperation | undefined {
    const measurement =
      this.metrics !== undefined && this.metrics.measures(parent)
        ? this.metrics.start({
            system: DB_SYSTEM_REDIS,
            namespace: endpoint.database === undefined ? undefined : String(endpoint.database),
            operationName: name,
            serverAddress: endpoint.serverAddress,
            serverPort: endpoint.serverPort,
          })
        : undefined;
    const span = this.startSpan(name, parent, measurement);
    return span === undefined && measurement === undefined ? undefined : { span, measurement };
  }

  private startSpan(name: string, parent: Context, measurement: DbMeasurement | undefined): Span | undefined {
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
    const span = this.tracer.startSpan(name, measuredSpanOptions(measurement), parent);
    if (!span.isRecording()) return undefined;
    this.open++;
    span.setAttribute(ATTR_DB_SYSTEM_NAME, DB_SYSTEM_REDIS);
    return span;
  }

  /** Ends an operation from `start`, failed with `error` when there is one. */
  end(operation: RedisOperation, error?: unknown): void {
    const measurement = operation.measurement;
    const endTime = measurement === undefined ? undefined : monotonicNow();
    const span = operation.span;
    if (span !== undefined) {
      if (this.open > 0) this.open--;
      if (this.saturated && this.open < this.maxOpen / 2) this.saturated = false;
      this.finish(span, error, endTime);
    }
    if (measurement !== undefined && this.metrics !== undefined) {
      this.metrics.record(measurement, endTime as number, error === undefined ? undefined : describeError(error));
    }
  }

  /**
   * A `connect` span: not counted against the bound, since a client has at most one connection
   * attempt in flight. `startTime` back-dates a span reported only once the connection is up.
   * No `db.namespace`: node-redis's connect messages do not carry one, and both clients should
   * describe a connection the same way. A connection is not an operation: it is not measured.
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
    this.finish(span, error, undefined);
  }

  private allowed(parent: Context): boolean {
    return tracesOperation(this.config, parent);
  }

  private finish(span: Span, error: unknown, endTime: number | undefined): void {
    if (error !== undefined) recordRedisError(span, error);
    span.end(endTime);
  }
}
