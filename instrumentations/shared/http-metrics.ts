import type { Attributes } from '@opentelemetry/api';
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

export class HttpDuration {
  private readonly histogram: LazyHistogram;

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
    this.histogram.record((end - measure.start) / 1000, attributes);
  }
}
