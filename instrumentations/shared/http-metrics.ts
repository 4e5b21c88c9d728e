import { ROOT_CONTEXT, type Attributes, type Context } from '@opentelemetry/api';
import type { InstrumentationMeter, LazyHistogram } from '../../src/instrument';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_SCHEME,
} from '../../src/semconv';
import { statusErrorType, type HttpSide } from './http-semantics';

/**
 * `http.server.request.duration` and `http.client.request.duration` (stable HTTP metrics
 * conventions): one measurement per request, whether or not it has a span, with the metric's
 * own attributes (low cardinality: no URL, no query, no peer address).
 */

/** The conventions' advised boundaries for both HTTP duration histograms, in seconds. */
const HTTP_DURATION_BOUNDARIES = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/**
 * One request being measured: what the metric's attributes need, gathered as the request goes.
 * `start` is a `performance.now()` reading; a span of the same request is started and ended with
 * the same readings, so its duration is the measurement.
 */
export class HttpMeasure {
  status: number | undefined = undefined;
  errorType: string | undefined = undefined;
  protocolVersion: string | undefined = undefined;
  /** Server side: the route template a framework matched (`/users/:id`); none for unmatched requests. */
  route: string | undefined = undefined;
  /** The context of the request's span, for the exemplar; none when the request has no span. */
  context: Context = ROOT_CONTEXT;

  constructor(
    readonly start: number,
    /** Already normalised: a known method or `_OTHER`. */
    readonly method: string,
    readonly scheme: string | undefined,
    readonly address: string | undefined,
    readonly port: number | undefined,
  ) {}

  /** A response came: its status, and `error.type` when the status is an error for this side. */
  responded(statusCode: number, side: HttpSide): void {
    this.status = statusCode;
    this.errorType = statusErrorType(statusCode, side) ?? this.errorType;
  }
}

/** Distinct attribute sets kept for reuse; beyond, each measurement gets a fresh object. */
const CACHED_SETS = 2000;

/** A reusable attribute set, with the fields it was built from. */
interface KnownSet {
  readonly measure: HttpMeasure;
  readonly attributes: Attributes;
}

export class HttpDuration {
  private readonly histogram: LazyHistogram;
  /**
   * One frozen attribute object per distinct set, reused: the SDK finds the series of an object
   * it has seen again at a fraction of the cost of a fresh one. Found by route and status (the
   * fields that vary most; Map keys without building a string), then by comparing the rest.
   */
  private readonly known = new Map<string | undefined, Map<number | undefined, KnownSet[]>>();
  private knownCount = 0;

  constructor(
    meter: InstrumentationMeter,
    private readonly side: HttpSide,
  ) {
    this.histogram = meter.histogram(`http.${side}.request.duration`, {
      unit: 's',
      description: side === 'server' ? 'Duration of HTTP server requests.' : 'Duration of HTTP client requests.',
      advice: { explicitBucketBoundaries: HTTP_DURATION_BOUNDARIES },
    });
  }

  /** The request is over at `end` (a `performance.now()` reading). */
  record(measure: HttpMeasure, end: number): void {
    this.histogram.record((end - measure.start) / 1000, this.attributesOf(measure), measure.context);
  }

  private attributesOf(measure: HttpMeasure): Attributes {
    let byStatus = this.known.get(measure.route);
    if (byStatus === undefined) this.known.set(measure.route, (byStatus = new Map()));
    let sets = byStatus.get(measure.status);
    if (sets === undefined) byStatus.set(measure.status, (sets = []));
    for (let i = 0; i < sets.length; i++) if (sameSet(sets[i].measure, measure)) return sets[i].attributes;
    const attributes = this.build(measure);
    if (this.knownCount < CACHED_SETS) {
      this.knownCount++;
      sets.push({ measure, attributes: Object.freeze(attributes) });
    }
    return attributes;
  }

  private build(measure: HttpMeasure): Attributes {
    const attributes: Attributes = { [ATTR_HTTP_REQUEST_METHOD]: measure.method };
    if (measure.scheme !== undefined) attributes[ATTR_URL_SCHEME] = measure.scheme;
    if (this.side === 'client') {
      if (measure.address !== undefined) attributes[ATTR_SERVER_ADDRESS] = measure.address;
      if (measure.port !== undefined) attributes[ATTR_SERVER_PORT] = measure.port;
    } else if (measure.route !== undefined) {
      attributes[ATTR_HTTP_ROUTE] = measure.route;
    }
    if (measure.status !== undefined) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = measure.status;
    if (measure.errorType !== undefined) attributes[ATTR_ERROR_TYPE] = measure.errorType;
    if (measure.protocolVersion !== undefined) attributes[ATTR_NETWORK_PROTOCOL_VERSION] = measure.protocolVersion;
    return attributes;
  }
}

/** Same attributes, given the same route and status. */
function sameSet(a: HttpMeasure, b: HttpMeasure): boolean {
  return (
    a.method === b.method &&
    a.errorType === b.errorType &&
    a.scheme === b.scheme &&
    a.protocolVersion === b.protocolVersion &&
    a.address === b.address &&
    a.port === b.port
  );
}
