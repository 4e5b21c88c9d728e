import type { Context, Span, Tracer } from '@opentelemetry/api';
import { monotonicNow, type DbInstrumentationConfig, type InstrumentationState } from '../../src/instrument';
import { measuredSpanOptions, type DbMeasurement, type DbOperationMetrics, type DbOperationTarget } from '../shared/db/metrics';
import { CONNECT_SPAN_NAME, DB_CLIENT_SPAN, tracesOperation } from '../shared/db/policy';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '../../src/semconv';
import { pgFailure, recordPgError } from './errors';
import { statementInfo, type StatementInfo } from './statements';
import type { ConnectionParameters, PgClient, PgPool } from './types';

export const DB_SYSTEM = 'postgresql';

/**
 * What a query's span needs to know about the statement: its text (undefined for a prepared
 * statement executed by name only) and whether bind values go with it.
 */
export interface Statement {
  text: string | undefined;
  hasValues: boolean;
}

/**
 * A query or connection in flight: its span when it is traced (recording or not), and, for a
 * query when the agent exports metrics, its `db.client.operation.duration` measurement, made
 * whether or not the span is sampled, or made at all. At least one of the two is set.
 */
export interface PgOperation {
  readonly span: Span | undefined;
  readonly measurement: DbMeasurement | undefined;
}

/**
 * Builds the operations: when to trace and measure one, span names and attributes, how they
 * end. The patches (client.ts, pool.ts, submittable.ts) decide only where an operation starts
 * and ends.
 *
 * A span is started with the system's name and renamed once it is known to record: a
 * sampled-out query without metrics costs no parsing and no attribute (the statement's summary
 * is the name). A measured query reads its summary from the same cache (statements.ts).
 */
export class PgSpans {
  /**
   * The context of the pool.connect() span while pool.connect() runs: a client.connect() the
   * pool makes meanwhile (a new connection) is its child. Handed over this way rather than by
   * running pg-pool inside that context, because the socket opened then would carry the
   * context into every later event on it.
   */
  poolConnectContext: Context | undefined;

  constructor(
    private readonly tracer: Tracer,
    private readonly config: DbInstrumentationConfig,
    readonly state: InstrumentationState,
    private readonly metrics: DbOperationMetrics | undefined,
  ) {}

  /** Whether an operation started in `parent` gets a span. */
  traces(parent: Context): boolean {
    return tracesOperation(this.config, parent);
  }

  /** Whether a query started in `parent` is measured (the agent exports metrics; not its own work). */
  measures(parent: Context): boolean {
    return this.metrics !== undefined && this.metrics.measures(parent);
  }

  /** A query: traced when `traced`, measured when `measures(parent)`; undefined when neither. */
  startQuery(client: PgClient, statement: Statement, parent: Context, traced: boolean): PgOperation | undefined {
    const params = client.connectionParameters ?? client;
    const text = statement.text;
    let info: StatementInfo | undefined;
    let measurement: DbMeasurement | undefined;
    if (this.metrics !== undefined && this.metrics.measures(parent)) {
      if (text !== undefined) info = statementInfo(text, statement.hasValues);
      measurement = this.metrics.start(queryTarget(params, info?.summary ?? ''));
    }
    if (!traced) return measurement === undefined ? undefined : { span: undefined, measurement };
    const span = this.tracer.startSpan(DB_SYSTEM, measuredSpanOptions(measurement), parent);
    if (span.isRecording()) {
      setConnectionAttributes(span, params);
      if (text !== undefined) {
        info ??= statementInfo(text, statement.hasValues);
        span.setAttribute(ATTR_DB_QUERY_TEXT, info.text);
        if (info.summary !== '') {
          span.setAttribute(ATTR_DB_QUERY_SUMMARY, info.summary);
          span.updateName(info.summary);
        }
      }
    }
    return { span, measurement };
  }

  startClientConnect(client: PgClient, parent: Context): Span {
    const span = this.tracer.startSpan(CONNECT_SPAN_NAME, DB_CLIENT_SPAN, parent);
    if (span.isRecording()) setConnectionAttributes(span, client.connectionParameters ?? client);
    return span;
  }

  /**
   * The pool's options are what the app passed: host, port and database may be missing there
   * (defaults, PG* variables, a connection string); `poolConnected` fills them in from the
   * client the pool hands out.
   */
  startPoolConnect(pool: PgPool, parent: Context): Span {
    const span = this.tracer.startSpan(CONNECT_SPAN_NAME, DB_CLIENT_SPAN, parent);
    if (span.isRecording()) setConnectionAttributes(span, (pool.options ?? {}) as ConnectionParameters);
    return span;
  }

  /** Ends a pool.connect() span; on success, with the address of the client handed out. Never throws. */
  finishPoolConnect(operation: PgOperation, error: unknown, failed: boolean, client: unknown): void {
    const span = operation.span;
    try {
      if (!failed && client !== null && typeof client === 'object' && span !== undefined && span.isRecording()) {
        const params = (client as PgClient).connectionParameters;
        if (params !== undefined) setConnectionAttributes(span, params);
      }
    } catch (e) {
      this.state.fail(e);
    }
    this.finish(operation, error, failed);
  }

  /** Ends `operation`, recording `error` if it failed: span and measurement end at the same time. Never throws. */
  finish(operation: PgOperation, error: unknown, failed: boolean): void {
    try {
      const { span, measurement } = operation;
      const endTime = measurement === undefined ? undefined : monotonicNow();
      if (span !== undefined) {
        if (failed && span.isRecording()) recordPgError(span, error);
        span.end(endTime);
      }
      if (measurement !== undefined) this.metrics?.record(measurement, endTime as number, failed ? pgFailure(error) : undefined);
    } catch (e) {
      this.state.fail(e);
    }
  }
}

/** A connection's span alone: connections are not measured. */
export function spanOperation(span: Span): PgOperation {
  return { span, measurement: undefined };
}

/** Where the connection of `params` goes (as on the spans), and the query's summary: the metric's attributes. */
function queryTarget(params: ConnectionParameters, summary: string): DbOperationTarget {
  const { host, database } = params;
  const address = typeof host === 'string' && host !== '' ? host : undefined;
  return {
    system: DB_SYSTEM,
    namespace: typeof database === 'string' && database !== '' ? database : undefined,
    querySummary: summary === '' ? undefined : summary,
    serverAddress: address,
    serverPort: address !== undefined && address.charCodeAt(0) === 0x2f ? undefined : portOf(params.port),
  };
}

function portOf(port: unknown): number | undefined {
  const portNumber = typeof port === 'number' ? port : typeof port === 'string' ? Number(port) : NaN;
  return Number.isInteger(portNumber) && portNumber > 0 ? portNumber : undefined;
}

/**
 * `db.system.name`, `db.namespace` (the database the connection was opened on: the schema would
 * take an extra query), `server.address` (a host name, an address, or a Unix socket directory)
 * and `server.port` (not for a socket).
 */
function setConnectionAttributes(span: Span, params: ConnectionParameters): void {
  span.setAttribute(ATTR_DB_SYSTEM_NAME, DB_SYSTEM);
  const { host, port, database } = params;
  if (typeof database === 'string' && database !== '') span.setAttribute(ATTR_DB_NAMESPACE, database);
  if (typeof host === 'string' && host !== '') {
    span.setAttribute(ATTR_SERVER_ADDRESS, host);
    if (host.charCodeAt(0) === 0x2f) return;
  }
  const portNumber = portOf(port);
  if (portNumber !== undefined) span.setAttribute(ATTR_SERVER_PORT, portNumber);
}
