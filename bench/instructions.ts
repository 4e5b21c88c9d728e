/**
 * Instructions per request: what each agent adds to a benchmark server, counted by valgrind's
 * callgrind rather than timed. A count does not move with the machine's speed, its other load or
 * its caches: two runs of the same build agree within a few per cent, where CPU time per request
 * under load moves by tens on a shared machine. It answers "did this change remove work, and how
 * much", not "how long does a request take" (an instruction's price varies), and it counts user
 * space only (the kernel's share of a request is not in it).
 *
 *   npm run bench:instructions -- [--servers http,express,fastify,realistic] [--agents none,otelite,official,dd-trace]
 *                                 [--warmup N] [--requests N] [--runs N] [--top N] [--keep DIR] [--cache-sim]
 *
 * Each measurement: the server under `valgrind --tool=callgrind` with counting off, N warm-up
 * requests (20,000) so that the JIT has compiled the hot paths, then counting on for the
 * measured requests (4,000), sent over 4 keep-alive connections. The V8 compilers' own
 * instructions (optimizing code that was still warming up) are shown apart and left out of the
 * per-request figure. JIT-compiled JavaScript is named through `node --perf-basic-prof`, so the
 * agent's functions get their own counts. Spans are exported to the suite's sink as in `npm run
 * bench`. Prints a Markdown report and writes it to .cache/bench/instructions.md. Load only
 * targets 127.0.0.1 and every run stops by itself.
 *
 * `--cache-sim` has callgrind simulate the caches and the branch predictor as well (slower): the
 * misses per request say why an agent's instructions may cost more time each than another's.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AGENT_IDS, agents, checkBaseline, HELLO_SERVERS, SERVER_IDS, SERVER_LABELS, serverEnv, type AgentId, type ServerId } from './lib/agents';
import { ArgReader } from './lib/argv';
import { attribute, KINDS, missesOf, parseCallgrind, PerfMap, type Kind, type Misses } from './lib/callgrind';
import { ensureBenchDeps, ensureBuild, ensureCallgrind, ensureDbServers } from './lib/deps';
import { startRealisticInfra, type Infra } from './lib/load';
import { BENCH_DIR } from './lib/paths';
import { BundleMap } from './lib/perf-profile';
import { runMain } from './lib/procs';
import { interleavedRuns, saveReport } from './lib/runs';
import { sendRequests } from './lib/requests';
import { spansOf, startServer, startSink, type SinkCounts } from './lib/services';
import { sleep } from './lib/stats';

const PATH = '/users/42';

/** Thousands of instructions, as the report and the progress lines print them. */
function kilo(n: number, digits = 1): string {
  return (n / 1000).toFixed(digits);
}
const CONNECTIONS = 4;
/** The batch span processors' default schedule delay, and a margin: the spans of the measured requests reach the sink. */
const EXPORT_WAIT_MS = 7_000;

interface Options {
  servers: ServerId[];
  agents: AgentId[];
  warmup: number;
  requests: number;
  runs: number;
  top: number;
  /** Where to keep each measurement's callgrind dump and perf map (for callgrind_annotate or a closer look). */
  keep: string | undefined;
  /** Simulate the caches and the branch predictor too. */
  cacheSim: boolean;
}

interface Measured {
  /** Instructions per request, the compilers' left out. */
  perRequest: number;
  /** The V8 compilers' instructions per request (left out of `perRequest`). */
  compilers: number;
  kinds: Map<Kind, number>;
  otelite: Map<string, number>;
  spansPerRequest: number;
  /** Simulated misses per request (`--cache-sim`). */
  misses: Misses | undefined;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { servers: [...HELLO_SERVERS], agents: ['none', 'otelite', 'official', 'dd-trace'], warmup: 20_000, requests: 4_000, runs: 1, top: 15, keep: undefined, cacheSim: false };
  const reader = new ArgReader(argv);
  for (let arg = reader.next(); arg !== undefined; arg = reader.next()) {
    if (arg === '--servers') o.servers = reader.list(arg, SERVER_IDS, 'server');
    else if (arg === '--agents') o.agents = reader.list(arg, AGENT_IDS, 'agent');
    else if (arg === '--warmup') o.warmup = reader.count(arg);
    else if (arg === '--requests') o.requests = reader.count(arg);
    else if (arg === '--runs') o.runs = reader.count(arg);
    else if (arg === '--top') o.top = reader.count(arg);
    else if (arg === '--keep') o.keep = path.resolve(reader.value(arg));
    else if (arg === '--cache-sim') o.cacheSim = true;
    else throw new Error(`unknown option ${arg}`);
  }
  checkBaseline(o.agents);
  if (!o.agents.includes('none')) o.agents.unshift('none');
  return o;
}

/** The dump `callgrind_control -d` asked for, once valgrind has finished writing it. */
async function readDump(file: string): Promise<string> {
  let size = -1;
  for (let i = 0; i < 600; i++) {
    if (existsSync(file)) {
      const now = statSync(file).size;
      if (now > 0 && now === size) return readFileSync(file, 'utf8');
      size = now;
    }
    await sleep(100);
  }
  throw new Error(`callgrind wrote no dump at ${file}`);
}

