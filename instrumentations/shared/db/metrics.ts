import type { Attributes, Context, SpanOptions } from '@opentelemetry/api';
import { isTracingSuppressed, monotonicNow, type InstrumentationMeter, type LazyHistogram } from '../../../src/instrument';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '../../../src/semconv';
import { DB_CLIENT_SPAN } from './policy';

/**
 * `db.client.operation.duration`, written once for every database client (pg, node-redis,
 * ioredis), after the stable database metric conventions (semantic-conventions
 * `docs/db/database-metrics.md`): a histogram in seconds with the advised boundaries, one
 * measurement per operation (a MULTI or pipeline is one), whatever the trace sampling decided.
 */
const METRIC_DB_CLIENT_OPERATION_DURATION = 'db.client.operation.duration';
const DB_OPERATION_DURATION_BOUNDARIES: readonly number[] = Object.freeze([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]);

/** What an operation targets, known when it starts; the metric's attributes besides the outcome. */
export interface DbOperationTarget {
  readonly system: string;
  readonly namespace?: string | undefined;
  /** Where the conventions allow it: a Redis command; never parsed from SQL text. */
  readonly operationName?: string | undefined;
  /** The summary the span has (pg). */
  readonly querySummary?: string | undefined;
  readonly serverAddress?: string | undefined;
  readonly serverPort?: number | undefined;
}

/** How an operation failed: `error.type`, and the database's own code when it answered with one. */
export interface DbFailure {
  readonly type: string;
  readonly statusCode: string | undefined;
}

/**
 * One operation being measured: started at `start` (a `performance.now()` value, which is also
 * the start time of its span, so the two durations are the same number).
 */
export interface DbMeasurement {
  readonly start: number;
  readonly target: DbOperationTarget;
}

/** The most distinct attribute sets of successful operations kept for reuse. */
const MAX_CACHED_SETS = 1024;

/** A reusable attribute set of successful operations, with the target it was built from. */
interface KnownSet {
  readonly target: DbOperationTarget;
  readonly attributes: Attributes;
}

/** An instrumentation's operation-duration histogram; made only when the agent exports metrics. */
export class DbOperationMetrics {
  private readonly histogram: LazyHistogram;
  /**
   * Frozen attribute objects of successful operations, reused: the metrics SDK records a
   * measurement with an object it has seen before several times faster than with a fresh one,
   * and an app repeats a few statements on a few connections. Found by the field that varies
   * most (the query summary, or the operation name), then by comparing the rest: no key string
   * is built per operation (building and hashing one was a quarter of a measurement's cost).
   * Bounded; a full cache starts over.
   */
  private readonly successSets = new Map<string | undefined, KnownSet[]>();
  private successCount = 0;

  constructor(meter: InstrumentationMeter) {
    this.histogram = meter.histogram(METRIC_DB_CLIENT_OPERATION_DURATION, {
      unit: 's',
      description: 'Duration of database client operations.',
      advice: { explicitBucketBoundaries: [...DB_OPERATION_DURATION_BOUNDARIES] },
    });
  }

  /**
   * Whether an operation started in `parent` is measured: always, except the agent's own work
   * (a suppressed context). Sampling and OTEL_NODE_DB_REQUIRE_PARENT_SPAN decide only the span.
   */
  measures(parent: Context): boolean {
    return !isTracingSuppressed(parent);
  }

  start(target: DbOperationTarget): DbMeasurement {
    return { start: monotonicNow(), target };
  }

  /**
   * Records `measurement` as ended at `end` (a `performance.now()` value: the span, if any, ends
   * at the same time), failed with `failure` or not.
   */
  record(measurement: DbMeasurement, end: number, failure: DbFailure | undefined): void {
    const seconds = Math.max(0, end - measurement.start) / 1000;
    const target = measurement.target;
    this.histogram.record(seconds, failure === undefined ? this.successAttributes(target) : attributesOf(target, failure));
  }

  private successAttributes(target: DbOperationTarget): Attributes {
    const varying = target.querySummary ?? target.operationName;
    let sets = this.successSets.get(varying);
    if (sets !== undefined) {
      for (let i = 0; i < sets.length; i++) if (sameTarget(sets[i]!.target, target)) return sets[i]!.attributes;
    }
    if (this.successCount >= MAX_CACHED_SETS) {
      this.successSets.clear();
      this.successCount = 0;
      sets = undefined;
    }
    if (sets === undefined) this.successSets.set(varying, (sets = []));
    const attributes = Object.freeze(attributesOf(target, undefined));
    sets.push({ target, attributes });
    this.successCount++;
    return attributes;
  }
}

/** Same metric attributes for a successful operation. */
function sameTarget(a: DbOperationTarget, b: DbOperationTarget): boolean {
  return (
    a.querySummary === b.querySummary &&
    a.operationName === b.operationName &&
    a.system === b.system &&
    a.namespace === b.namespace &&
    a.serverAddress === b.serverAddress &&
    a.serverPort === b.serverPort
  );
}

/** The metric's attributes: the target's, and the failure's when there is one. */
function attributesOf(target: DbOperationTarget, failure: DbFailure | undefined): Attributes {
  const attributes: Attributes = { [ATTR_DB_SYSTEM_NAME]: target.system };
  if (target.namespace !== undefined) attributes[ATTR_DB_NAMESPACE] = target.namespace;
  if (target.operationName !== undefined) attributes[ATTR_DB_OPERATION_NAME] = target.operationName;
  if (target.querySummary !== undefined) attributes[ATTR_DB_QUERY_SUMMARY] = target.querySummary;
  if (target.serverAddress !== undefined) attributes[ATTR_SERVER_ADDRESS] = target.serverAddress;
  if (target.serverPort !== undefined) attributes[ATTR_SERVER_PORT] = target.serverPort;
  if (failure !== undefined) {
    attributes[ATTR_ERROR_TYPE] = failure.type;
    if (failure.statusCode !== undefined) attributes[ATTR_DB_RESPONSE_STATUS_CODE] = failure.statusCode;
  }
  return attributes;
}

/** The options of a measured operation's CLIENT span: it starts when the measurement does. */
export function measuredSpanOptions(measurement: DbMeasurement | undefined): SpanOptions {
  return measurement === undefined ? DB_CLIENT_SPAN : { ...DB_CLIENT_SPAN, startTime: measurement.start };
}

/** The operation histogram of an instrumentation, or undefined when the agent exports no metrics. */
export function dbOperationMetrics(meter: InstrumentationMeter | undefined): DbOperationMetrics | undefined {
  return meter === undefined ? undefined : new DbOperationMetrics(meter);
}
