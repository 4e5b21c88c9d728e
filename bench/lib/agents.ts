import { CONTEXT_FLOOR, OTELITE_REGISTER, benchRequire } from './paths';

export type AgentId =
  | 'none'
  | 'otelite'
  | 'otelite-traces'
  | 'otelite-off'
  | 'otelite-off-traces'
  | 'otelite-off-no-runtime'
  | 'otelite-tail'
  | 'otelite-ratio'
  | 'otelite-baseline'
  | 'otelite-baseline-off'
  | 'context-floor'
  | 'official' | 'official-http-express' | 'dd-trace';
export type ServerId = 'http' | 'express' | 'fastify' | 'realistic';

export const SERVER_IDS: readonly ServerId[] = ['http', 'express', 'fastify', 'realistic'];
/** The hello-world servers (no database): the ones bench:profile and bench:survivors load. */
export type HelloServer = Exclude<ServerId, 'realistic'>;
export const HELLO_SERVERS: readonly HelloServer[] = ['http', 'express', 'fastify'];
export const SERVER_LABELS: Record<ServerId, string> = {
  http: 'node:http',
  express: 'express 5',
  fastify: 'fastify 5',
  realistic: 'express 5 + pg + redis + fetch',
};

export interface Agent {
  id: AgentId;
  label: string;
  /** Module given to `node --require` (absolute path), or undefined for no agent. */
  preload: string | undefined;
  /** How the preload is written in printed commands. */
  preloadLabel: string | undefined;
  /** Environment variables set for the server (besides NODE_ENV and the suite's BENCH_*). */
  env: Record<string, string>;
  /** Whether the agent is expected to export spans (the sink must count some). */
  exports: boolean;
  /** The servers this agent runs on. */
  servers: readonly ServerId[];
}

export const AGENT_IDS: readonly AgentId[] = [
  'none',
  'otelite',
  'otelite-traces',
  'otelite-off',
  'otelite-off-traces',
  'otelite-off-no-runtime',
  'otelite-tail',
  'otelite-ratio',
  'otelite-baseline',
  'otelite-baseline-off',
  'context-floor',
  'official',
  'official-http-express',
  'dd-trace',
];

/**
 * Refuses the baseline agents when OTELITE_BASELINE does not name the other build: without it the
 * "baseline" would run no agent at all, under the baseline's label.
 */
export function checkBaseline(ids: readonly string[]): void {
  const baseline = ids.filter((id) => id.startsWith('otelite-baseline'));
  if (baseline.length > 0 && !process.env['OTELITE_BASELINE']) {
    throw new Error(`${baseline.join(', ')} need${baseline.length === 1 ? 's' : ''} OTELITE_BASELINE=<the other build>/src/register.js`);
  }
}

/**
 * The agents, each configured to export every span to the suite's sink at `sink` (http://127.0.0.1:PORT):
 * otelite and the official agent over OTLP http/protobuf, dd-trace over its agent protocol.
 */
