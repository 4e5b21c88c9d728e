/**
 * What an agent keeps alive under load: bytes surviving each young-generation collection and
 * bytes promoted to the old generation, per server and agent, from V8's own trace
 * (`node --trace-gc-nvp`). These drive peak RSS (bench/lib/gc-trace.ts says how), and they move
 * by a few percent between runs where RSS and CPU time move by tens: the measure to take before
 * and after a change to what a span, a context or the export queue holds.
 *
 *   npm run bench:survivors -- [--servers http,express,fastify] [--agents none,otelite,...] [--seconds S] [--runs N]
 *
 * Each run: the server under `wrk -t1 -c20` for 2 s of warm-up, then S seconds (5) measured;
 * the scavenges of the measured part count, steady state (their later half). Runs (2) are
 * interleaved; medians reported. Prints a Markdown table and writes it to .cache/bench/survivors.md.
 * Load only targets 127.0.0.1 and every run stops by itself.
 */
import * as path from 'node:path';
import { AGENT_IDS, agents, checkBaseline, HELLO_SERVERS, SERVER_LABELS, serverEnv, type AgentId, type HelloServer } from './lib/agents';
import { ArgReader } from './lib/argv';
import { ensureBenchDeps, ensureBuild, ensureWrk } from './lib/deps';
import { allocatedBytes, parseScavenge, steadyState, type Scavenge } from './lib/gc-trace';
import { BENCH_DIR } from './lib/paths';
import { peakRss, runMain } from './lib/procs';
import { interleavedRuns, saveReport } from './lib/runs';
import { startServer, startSink } from './lib/services';
import { median } from './lib/stats';
import { runWrk } from './lib/wrk';

const PATH = '/users/42';
const WARMUP_S = 2;

interface Options {
  servers: HelloServer[];
  agents: AgentId[];
  seconds: number;
  runs: number;
}

interface Measured {
  /** Undefined when no scavenge happened while measured (too little load to say anything). */
  survivedKB: number | undefined;
  promotedKB: number | undefined;
  scavengesPer10kRequests: number;
  /** Heap bytes allocated per request while measured; undefined where Node does not print `allocated`. */
  allocatedPerRequest: number | undefined;
  peakRssMB: number | undefined;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { servers: [...HELLO_SERVERS], agents: ['none', 'otelite', 'otelite-off', 'official', 'dd-trace'], seconds: 5, runs: 2 };
  const reader = new ArgReader(argv);
  for (let arg = reader.next(); arg !== undefined; arg = reader.next()) {
    if (arg === '--servers') o.servers = reader.list(arg, HELLO_SERVERS, 'server');
    else if (arg === '--agents') {
      o.agents = reader.list(arg, AGENT_IDS, 'agent');
      checkBaseline(o.agents);
    }
    else if (arg === '--seconds') o.seconds = reader.positive(arg);
    else if (arg === '--runs') o.runs = reader.count(arg);
    else throw new Error(`unknown option ${arg}`);
  }
  if (!o.agents.includes('none')) o.agents.unshift('none');
  return o;
}

