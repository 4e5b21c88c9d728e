/**
 * Peak RSS of an app with 2000 series per metric on 10 metrics (bench/rss/metrics-app.cjs: 5
 * counters and 5 histograms, recorded through @opentelemetry/api for a few seconds), without an
 * agent (the API's no-op meter), with otelite and with the official agent, each exporting its
 * metrics over OTLP http/protobuf every second to a closed port (so every collection and
 * encoding happens, and the failed exports too), traces and logs off. Runs interleave; peak RSS
 * is VmHWM read while the app is still alive, once it has printed `done`; medians.
 *
 *   npx tsc -p tsconfig.json && node build/bench/micro/metrics-rss.js [--runs N] [--seconds S] [--json]
 */
import * as path from 'node:path';
import { agents, commandLine, serverEnv, type Agent } from '../lib/agents';
import { BENCH_DIR } from '../lib/paths';
import { peakRss, spawnTracked, stopChild, tail, waitForLine } from '../lib/procs';
import { median } from './harness';

const APP = path.join(BENCH_DIR, 'rss', 'metrics-app.cjs');
/** Port 9 (discard) is closed on this machine: every export fails at once, as with a collector down. */
const CLOSED = 'http://127.0.0.1:9';

const METRICS_ENV = {
  OTEL_SERVICE_NAME: 'rss-app',
  OTEL_TRACES_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
  OTEL_METRICS_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  OTEL_EXPORTER_OTLP_ENDPOINT: CLOSED,
  OTEL_METRIC_EXPORT_INTERVAL: '1000',
};

function contenders(): Agent[] {
  const byId = new Map(agents(CLOSED, 'rss-app').map((a) => [a.id, a]));
  const none = byId.get('none')!;
  const otelite = byId.get('otelite')!;
  const official = byId.get('official')!;
  const officialEnv = { ...METRICS_ENV, OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process' };
  // Each agent also with OTEL_METRICS_EXPORTER=none: its own footprint, apart from the series'.
  return [
    { ...none, label: 'no agent (API no-op meter)' },
    { ...otelite, label: 'otelite, metrics exporter none', env: { ...METRICS_ENV, OTEL_METRICS_EXPORTER: 'none' } },
    { ...otelite, env: METRICS_ENV },
    { ...official, label: 'official agent, metrics exporter none', env: { ...officialEnv, OTEL_METRICS_EXPORTER: 'none' } },
    { ...official, label: 'official agent (auto-instrumentations-node)', env: officialEnv },
  ];
}

async function runOnce(agent: Agent, seconds: number): Promise<{ rss: number; provider: string }> {
  const log = tail();
  const args = [...(agent.preload !== undefined ? ['--require', agent.preload] : []), APP];
  const child = spawnTracked(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: serverEnv(agent, { RSS_SECONDS: String(seconds) }) });
  child.stdout!.on('data', (d: Buffer) => log.push(d));
  child.stderr!.on('data', (d: Buffer) => log.push(d));
  try {
    const provider = await waitForLine(child, /provider (\S+)/, 30_000, log.text);
    await waitForLine(child, /done/, seconds * 1000 + 60_000, log.text);
    const rss = peakRss(child.pid!);
    if (rss === undefined) throw new Error(`no VmHWM for ${child.pid}`);
    return { rss, provider };
  } finally {
    await stopChild(child, 5000, 'SIGKILL');
  }
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const runs = option('--runs', 3);
  const seconds = option('--seconds', 5);
  const json = process.argv.includes('--json');
  const list = contenders();
  const samples = new Map<string, { rss: number[]; provider: string }>(list.map((a) => [a.label, { rss: [], provider: '' }]));
  for (let r = 0; r < runs; r++) {
    for (const agent of list) {
      const { rss, provider } = await runOnce(agent, seconds);
      const s = samples.get(agent.label)!;
      s.rss.push(rss);
      s.provider = provider;
      if (!json) console.log(`run ${r + 1} ${agent.label}: ${(rss / 2 ** 20).toFixed(1)} MB (${provider})`);
    }
  }
  const baseline = median(samples.get(list[0]!.label)!.rss);
  const rows = list.map((agent) => {
    const s = samples.get(agent.label)!;
    const peak = median(s.rss);
    return { label: agent.label, provider: s.provider, command: commandLine(agent, 'bench/rss/metrics-app.cjs'), peakMB: peak / 2 ** 20, addedMB: (peak - baseline) / 2 ** 20, runsMB: s.rss.map((x) => x / 2 ** 20) };
  });
  if (json) {
    process.stdout.write(`${JSON.stringify({ title: 'metrics peak RSS', node: process.version, runs, seconds, rss: rows })}\n`);
    return;
  }
  for (const row of rows) {
    console.log(`${row.label.padEnd(44)} peak RSS ${row.peakMB.toFixed(1).padStart(6)} MB  added ${row.addedMB.toFixed(1).padStart(6)} MB  runs ${row.runsMB.map((x) => x.toFixed(1)).join(', ')}`);
    console.log(`  ${row.command}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
