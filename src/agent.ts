import { context, diag, metrics, propagation, trace } from '@opentelemetry/api';
import { readConfig } from './config';
import { describeExport, describeMetricsExport } from './config/describe';
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

function createProcessors(config: Config): SpanProcessor {
  const processors: SpanProcessor[] = [];
  for (const name of config.tracesExporters) {
    // Exporters are loaded only when configured: each costs start-up time to load.
    if (name === 'console') {
      const { ConsoleSpanExporter } = require('./export/console-exporter') as typeof import('./export/console-exporter');
      processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter(config.consoleFormat)));
    } else {
      const { OtlpTraceExporter } = require('./export/otlp/exporter') as typeof import('./export/otlp/exporter');
      processors.push(new BatchSpanProcessor(new OtlpTraceExporter(config.otlp), config.batch));
    }
  }
  if (processors.length === 0) return NOOP_PROCESSOR;
  return processors.length === 1 ? processors[0] : new MultiSpanProcessor(processors);
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
    const selected = selectInstrumentations(createInstrumentations({ http, db: { ...config.db, ...measuring }, runtime: measuring }), config);
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
  return `otelite ${VERSION} started: service=${config.serviceName} exporter=${describeExport(config)} metrics=${describeMetricsExport(config)} sampler=${sampler} propagators=${propagators}`;
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
 * Spans and metrics flushed and shut down together, within the same exit deadline. When the
 * event loop empties (`beforeExit`), metrics are flushed at most once per export interval: their
 * export always has something to send (observable instruments), and it empties the loop again.
 */
function bothSignals(traces: TracerProvider, meters: LazyMeterProvider, intervalMs: number): Flushable {
  let lastIdleFlush = -Infinity;
  return {
    forceFlush: () => Promise.all([traces.forceFlush(), meters.forceFlush()]).then(() => undefined),
    flushWhenIdle: () => {
      const now = Date.now();
      if (now - lastIdleFlush < intervalMs) return traces.forceFlush();
      // Counted from the end: an export slower than the interval must not start the next one.
      const metricsDone = meters.forceFlush().finally(() => (lastIdleFlush = Date.now()));
      lastIdleFlush = Infinity;
      return Promise.all([traces.forceFlush(), metricsDone]).then(() => undefined);
    },
    shutdown: () => Promise.all([traces.shutdown(), meters.shutdown()]).then(() => undefined),
    unexported: () => traces.unexported(),
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
  const signals = meters === undefined ? provider : bothSignals(provider, meters, config.metrics.intervalMs);
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