async function measure(wrk: string, sinkUrl: string, server: HelloServer, agentId: AgentId, seconds: number): Promise<Measured> {
  const agent = agents(sinkUrl, `bench-${server}`).find((a) => a.id === agentId);
  if (agent === undefined) throw new Error(`no agent ${agentId}`);
  const scavenges: Scavenge[] = [];
  let measuring = false;
  const onLine = (line: string): void => {
    if (!measuring) return;
    const scavenge = parseScavenge(line);
    if (scavenge !== undefined) scavenges.push(scavenge);
  };
  const lifetimeMs = (WARMUP_S + seconds + 60) * 1000;
  const file = path.join(BENCH_DIR, 'servers', `${server}.cjs`);
  const srv = await startServer(file, agent.preload, serverEnv(agent, { BENCH_MAX_LIFETIME_MS: String(lifetimeMs) }), ['--trace-gc-nvp'], { onStdoutLine: onLine });
  try {
    const url = `http://127.0.0.1:${srv.port}${PATH}`;
    await runWrk(wrk, url, WARMUP_S, 1, 20);
    measuring = true;
    const load = await runWrk(wrk, url, seconds, 1, 20);
    measuring = false;
    const steady = steadyState(scavenges);
    const rss = peakRss(srv.pid);
    const noScavenge = steady.counted === 0;
    const allocated = allocatedBytes(scavenges);
    return {
      survivedKB: noScavenge ? undefined : steady.survived / 1024,
      promotedKB: noScavenge ? undefined : steady.promoted / 1024,
      scavengesPer10kRequests: (scavenges.length / Math.max(1, load.requests)) * 10_000,
      allocatedPerRequest: noScavenge || allocated === undefined ? undefined : allocated / Math.max(1, load.requests),
      peakRssMB: rss === undefined ? undefined : rss / 1048576,
    };
  } finally {
    await srv.stop(10_000);
  }
}

function report(o: Options, results: Map<string, Measured[]>): string {
  const cell = (server: HelloServer, agent: AgentId): Measured[] => results.get(`${server}/${agent}`) ?? [];
  const med = (values: Array<number | undefined>, digits: number): string => {
    const known = values.filter((v): v is number => v !== undefined);
    return known.length === 0 ? 'n/a' : median(known).toFixed(digits);
  };
  const lines = [
    '# Young-generation survivors under load',
    '',
    `- ${new Date().toISOString()}, Node ${process.version}; \`npm run bench:survivors -- --servers ${o.servers.join(',')} --agents ${o.agents.join(',')} --seconds ${o.seconds} --runs ${o.runs}\``,
    `- Each run: \`node --trace-gc-nvp [--require <agent>] bench/servers/<server>.cjs\` under \`wrk -t1 -c20\`, ${WARMUP_S} s warm-up, ${o.seconds} s measured; steady state = the later half of the measured run's scavenges; medians of ${o.runs} interleaved runs`,
    '',
  ];
  for (const server of o.servers) {
    lines.push(
      `## ${SERVER_LABELS[server]}`,
      '',
      '| agent | survived KB per scavenge | promoted KB per scavenge | scavenges per 10k requests | allocated B per request | peak RSS MB |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const agent of o.agents) {
      const runs = cell(server, agent);
      lines.push(
        `| ${agent} | ${med(runs.map((r) => r.survivedKB), 1)} | ${med(runs.map((r) => r.promotedKB), 1)} | ${med(runs.map((r) => r.scavengesPer10kRequests), 1)} | ${med(runs.map((r) => r.allocatedPerRequest), 0)} | ${med(runs.map((r) => r.peakRssMB), 0)} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  ensureBuild();
  ensureBenchDeps();
  const wrk = ensureWrk();
  const perRunS = WARMUP_S + o.seconds + 3;
  const budgetS = o.runs * o.servers.length * o.agents.length * perRunS;
  console.log(`survivors: ${o.runs} run(s) × ${o.servers.length} server(s) × ${o.agents.length} agent(s), about ${Math.ceil(budgetS / 60)} min`);
  const sink = await startSink((budgetS + 120) * 1000);
  let results = new Map<string, Measured[]>();
  try {
    results = await interleavedRuns(
      o.runs,
      o.servers,
      o.agents,
      (server, agent) => measure(wrk, sink.url, server, agent, o.seconds),
      (m) =>
        `survived ${m.survivedKB?.toFixed(1) ?? 'n/a'} KB, promoted ${m.promotedKB?.toFixed(1) ?? 'n/a'} KB per scavenge; allocated ${m.allocatedPerRequest?.toFixed(0) ?? 'n/a'} B per request`,
    );
  } finally {
    await sink.stop();
  }
  saveReport('survivors.md', report(o, results));
}

runMain('bench:survivors', main);
