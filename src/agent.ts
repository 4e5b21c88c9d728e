import { context, diag, metrics, propagation, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { readConfig } from './config';
import { describeExport, describeLogsExport, describeMetricsExport } from './config/describe';
import { didYouMean } from './config/suggest';
import type { Config, HttpInstrumentationConfig } from './config/types';
import { AsyncLocalStorageContextManager } from './context/als-context-manager';
import { installDiagLogger } from './diag';
import { enableChannels, installHooks } from './instrument/hooks';
import type { Instrumentation } from './instrument/types';
import { createInstrumentations } from '../instrumentations';
import { BatchSpanProcessor } from './export/batch-processor';
import { SimpleSpanProcessor } from './export/simple-processor';
import { installExitHooks, SHUTDOWN_DEADLINE_MS, type Flushable } from './lifecycle';
import { LazyLoggerProvider } from './logs/lazy-logger-provider';
import { LazyMeterProvider } from './metrics/lazy-meter-provider';
import { createPropagator } from './propagation';
import { MultiSpanProcessor, NOOP_PROCESSOR, type SpanProcessor } from './sdk/processor';
import { TracerProvider } from './sdk/provider';
import { createResource } from './sdk/resource';
import type { ResourceData } from './sdk/span-data';
import { createSampler, dropsEveryNewTrace } from './sdk/sampler';
import { VERSION } from './version';

/**
 * The composition root: the only module that knows every part. It turns the configuration into
 * a provider, context manager and propagator, registers them with @opentelemetry/api, and
 * installs the exit hooks.
 */
export interface Agent {
  readonly config: Config;
  readonly provider: TracerProvider;
  /** Flushes and stops exporting; used by tests and by embedders. */
  shutdown(): Promise<void>;
}

/** One agent per process, even when two copies of the package are loaded. */
const AGENT_KEY = Symbol.for('otelite.agent');
type AgentGlobal = typeof globalThis & { [AGENT_KEY]?: Agent };

export function getAgent(): Agent | undefined {
  return (globalThis as AgentGlobal)[AGENT_KEY];
}

/**
 * OTLP over protobuf (http or grpc) keeps each span as its bytes from its end to its export
 * (span-bytes.ts: fewer objects alive, a smaller young generation); JSON keeps the spans.
 */
function otlpSpanProcessor(config: Config): SpanProcessor {
  const { OtlpTraceExporter, OtlpTraceBytesExporter } = require('./export/otlp/exporter') as typeof import('./export/otlp/exporter');
  if (config.otlp.protocol === 'http/json') return new BatchSpanProcessor(new OtlpTraceExporter(config.otlp), config.batch);
  const { SpanBytesQueue } = require('./export/otlp/span-bytes') as typeof import('./export/otlp/span-bytes');
  return new BatchSpanProcessor(new OtlpTraceBytesExporter(config.otlp), config.batch, new SpanBytesQueue(config.batch.maxExportBatchSize));
}

function createProcessors(config: Config): SpanProcessor {
  const processors: SpanProcessor[] = [];
  for (const name of config.tracesExporters) {
    // Exporters are loaded only when configured: each costs start-up time to load.
    if (name === 'console') {
      const { ConsoleSpanExporter } = require('./export/console-exporter') as typeof import('./export/console-exporter');
      processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter(config.consoleFormat)));
    } else {
      processors.push(otlpSpanProcessor(config));
    }
  }
  if (processors.length === 0) return NOOP_PROCESSOR;
  const exporting = processors.length === 1 ? processors[0] : new MultiSpanProcessor(processors);
  if (config.sampler.tail === undefined) return exporting;
  const { TailSamplingProcessor } = require('./export/tail-processor') as typeof import('./export/tail-processor');
  return new TailSamplingProcessor(exporting, config.sampler.tail);
}

/** Applies OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS. */
export function selectInstrumentations(all: readonly Instrumentation[], config: Config): Instrumentation[] {
  const known = new Set(all.map((i) => i.name));
  for (const name of [...(config.enabledInstrumentations ?? []), ...config.disabledInstrumentations]) {
    if (!known.has(name)) {
      diag.warn(`unknown instrumentation "${name}"${didYouMean(name, [...known])} in OTEL_NODE_*_INSTRUMENTATIONS; known: ${[...known].join(', ')}`);
    }
  }
  return all.filter(
    (i) =>
      (config.enabledInstrumentations === undefined || config.enabledInstrumentations.includes(i.name)) &&
      !config.disabledInstrumentations.includes(i.name),
  );
}

function startInstrumentations(config: Config, http: HttpInstrumentationConfig): void {
  try {
    const measuring = { metrics: http.metrics };
    const logs = { send: config.logs.sendLoggers, captureConsole: config.logs.captureConsole && config.logs.exporters.length > 0 };
    const selected = selectInstrumentations(createInstrumentations({ http, db: { ...config.db, ...measuring }, runtime: measuring, logs }), config);
    installHooks(selected);
    enableChannels(selected);
    diag.debug(`instrumentations on: ${selected.map((i) => i.name).join(', ') || 'none'}`);
  } catch (error) {
    diag.error('instrumentations could not be installed; manual spans still work', error);
  }
}

function describe(config: Config): string {
  const sampler = config.sampler.name.includes('ratio') ? `${config.sampler.name}(${config.sampler.ratio})` : config.sampler.name;
  const propagators = config.propagators.length === 0 ? 'none' : config.propagators.join(',');
  return `otelite ${VERSION} started: service=${config.serviceName} exporter=${describeExport(config)} metrics=${describeMetricsExport(config)} logs=${describeLogsExport(config)} sampler=${sampler} propagators=${propagators}`;
}

