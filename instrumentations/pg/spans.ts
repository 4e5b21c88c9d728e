import type { Context, Span, Tracer } from '@opentelemetry/api';
import type { DbInstrumentationConfig, InstrumentationState } from '../../src/instrument';
import { CONNECT_SPAN_NAME, DB_CLIENT_SPAN, tracesOperation } from '../shared/db/policy';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '../../src/semconv';
import { recordPgError } from './errors';
import { statementInfo } from './statements';
import type { ConnectionParameters, PgClient, PgPool } from './types';

export const DB_SYSTEM = 'postgresql';
/** The name of the spans of `client.connect()` and `pool.connect()` (the conventions name none). */


/**
 * What a query's span needs to know about the statement: its text (undefined for a prepared
 * statement executed by name only) and whether bind values go with it.
 */
export interface Statement {
  text: string | undefined;
  hasValues: boolean;
}

/**
 * Builds the spans: when to make one, their names and attributes, how they end. The patches
 * (client.ts, pool.ts, submittable.ts) decide only where an operation starts and ends.
 *
 * A span is started with the system's name and renamed once it is known to record: a
 * sampled-out query costs no parsing and no attribute (the statement's summary is the name).
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
  ) {}

  /** Whether an operation started in `parent` gets a span. */
  traces(parent: Context): boolean {
    return tracesOperation(this.config, parent);
  }

  startQuery(client: PgClient, statement: Statement, parent: Context): Span {
    const span = this.tracer.startSpan(DB_SYSTEM, DB_CLIENT_SPAN, parent);
    if (span.isRecording()) {
      setConnectionAttributes(span, client.connectionParameters ?? client);
      if (statement.text !== undefined) {
        const info = statementInfo(statement.text, statement.hasValues);
        span.setAttribute(ATTR_DB_QUERY_TEXT, info.text);
        if (info.summary !== '') {
          span.setAttribute(ATTR_DB_QUERY_SUMMARY, info.summary);
          span.updateName(info.summary);
        }
      }
    }
    return span;
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
  finishPoolConnect(span: Span, error: unknown, failed: boolean, client: unknown): void {
    try {
      if (!failed && client !== null && typeof client === 'object' && span.isRecording()) {
        const params = (client as PgClient).connectionParameters;
        if (params !== undefined) setConnectionAttributes(span, params);
      }
    } catch (e) {
      this.state.fail(e);
    }
    this.finish(span, error, failed);
  }

  /** Ends `span`, recording `error` if the operation failed. Never throws. */
  finish(span: Span, error: unknown, failed: boolean): void {
    try {
      if (failed && span.isRecording()) recordPgError(span, error);
      span.end();
    } catch (e) {
      this.state.fail(e);
    }
  }
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
  const portNumber = typeof port === 'number' ? port : typeof port === 'string' ? Number(port) : NaN;
  if (Number.isInteger(portNumber) && portNumber > 0) span.setAttribute(ATTR_SERVER_PORT, portNumber);
}
