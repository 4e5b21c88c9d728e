/**
 * Which metrics otelite and the official OpenTelemetry agent emit for the same app, with zero
 * code and their default settings (metrics over OTLP): the realistic server (express 5 + pg pool
 * + node-redis + fetch) under each agent, the same requests, metrics decoded by the test kit's
 * independent OTLP decoder, one table.
 *
 *   npm run build && node build/bench/metrics-compare.js     # ≈ 1 min; writes .cache/bench/metrics-compare.md
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startReceiver } from '../test/kit/otlp-receiver';
import type { DecodedMetric } from '../test/kit/otlp-decoder';
import { agents, serverEnv, type AgentId } from './lib/agents';
import { ensureBenchDeps, ensureBuild, ensureDbServers } from './lib/deps';
import { startRealisticInfra } from './lib/load';
import { BENCH_DIR, BENCH_OUT_DIR } from './lib/paths';
import { killAll } from './lib/procs';
import { startServer } from './lib/services';

const COMPARED: AgentId[] = ['otelite', 'official'];
const REQUESTS = 40;
const LIFETIME_MS = 120_000;

interface Shape {
  type: string;
  unit: string;
  scopes: Set<string>;
  attributes: Set<string>;
}

/** Each metric's instrument shape and the union of its points' attribute keys. */
function shapes(metrics: readonly DecodedMetric[]): Map<string, Shape> {
  const out = new Map<string, Shape>();
  for (const m of metrics) {
    const type = m.type === 'sum' ? (m.monotonic ? 'counter' : 'up-down counter') : m.type;
    const shape = out.get(m.name) ?? { type, unit: m.unit, scopes: new Set<string>(), attributes: new Set<string>() };
    shape.scopes.add(m.scope.name.replace(/^@opentelemetry\/instrumentation-/, ''));
    for (const p of m.points) for (const k of Object.keys(p.attributes)) shape.attributes.add(k);
    out.set(m.name, shape);
  }
  return out;
}

async function metricsOf(agentId: AgentId, infraEnv: Record<string, string>): Promise<Map<string, Shape>> {
  const receiver = await startReceiver({ protocol: 'http/protobuf' });
  try {
    const agent = agents(`http://127.0.0.1:${receiver.port}`, 'metrics-compare').find((a) => a.id === agentId)!;
    const env = serverEnv(agent, { ...infraEnv, BENCH_MAX_LIFETIME_MS: String(LIFETIME_MS) });
    Object.assign(env, { OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '1000' });
    const server = await startServer(path.join(BENCH_DIR, 'servers', 'realistic.cjs'), agent.preload, env);
    for (let i = 1; i <= REQUESTS; i++) await (await fetch(`http://127.0.0.1:${server.port}/users/${i}`)).text();
    await (await fetch(`http://127.0.0.1:${server.port}/no/such/route`)).text();
    // Two export intervals, so that a periodic reader's observations are there too.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await server.stop(10_000);
    return shapes(receiver.metrics);
  } finally {
    await receiver.close();
  }
}

function table(results: Map<AgentId, Map<string, Shape>>): string {
  const names = [...new Set([...results.values()].flatMap((m) => [...m.keys()]))].sort();
  const cell = (s: Shape | undefined): string =>
    s === undefined ? '—' : `${s.type}, \`${s.unit}\`, from ${[...s.scopes].sort().join(', ')}: ${[...s.attributes].sort().map((a) => `\`${a}\``).join(', ') || '(none)'}`;
  const lines = [`| metric | ${COMPARED.join(' | ')} |`, `|---|${COMPARED.map(() => '---').join('|')}|`];
  for (const name of names) lines.push(`| \`${name}\` | ${COMPARED.map((id) => cell(results.get(id)?.get(name))).join(' | ')} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  ensureBuild();
  ensureBenchDeps();
  ensureDbServers();
  const infra = await startRealisticInfra(LIFETIME_MS, (line) => console.log(line));
  try {
    const results = new Map<AgentId, Map<string, Shape>>();
    for (const id of COMPARED) {
      console.log(`running ${id}…`);
      results.set(id, await metricsOf(id, infra.env));
    }
    const text = `# Metrics of one app under otelite and the official agent\n\n${REQUESTS} requests to express 5 + pg + node-redis + fetch, default settings, metrics over OTLP.\n\n${table(results)}\n`;
    mkdirSync(BENCH_OUT_DIR, { recursive: true });
    writeFileSync(path.join(BENCH_OUT_DIR, 'metrics-compare.md'), text);
    console.log(text);
  } finally {
    await infra.stop();
    killAll();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