export function agents(sink: string, serviceName: string): Agent[] {
  const otlp = {
    OTEL_SERVICE_NAME: serviceName,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_ENDPOINT: sink,
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
  };
  const official = {
    ...otlp,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process',
  };
  const all = SERVER_IDS;
  return [
    { id: 'none', label: 'none', preload: undefined, preloadLabel: undefined, env: {}, exports: false, servers: all },
    {
      id: 'otelite',
      label: 'otelite',
      preload: OTELITE_REGISTER,
      preloadLabel: 'build/src/register.js',
      env: otlp,
      exports: true,
      servers: all,
    },
    {
      id: 'otelite-traces',
      label: 'otelite, no metrics',
      preload: OTELITE_REGISTER,
      preloadLabel: 'build/src/register.js',
      env: { ...otlp, OTEL_METRICS_EXPORTER: 'none' },
      exports: true,
      servers: HELLO_SERVERS,
    },
    {
      id: 'otelite-off',
      label: 'otelite, sampler always_off',
      preload: OTELITE_REGISTER,
      preloadLabel: 'build/src/register.js',
      env: { ...otlp, OTEL_TRACES_SAMPLER: 'always_off' },
      exports: false,
      servers: HELLO_SERVERS,
    },
    {
      id: 'otelite-off-traces',
      label: 'otelite, sampler always_off, no metrics',
      preload: OTELITE_REGISTER,
      preloadLabel: 'build/src/register.js',
      env: { ...otlp, OTEL_TRACES_SAMPLER: 'always_off', OTEL_METRICS_EXPORTER: 'none' },
      exports: false,
      servers: HELLO_SERVERS,
    },
    {
      // The HTTP duration metrics without the runtime ones (GC observer, event-loop timer): what
      // each part of the sampler-off agent costs. node:http only, to keep the full run short.
      id: 'otelite-off-no-runtime',
      label: 'otelite, sampler always_off, no runtime metrics',
      preload: OTELITE_REGISTER,
      preloadLabel: 'build/src/register.js',
      env: { ...otlp, OTEL_TRACES_SAMPLER: 'always_off', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'runtime' },
      exports: false,
      servers: ['http'],
    },
    {
      // Every span recorded and held until its root ends; a tenth kept by the ratio, the rest dropped.
      id: 'otelite-tail',
      label: 'otelite, otelite_tail ratio=0.1',
      preload: OTELITE_REGISTER,
      preloadLabel: 'build/src/register.js',
      env: { ...otlp, OTEL_TRACES_SAMPLER: 'otelite_tail', OTEL_TRACES_SAMPLER_ARG: 'ratio=0.1' },
      exports: true,
      servers: HELLO_SERVERS,
    },
    {
      // The head-sampling counterpart: the other nine tenths are never recorded.
      id: 'otelite-ratio',
      label: 'otelite, parentbased_traceidratio 0.1',
      preload: OTELITE_REGISTER,
      preloadLabel: 'build/src/register.js',
      env: { ...otlp, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
      exports: true,
      servers: HELLO_SERVERS,
    },
    {
      // Another build of otelite (OTELITE_BASELINE=/path/to/build/src/register.js), for a
      // change's before and after in one interleaved run; run.ts refuses it without the variable.
      id: 'otelite-baseline',
      label: 'otelite, baseline build',
      preload: process.env['OTELITE_BASELINE'],
      preloadLabel: '$OTELITE_BASELINE',
      env: otlp,
      exports: true,
      servers: all,
    },
    {
      id: 'otelite-baseline-off',
      label: 'otelite, baseline build, sampler always_off',
      preload: process.env['OTELITE_BASELINE'],
      preloadLabel: '$OTELITE_BASELINE',
      env: { ...otlp, OTEL_TRACES_SAMPLER: 'always_off' },
      exports: false,
      servers: HELLO_SERVERS,
    },
    {
      // No agent: one AsyncLocalStorage store per request and nothing else, the floor under any
      // agent whose context rides on AsyncLocalStorage (bench/floor/context-only.cjs).
      id: 'context-floor',
      label: 'context floor (AsyncLocalStorage only)',
      preload: CONTEXT_FLOOR,
      preloadLabel: 'bench/floor/context-only.cjs',
      env: {},
      exports: false,
      servers: all,
    },
    {
      id: 'official',
      label: 'OpenTelemetry (all default instrumentations)',
      preload: resolveOr('@opentelemetry/auto-instrumentations-node/register'),
      preloadLabel: '@opentelemetry/auto-instrumentations-node/register',
      env: official,
      exports: true,
      servers: all,
    },
    {
      id: 'official-http-express',
      label: 'OpenTelemetry (only http + express)',
      preload: resolveOr('@opentelemetry/auto-instrumentations-node/register'),
      preloadLabel: '@opentelemetry/auto-instrumentations-node/register',
      env: { ...official, OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express' },
      exports: true,
      servers: ['express'],
    },
    {
      id: 'dd-trace',
      label: 'dd-trace',
      preload: resolveOr('dd-trace/init'),
      preloadLabel: 'dd-trace/init',
      env: {
        DD_SERVICE: serviceName,
        DD_ENV: 'bench',
        DD_TRACE_AGENT_URL: sink,
        DD_TRACE_SAMPLE_RATE: '1',
        DD_REMOTE_CONFIGURATION_ENABLED: 'false',
        DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
        DD_TRACE_STARTUP_LOGS: 'false',
        DD_PROFILING_ENABLED: 'false',
        DD_RUNTIME_METRICS_ENABLED: 'false',
        DD_TRACE_STATS_COMPUTATION_ENABLED: 'false',
        DD_APPSEC_ENABLED: 'false',
        DD_IAST_ENABLED: 'false',
        DD_DATA_STREAMS_ENABLED: 'false',
        DD_DYNAMIC_INSTRUMENTATION_ENABLED: 'false',
        DD_CRASHTRACKING_ENABLED: 'false',
        DD_LOGS_INJECTION: 'false',
      },
      exports: true,
      servers: all,
    },
  ];
}

function resolveOr(request: string): string {
  try {
    return benchRequire.resolve(request);
  } catch {
    return request; // reported when the server fails to start
  }
}

/**
 * The environment of a server under test: the suite's own environment without any OTEL_*, DD_*
 * or NODE_OPTIONS (so nothing leaks in from the shell), plus the agent's.
 */
export function serverEnv(agent: Agent, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('OTEL_') || key.startsWith('DD_') || key.startsWith('OTELITE_') || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return { ...env, NODE_ENV: 'production', ...extra, ...agent.env };
}

/** `KEY=value ... node [--require X] file`, as printed in the results. */
export function commandLine(agent: Agent, file: string, flag: '--require' | '--import' = '--require'): string {
  const env = Object.entries({ NODE_ENV: 'production', ...agent.env })
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const preload = agent.preloadLabel !== undefined ? ` ${flag} ${agent.preloadLabel}` : '';
  return `${env} node${preload} ${file}`;
}