async function measure(
  o: Options,
  tools: { valgrind: string; control: string },
  sink: { url: string; counts(): Promise<SinkCounts> },
  server: ServerId,
  agentId: AgentId,
  infraEnv: Record<string, string>,
  run: number,
): Promise<Measured> {
  const agent = agents(sink.url, `bench-${server}`).find((a) => a.id === agentId)!;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'otelite-instructions-'));
  const out = path.join(scratch, 'callgrind.out');
  const launcher = [tools.valgrind, '--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', `--callgrind-out-file=${out}`];
  if (o.cacheSim) launcher.push('--cache-sim=yes', '--branch-sim=yes');
  // --perf-basic-prof names the JIT's code; V8's isolate log goes to the scratch directory.
  const nodeArgs = ['--perf-basic-prof', `--logfile=${path.join(scratch, 'v8.log')}`];
  const env = serverEnv(agent, { ...infraEnv, BENCH_MAX_LIFETIME_MS: String(60 * 60_000) });
  const srv = await startServer(path.join(BENCH_DIR, 'servers', `${server}.cjs`), agent.preload, env, nodeArgs, { launcher, startTimeoutMs: 300_000 });
  try {
    const url = `http://127.0.0.1:${srv.port}${PATH}`;
    await sendRequests(url, o.warmup, CONNECTIONS);
    await sleep(EXPORT_WAIT_MS); // the warm-up's spans reach the sink before the count starts
    const before = spansOf(await sink.counts());
    execFileSync(tools.control, ['-i', 'on', String(srv.pid)], { stdio: 'ignore' });
    await sendRequests(url, o.requests, CONNECTIONS);
    execFileSync(tools.control, ['-d', String(srv.pid)], { stdio: 'ignore' });
    const dump = await readDump(`${out}.1`);
    // Read now: code V8 makes later may take the address of code that ran while counted.
    const perfMap = readFileSync(perfMapFile(srv.pid), 'utf8');
    await sleep(EXPORT_WAIT_MS);
    const spans = spansOf(await sink.counts()) - before;
    if (o.keep !== undefined) keepFiles(o.keep, `${server}-${agentId}-${run}`, dump, perfMap);
    const costs = parseCallgrind(dump);
    const { kinds, otelite } = attribute(costs, new PerfMap(perfMap), new BundleMap(bundleOf(agent.preload)));
    const per = (n: number): number => n / o.requests;
    const compilers = kinds.get('V8 optimizing compilers')!;
    const misses = missesOf(costs);
    return {
      perRequest: per(costs.total - compilers),
      compilers: per(compilers),
      kinds: new Map([...kinds].map(([k, v]) => [k, per(v)])),
      otelite: new Map([...otelite].map(([k, v]) => [k, per(v)])),
      spansPerRequest: spans / o.requests,
      misses: misses === undefined ? undefined : { i1: per(misses.i1), d1: per(misses.d1), ll: per(misses.ll), branches: per(misses.branches) },
    };
  } finally {
    await srv.stop(30_000);
    rmSync(scratch, { recursive: true, force: true });
    rmSync(perfMapFile(srv.pid), { force: true });
  }
}

/** Where `node --perf-basic-prof` writes its map. */
function perfMapFile(pid: number): string {
  return `/tmp/perf-${pid}.map`;
}

/** The bundle beside an otelite build's register.js (the baseline's own, whose lines differ); undefined for other agents. */
function bundleOf(preload: string | undefined): string | undefined {
  if (preload === undefined) return undefined;
  const bundle = path.join(path.dirname(preload), 'agent-bundle.js');
  return existsSync(bundle) ? bundle : undefined;
}

