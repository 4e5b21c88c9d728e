import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { gzipSync } from 'node:zlib';
import type { Config, OtlpConfig } from '../config/types';
import { encodeLogsRequestJson } from '../export/otlp/encode-logs-json';
import { encodeLogsRequest } from '../export/otlp/encode-logs-protobuf';
import { encodeMetricsRequestJson } from '../export/otlp/encode-metrics-json';
import { encodeMetricsRequest } from '../export/otlp/encode-metrics-protobuf';
import { encodeTraceRequestJson } from '../export/otlp/encode-json';
import { encodeTraceRequest } from '../export/otlp/encode-protobuf';
import { explainFailure, printableTarget, type Signal } from '../export/otlp/explain';
import { createTransport } from '../export/otlp/create-transport';
import { rejectionOf } from '../export/otlp/response';
import type { AttemptOutcome } from '../export/otlp/retry';
import type { OtlpTransport } from '../export/otlp/transport';
import { newSpanId, newTraceId } from '../sdk/ids';
import { createResource } from '../sdk/resource';
import type { LogRecordData } from '../logs/data';
import type { ResourceMetrics } from '../metrics/data';
import type { SpanData } from '../sdk/span-data';
import { secretsOf } from '../secrets';
import { VERSION } from '../version';

/**
 * The doctor's endpoint checks: for each signal exported over OTLP, what the agent would send (a
 * valid export request carrying one synthetic item, encoded, compressed and sent by the
 * exporter's own encoders and transports, with its headers and TLS material), one attempt within
 * a short timeout, no retry, and what came back in the agent's words (`explainFailure`).
 */

const PROBE_TIMEOUT_MS = 2000;
export const PROBE_SPAN_NAME = 'otelite doctor probe';
export const PROBE_METRIC_NAME = 'otelite.doctor.probe';
const PROBE_LOG_BODY = 'otelite doctor probe: sent once to check that log records reach the backend';
const PROBE_SCOPE = { name: 'otelite/doctor', version: VERSION, schemaUrl: undefined };

interface ProbeRequest {
  bytes: Uint8Array;
  /** How a user finds the synthetic item in their backend. */
  identity: string;
  /** What the request carries, for a partial success ("1 of 1 spans"). */
  unit: string;
}

/** One signal the agent may export: adding metrics or logs is one more entry in SIGNALS. */
interface SignalEntry {
  signal: Signal;
  exporters(config: Config): readonly string[];
  otlp(config: Config): OtlpConfig;
  request(config: Config, json: boolean): ProbeRequest;
}

function probeSpan(config: Config): SpanData {
  const now = Date.now();
  return {
    name: PROBE_SPAN_NAME,
    kind: SpanKind.INTERNAL,
    traceId: newTraceId(),
    spanId: newSpanId(),
    parentSpanId: undefined,
    parentIsRemote: false,
    traceFlags: 1,
    traceState: undefined,
    startTime: now,
    endTime: now + 1,
    attributeKeys: [],
    attributeValues: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: SpanStatusCode.UNSET },
    scope: PROBE_SCOPE,
    resource: createResource({ serviceName: config.serviceName, attributes: config.resourceAttributes }),
  };
}

/** One gauge point, value 1: the smallest valid metrics export, and it adds up to nothing in a backend. */
function probeMetrics(config: Config, time: number): ResourceMetrics {
  return {
    resource: createResource({ serviceName: config.serviceName, attributes: config.resourceAttributes }),
    scopeMetrics: [
      {
        scope: PROBE_SCOPE,
        metrics: [
          {
            type: 'gauge',
            name: PROBE_METRIC_NAME,
            description: 'sent once by otelite doctor to check that metrics reach the backend',
            unit: '1',
            instrumentKind: 'gauge',
            numberKind: 'int',
            points: [{ attributes: {}, startTime: time, time, value: 1, exemplars: [] }],
          },
        ],
      },
    ],
  };
}

/** One INFO record, the probe's event name on it. */
function probeLogRecord(config: Config, time: number): LogRecordData {
  return {
    timestamp: time,
    observedTimestamp: time,
    severityNumber: 9,
    severityText: 'INFO',
    body: PROBE_LOG_BODY,
    attributes: {},
    droppedAttributesCount: 0,
    eventName: PROBE_METRIC_NAME,
    traceId: undefined,
    spanId: undefined,
    traceFlags: 0,
    scope: PROBE_SCOPE,
    resource: createResource({ serviceName: config.serviceName, attributes: config.resourceAttributes }),
  };
}