/**
 * Registers the MeterProvider when a metrics exporter is configured. The SDK itself loads when
 * something first asks for a meter (LazyMeterProvider), or at once for the Prometheus endpoint,
 * which must answer from the start.
 */
function startMetrics(config: Config, resource: ResourceData): LazyMeterProvider | undefined {
  if (config.metrics.exporters.length === 0) return undefined;
  const meters = new LazyMeterProvider(
    () => (require('./metrics/setup') as typeof import('./metrics/setup')).createMeterProvider(config, resource),
    (error) => diag.error('the metrics SDK could not start; metrics are off, spans go on', error),
  );
  if (!metrics.setGlobalMeterProvider(meters)) {
    diag.warn('another OpenTelemetry SDK registered a MeterProvider first; metrics from the API may not reach otelite');
    return undefined;
  }
  if (config.metrics.exporters.includes('prometheus')) meters.load();
  return meters;
}

/**
 * Registers the LoggerProvider with @opentelemetry/api-logs when a logs exporter is configured.
 * The Logs SDK itself loads when something first asks for a logger (LazyLoggerProvider).
 */
function startLogs(config: Config, resource: ResourceData): LazyLoggerProvider | undefined {
  if (config.logs.exporters.length === 0) return undefined;
  const loggers = new LazyLoggerProvider(
    () => (require('./logs/setup') as typeof import('./logs/setup')).createLoggerProvider(config, resource),
    (error) => diag.error('the Logs SDK could not start; logs are off, spans go on', error),
  );
  // api-logs returns the provider registered first rather than a boolean.
  if (logs.setGlobalLoggerProvider(loggers) !== loggers) {
    diag.warn('another OpenTelemetry SDK registered a LoggerProvider first; log records from the API may not reach otelite');
    return undefined;
  }
  return loggers;
}

/** One signal as the exit hooks see it. */
interface SignalPart extends Flushable {
  /**
   * At `beforeExit`, flushed at most once per this many ms: metrics, whose export always has
   * something to send (observable instruments) and empties the loop again.
   */
  idleIntervalMs?: number;
}

/**
 * Every signal flushed and shut down together, within the same exit deadline; what each would
 * lose named together. When the event loop empties (`beforeExit`), a part with an idle interval
 * is flushed at most once per interval, counted from the end of its last flush (an export slower
 * than the interval must not start the next one).
 */
function allSignals(parts: readonly SignalPart[]): Flushable {
  if (parts.length === 1) return parts[0];
  const lastIdleFlush = parts.map(() => -Infinity);
  const all = (run: (part: SignalPart, i: number) => Promise<void>): Promise<void> => Promise.all(parts.map(run)).then(() => undefined);
  return {
    forceFlush: () => all((part) => part.forceFlush()),
    flushWhenIdle: () =>
      all((part, i) => {
        if (part.idleIntervalMs === undefined) return part.forceFlush();
        if (Date.now() - lastIdleFlush[i] < part.idleIntervalMs) return Promise.resolve();
        lastIdleFlush[i] = Infinity;
        return part.forceFlush().finally(() => (lastIdleFlush[i] = Date.now()));
      }),
    shutdown: () => all((part) => part.shutdown()),
    unexported: () => {
      const lost = parts.map((part) => part.unexported?.()).filter((s) => s !== undefined);
      return lost.length > 0 ? lost.join(', ') : undefined;
    },
  };
}

export function startAgent(env: NodeJS.ProcessEnv = process.env): Agent | undefined {
  const existing = getAgent();
  if (existing !== undefined) return existing;

  const { config, warnings } = readConfig(env);
  if (config.disabled) return undefined;
  // The default level is warn: the agent speaks up only when something is wrong. At info (or
  // more) it also says that it started and when the first spans left.
  installDiagLogger(config.logLevel);
  for (const warning of warnings) diag.warn(warning);

  const resource = createResource({ serviceName: config.serviceName, attributes: config.resourceAttributes });
  const provider = new TracerProvider({
    resource,
    sampler: createSampler(config.sampler),
    limits: config.limits,
    processor: createProcessors(config),
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const registered = [
    context.setGlobalContextManager(contextManager),
    trace.setGlobalTracerProvider(provider),
    propagation.setGlobalPropagator(createPropagator(config.propagators)),
  ];
  const ours = !registered.includes(false);
  if (!ours) diag.warn('another OpenTelemetry SDK was registered first; spans from the API may not reach otelite');
  // When another SDK was registered first, its sampler decides, not ours: the instrumentations
  // may not assume new traces are dropped.
  // Metrics first: the instrumentations measure only when the agent's MeterProvider is registered.
  const meters = startMetrics(config, resource);
  startInstrumentations(config, { ...config.http, newTracesDropped: ours && dropsEveryNewTrace(config.sampler), metrics: meters !== undefined });
  const loggers = startLogs(config, resource);
  const parts: SignalPart[] = [provider];
  if (meters !== undefined) parts.push({ forceFlush: () => meters.forceFlush(), shutdown: () => meters.shutdown(), idleIntervalMs: config.metrics.intervalMs });
  if (loggers !== undefined) parts.push(loggers);
  const signals = allSignals(parts);
  const removeExitHooks = installExitHooks(signals, Math.min(SHUTDOWN_DEADLINE_MS, config.batch.exportTimeoutMs));
  const agent: Agent = {
    config,
    provider,
    async shutdown() {
      removeExitHooks();
      await signals.shutdown();
    },
  };
  (globalThis as AgentGlobal)[AGENT_KEY] = agent;

  diag.info(describe(config));
  return agent;
}