/** The dump and the perf map a measurement was read from, as read. */
function keepFiles(dir: string, name: string, dump: string, perfMap: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.callgrind`), dump);
  writeFileSync(path.join(dir, `${name}.perf.map`), perfMap);
}

/** The median measurement of several runs (by instructions per request). */
function medianRun(runs: readonly Measured[]): Measured {
  const sorted = [...runs].sort((a, b) => a.perRequest - b.perRequest);
  return sorted[(sorted.length - 1) >> 1]!;
}

function report(o: Options, results: Map<string, Measured[]>): string {
  const lines = [
    '# Instructions per request',
    '',
    `- ${new Date().toISOString()}, Node ${process.version}; \`npm run bench:instructions -- --servers ${o.servers.join(',')} --agents ${o.agents.join(',')} --warmup ${o.warmup} --requests ${o.requests} --runs ${o.runs}${o.cacheSim ? ' --cache-sim' : ''}\``,
    `- valgrind's callgrind, user space only; ${o.warmup} warm-up requests uncounted, then ${o.requests} counted, over ${CONNECTIONS} keep-alive connections; thousands of instructions per request (k), the V8 compilers' left out and shown apart${o.runs > 1 ? `; the median of ${o.runs} runs` : ''}`,
    '',
  ];
  for (const server of o.servers) {
    const none = results.get(`${server}/none`);
    const official = results.get(`${server}/official`);
    const base = none === undefined ? undefined : medianRun(none).perRequest;
    const officialAdded = official === undefined || base === undefined ? undefined : medianRun(official).perRequest - base;
    lines.push(
      `## ${SERVER_LABELS[server]}`,
      '',
      '| agent | k instructions per request | added | share of official\'s added | compilers (left out) | spans exported per request | runs |',
      '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    );
    for (const agent of o.agents) {
      const runs = results.get(`${server}/${agent}`);
      if (runs === undefined) continue;
      const m = medianRun(runs);
      const added = base === undefined ? undefined : m.perRequest - base;
      const share = added === undefined || officialAdded === undefined || agent === 'none' ? '' : (added / officialAdded).toFixed(2);
      lines.push(
        `| ${agent} | ${kilo(m.perRequest)} | ${added === undefined || agent === 'none' ? '' : `+${kilo(added)}`} | ${share} | ${kilo(m.compilers)} | ${m.spansPerRequest.toFixed(2)} | ${runs.map((r) => kilo(r.perRequest)).join(' / ')} |`,
      );
    }
    lines.push(...missesTable(o, server, results));
    lines.push('', 'By kind of code (each function\'s own instructions; a builtin or a runtime call counts as its own kind, not its caller\'s):', '');
    lines.push(`| kind | ${o.agents.join(' | ')} |`, `| --- |${o.agents.map(() => ' ---: |').join('')}`);
    for (const kind of KINDS) {
      const cells = o.agents.map((agent) => {
        const runs = results.get(`${server}/${agent}`);
        return runs === undefined ? '' : kilo(medianRun(runs).kinds.get(kind)!);
      });
      lines.push(`| ${kind} | ${cells.join(' | ')} |`);
    }
    for (const agent of o.agents) {
      const runs = results.get(`${server}/${agent}`);
      if (runs === undefined || medianRun(runs).otelite.size === 0) continue;
      lines.push('', `${agent}'s own JavaScript functions with the most instructions (k per request):`, '', '| function (module) | k |', '| --- | ---: |');
      const top = [...medianRun(runs).otelite].sort((a, b) => b[1] - a[1]).slice(0, o.top);
      for (const [fn, n] of top) lines.push(`| ${fn.replace(/\|/g, '\\|')} | ${kilo(n, 2)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

const MISS_KINDS: ReadonlyArray<[keyof Misses, string]> = [
  ['i1', 'instruction cache (L1)'],
  ['d1', 'data cache (L1)'],
  ['ll', 'last level'],
  ['branches', 'mispredicted branches'],
];

/**
 * The simulated misses per request, and what each agent adds per 1,000 instructions it adds:
 * two agents adding the same instructions can cost different times when one's code misses the
 * caches or mispredicts its branches more often.
 */
function missesTable(o: Options, server: ServerId, results: Map<string, Measured[]>): string[] {
  const none = results.get(`${server}/none`);
  const base = none === undefined ? undefined : medianRun(none);
  if (base?.misses === undefined) return [];
  const lines = [
    '',
    "Simulated caches and branches (`--cache-sim`: valgrind's model of this machine's caches, not the CPU's own counters), misses per request, the compilers' left out; in brackets, each agent's added misses per 1,000 instructions it adds:",
    '',
    `| agent | ${MISS_KINDS.map(([, label]) => label).join(' | ')} |`,
    `| --- |${MISS_KINDS.map(() => ' ---: |').join('')}`,
  ];
  for (const agent of o.agents) {
    const runs = results.get(`${server}/${agent}`);
    const m = runs === undefined ? undefined : medianRun(runs);
    if (m?.misses === undefined) continue;
    const addedInstructions = m.perRequest - base.perRequest;
    const cells = MISS_KINDS.map(([key]) => {
      const count = m.misses![key].toFixed(0);
      if (agent === 'none' || !(addedInstructions > 0)) return count;
      return `${count} (${((1000 * (m.misses![key] - base.misses![key])) / addedInstructions).toFixed(1)})`;
    });
    lines.push(`| ${agent} | ${cells.join(' | ')} |`);
  }
  return lines;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  ensureBuild();
  ensureBenchDeps();
  const tools = ensureCallgrind();
  if (o.servers.includes('realistic')) ensureDbServers();
  const lifetimeMs = 6 * 60 * 60_000;
  const sink = await startSink(lifetimeMs);
  let infra: Infra | undefined;
  let results = new Map<string, Measured[]>();
  try {
    if (o.servers.includes('realistic')) infra = await startRealisticInfra(lifetimeMs, (line) => console.log(line));
    results = await interleavedRuns(
      o.runs,
      o.servers,
      o.agents,
      (server, agent, run) => measure(o, tools, sink, server, agent, server === 'realistic' ? infra!.env : {}, run),
      (m) => `${kilo(m.perRequest)} k instructions per request (compilers ${kilo(m.compilers)} k left out), ${m.spansPerRequest.toFixed(2)} spans exported per request`,
    );
  } finally {
    await infra?.stop();
    await sink.stop();
  }
  saveReport('instructions.md', report(o, results));
}

runMain('bench:instructions', main);