const SIGNALS: readonly SignalEntry[] = [
  {
    signal: 'traces',
    exporters: (config) => config.tracesExporters,
    otlp: (config) => config.otlp,
    request: (config, json) => {
      const span = probeSpan(config);
      return {
        bytes: json ? encodeTraceRequestJson([span]) : encodeTraceRequest([span]),
        identity: `span "${PROBE_SPAN_NAME}" of service "${config.serviceName}", trace id ${span.traceId}`,
        unit: 'spans',
      };
    },
  },
  {
    signal: 'metrics',
    exporters: (config) => config.metrics.exporters,
    otlp: (config) => config.metrics.otlp,
    request: (config, json) => {
      const time = Date.now();
      const metrics = probeMetrics(config, time);
      return {
        bytes: json ? encodeMetricsRequestJson(metrics) : encodeMetricsRequest(metrics),
        identity: `gauge "${PROBE_METRIC_NAME}" = 1 of service "${config.serviceName}" at ${new Date(time).toISOString()}`,
        unit: 'data points',
      };
    },
  },
  {
    signal: 'logs',
    exporters: (config) => config.logs.exporters,
    otlp: (config) => config.logs.otlp,
    request: (config, json) => {
      const time = Date.now();
      const record = probeLogRecord(config, time);
      return {
        bytes: json ? encodeLogsRequestJson([record]) : encodeLogsRequest([record]),
        identity: `INFO log record "${PROBE_LOG_BODY}" of service "${config.serviceName}" at ${new Date(time).toISOString()}`,
        unit: 'log records',
      };
    },
  },
];

export interface CheckResult {
  /** What was checked, as the Checks section names it: a signal, or `prometheus`. */
  label: string;
  state: 'passed' | 'failed' | 'skipped';
  /** One line: what happened, in the agent's words. */
  summary: string;
  /** For the verdict line: `traces reach <url> (HTTP 200)`, or the problem. */
  headline: string;
}

function accepted(outcome: AttemptOutcome, otlp: OtlpConfig): string {
  return otlp.protocol === 'grpc' ? 'gRPC OK' : `HTTP ${outcome.status ?? '2xx'}`;
}

/** Rejected items of a successful response (OTLP partial success), if any. */
function partialRejection(outcome: AttemptOutcome, otlp: OtlpConfig, signal: Signal, unit: string): string | undefined {
  const rejection = rejectionOf(outcome.body, otlp.protocol === 'http/json', signal, secretsOf(Object.values(otlp.headers)));
  return rejection === undefined ? undefined : `rejected ${rejection.rejected} of 1 ${unit}${rejection.why}`;
}

async function probe(entry: SignalEntry, config: Config): Promise<CheckResult> {
  const signal = entry.signal;
  const otlp = entry.otlp(config);
  const target = { endpoint: otlp.endpoint, protocol: otlp.protocol, signal };
  const where = printableTarget(target);
  const over = `over ${otlp.protocol}`;
  const fail = (problem: string): CheckResult => ({ label: signal, state: 'failed', summary: `FAILED ${over}: ${problem}`, headline: `${signal}: ${problem}` });

  let transport: OtlpTransport;
  try {
    transport = createTransport(otlp, signal);
  } catch (err) {
    return fail(`the exporter cannot start: ${(err as Error).message}; nothing would be sent`);
  }
  // The transports unref their sockets and timers (the agent must never hold an app open); the
  // doctor has nothing else to wait for, so this timer keeps the process alive until the answer.
  const keepAlive = setTimeout(() => {}, PROBE_TIMEOUT_MS + 1000);
  try {
    const request = entry.request(config, otlp.protocol === 'http/json');
    const compressed = otlp.compression === 'gzip';
    const body = compressed ? gzipSync(request.bytes, { level: 1 }) : request.bytes;
    const outcome = await transport.send(body, { timeoutMs: PROBE_TIMEOUT_MS, compressed });
    if (!outcome.ok) return fail(explainFailure(outcome, target));
    const status = accepted(outcome, otlp);
    const rejection = partialRejection(outcome, otlp, signal, request.unit);
    if (rejection !== undefined) return fail(`${where} answered ${status} but ${rejection}`);
    return {
      label: signal,
      state: 'passed',
      summary: `accepted ${over} by ${where} (${status}): ${request.identity}`,
      headline: `${signal} reach ${where} (${status})`,
    };
  } finally {
    clearTimeout(keepAlive);
    transport.shutdown();
  }
}

function skipped(signal: Signal, why: string): CheckResult {
  return { label: signal, state: 'skipped', summary: `skipped: ${why}`, headline: `${signal} not checked: ${why}` };
}

/**
 * Every signal's check, in order; skipped when the agent is disabled or the signal is not exported
 * over OTLP. The probes run at once: the doctor answers within one probe's timeout.
 */
export function checkSignals(config: Config): Promise<CheckResult[]> {
  return Promise.all(
    SIGNALS.map((entry) => {
      const exporters = entry.exporters(config);
      if (config.disabled) return skipped(entry.signal, 'the agent is disabled (OTEL_SDK_DISABLED=true)');
      if (!exporters.includes('otlp')) {
        return skipped(entry.signal, `the ${entry.signal} exporters (${exporters.join(', ') || 'none'}) do not include otlp`);
      }
      return probe(entry, config);
    }),
  );
}
