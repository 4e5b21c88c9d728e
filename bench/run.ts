/**
 * otelite's benchmark suite: `npm run bench` (full, ≈ 26-31 min on 2 cores) or `npm run bench:quick` (≈ 2-3 min).
 *
 *   node build/bench/run.js [--quick] [options]
 *
 * Options (defaults: full / quick):
 *   --rounds N           interleaved rounds per server (3 / 1)
 *   --duration S         measured seconds per run (7 / 3)
 *   --warmup S           warm-up seconds per wrk run, not counted (2 / 1)
 *   --warmup-requests N  warm-up runs repeat until the server has answered N requests (10000 / 0)
 *   --connections N      wrk connections (20); wrk uses one thread
 *   --startup-runs N     start-up runs per agent (12 / 5)
 *   --servers a,b        among http, express, fastify, realistic (all)
 *   --agents a,b         among none, otelite, otelite-traces, otelite-off, otelite-off-traces,
 *                        otelite-off-no-runtime, otelite-tail,
 *                        otelite-ratio, context-floor, official, official-http-express, dd-trace (all
 *                        of these), and otelite-baseline (the build named by OTELITE_BASELINE, for
 *                        before/after runs),
 *                        otelite-baseline-off (the same with the sampler always_off)
 *   --no-load | --no-startup | --no-micro   skip a part
 *   --out DIR            where latest.md / latest.json go (.cache/bench, not committed; copy
 *                        the figures worth keeping into bench/results/ and bench/RESULTS.md)
 *   --plan               print the plan and its time budget, run nothing
 *
 * See bench/README.md for what is measured and how.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ArgReader } from './lib/argv';
import { AGENT_IDS, agents, checkBaseline, commandLine, SERVER_IDS, type AgentId, type ServerId } from './lib/agents';
import { collectVersions, ensureBenchDeps, ensureBuild, ensureDbServers, ensureWrk } from './lib/deps';
import { runLoad, summarize, WARMUP_MAX_S, type Cell } from './lib/load';
import { MICRO_FILES, microCommand, runMicro } from './lib/micro';
import { BENCH_OUT_DIR, rel } from './lib/paths';
import { killAll, liveCount } from './lib/procs';
import { markdown, type Report } from './lib/report';
import { startSink } from './lib/services';
import { closedPort } from '../test/kit/servers';
import { runStartup, STARTUP_VARIANTS, startupCommand } from './lib/startup';
import { median } from './lib/stats';
import { wrkArgs } from './lib/wrk';

interface Options {
  quick: boolean;
  rounds: number;
  duration: number;
  warmup: number;
  warmupRequests: number;
  connections: number;
  startupRuns: number;
  servers: ServerId[];
  agents: AgentId[];
  load: boolean;
  startup: boolean;
  micro: boolean;
  out: string;
  custom: boolean;
  plan: boolean;
}

/** Per-cell cost beyond warm-up + measured run: start the server, check it, stop it (agents flush). */
const CELL_OVERHEAD_S = 1.2;
const PATH = '/users/42';

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const o: Options = {
    quick,
    rounds: quick ? 1 : 3,
    duration: quick ? 3 : 7,
    warmup: quick ? 1 : 2,
    warmupRequests: quick ? 0 : 10_000,
    connections: 20,
    startupRuns: quick ? 5 : 12,
    servers: [...SERVER_IDS],
    agents: AGENT_IDS.filter((id) => !id.startsWith('otelite-baseline')),
    load: true,
    startup: true,
    micro: true,
    out: BENCH_OUT_DIR,
    custom: false,
    plan: false,
  };
  const reader = new ArgReader(argv);
  for (let arg = reader.next(); arg !== undefined; arg = reader.next()) {
    const next = (): string => reader.value(arg!);
    const num = (): number => reader.positive(arg!);
    switch (arg) {
      case '--quick':
        break;
      case '--rounds':
        o.rounds = reader.count(arg);
        o.custom = true;
        break;
      case '--duration':
        o.duration = num();
        o.custom = true;
        break;
      case '--warmup':
        o.warmup = num();
        o.custom = true;
        break;
      case '--warmup-requests':
        o.warmupRequests = reader.count(arg);
        o.custom = true;
        break;
      case '--connections':
        o.connections = reader.count(arg);
        o.custom = true;
        break;
      case '--startup-runs':
        o.startupRuns = reader.count(arg);
        o.custom = true;
        break;
      case '--servers':
        o.servers = reader.list(arg, SERVER_IDS, 'server');
        o.custom = true;
        break;
      case '--agents':
        o.agents = reader.list(arg, AGENT_IDS, 'agent');
        if (!o.agents.includes('none')) o.agents.unshift('none'); // ratios need it
        checkBaseline(o.agents);
        o.custom = true;
        break;
      case '--no-load':
        o.load = false;
        o.custom = true;
        break;
      case '--no-startup':
        o.startup = false;
        o.custom = true;
        break;
      case '--no-micro':
        o.micro = false;
        o.custom = true;
        break;
      case '--out':
        o.out = path.resolve(next());
        break;
      case '--plan':
        o.plan = true;
        break;
      case '--help':
      case '-h':
        console.log('usage: node build/bench/run.js [--quick] [--rounds N] [--duration S] [--warmup S] [--warmup-requests N] [--connections N] [--startup-runs N]');
        console.log(`       [--servers ${SERVER_IDS.join(',')}] [--agents ${AGENT_IDS.join(',')}]`);
        console.log('       [--no-load] [--no-startup] [--no-micro] [--out DIR] [--plan]');
        process.exit(0);
      default:
        throw new Error(`unknown option ${arg} (see --help)`);
    }
  }
  return o;
}

function startupVariants(o: Options): typeof STARTUP_VARIANTS {
  return STARTUP_VARIANTS.filter((v) => o.agents.includes(v.agent));
}

/** The load runs of one server: its agents among the chosen ones, every round. */
function runsOf(o: Options, server: ServerId): number {
  return agents('http://127.0.0.1:0', 'x').filter((a) => o.agents.includes(a.id) && a.servers.includes(server)).length * o.rounds;
}

function cellCount(o: Options): number {
  if (!o.load) return 0;
  let n = 0;
  for (const server of o.servers) n += runsOf(o, server);
  return n;
}

/**
 * Requests per second a server answers under its slower agents, roughly (this machine, Node 20):
 * how long its warm-up takes to reach `warmupRequests`, for the time budget only.
 */
const TYPICAL_RATE: Record<ServerId, number> = { http: 8000, express: 2000, fastify: 6000, realistic: 650 };

function loadSeconds(o: Options): number {
  if (!o.load) return 0;
  let seconds = 0;
  for (const server of o.servers) {
    const runs = runsOf(o, server);
    const warmupRuns = Math.max(1, Math.ceil(o.warmupRequests / TYPICAL_RATE[server] / o.warmup));
    const warmup = Math.min(WARMUP_MAX_S, warmupRuns * o.warmup);
    seconds += runs * (warmup + o.duration + CELL_OVERHEAD_S);
  }
  return seconds;
}

function budget(o: Options): { seconds: number; text: string[] } {
  const cells = cellCount(o);
  const load = loadSeconds(o) + (o.load && o.servers.includes('realistic') ? 5 : 0);
  // Per start-up round, roughly: none 0.3 s, otelite 0.5 s (twice), official 0.8 s (twice), dd-trace 0.7 s.
  const startup = o.startup ? (o.startupRuns + 1) * 3.6 : 0;
  // Per micro case: 2 warm-ups, calibration, rounds of both sides; plus building the encode input.
  const micro = o.micro ? (o.quick ? 1.2 : 3.5) * 12 + 8 : 0;
  const setup = 5;
  const seconds = load + startup + micro + setup;
  const text = [
    `load: ${cells} runs (${o.servers.length} servers × their agents × ${o.rounds} round(s)) × (warm-up: ${o.warmup} s runs until ${o.warmupRequests} requests, + ${o.duration} s measured + ~${CELL_OVERHEAD_S} s start/stop) ≈ ${(load / 60).toFixed(1)} min`,
    `start-up: ${startupVariants(o).length} agent/flag pairs × ${o.startupRuns + 1} runs ≈ ${startup.toFixed(0)} s`,
    `micro-benchmarks: ${MICRO_FILES.length} files ≈ ${micro.toFixed(0)} s`,
    `total ≈ ${(seconds / 60).toFixed(1)} min`,
  ];
  return { seconds, text };
}

let interrupted = false;

async function main(): Promise<number> {
  const started = Date.now();
  const o = parseArgs(process.argv.slice(2));
  const log = (line: string): void => console.log(line);
  const mode: Report['mode'] = o.custom ? 'custom' : o.quick ? 'quick' : 'full';
  if (o.plan) {
    log(`otelite benchmark (${mode}) plan:`);
    for (const line of budget(o).text) log(`  ${line}`);
    return 0;
  }

  ensureBuild();
  ensureBenchDeps();
  const wrk = o.load ? ensureWrk() : undefined;
  if (o.load && o.servers.includes('realistic')) ensureDbServers();

  const plan = budget(o);
  log(`otelite benchmark (${mode}) on ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}`);
  for (const line of plan.text) log(`  ${line}`);
  const loadAtStart = os.loadavg();
  if (loadAtStart[0]! > os.cpus().length * 0.5) log(`  note: load average ${loadAtStart[0]!.toFixed(2)} at start: other work is running, figures will be noisy`);

  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) {
      killAll('SIGKILL');
      process.exit(130);
    }
    interrupted = true;
    log(`\n${signal}: stopping every process the suite started...`);
    killAll('SIGKILL');
    setTimeout(() => process.exit(130), 15_000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => killAll('SIGKILL'));

  const lifetimeMs = (plan.seconds * 2 + 600) * 1000;
  const sink = await startSink(lifetimeMs);
  const notes: string[] = [];
  const report: Report = {
    title: 'otelite benchmark results',
    date: new Date().toISOString(),
    mode,
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGiB: os.totalmem() / 2 ** 30,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: [],
    },
    config: {
      rounds: o.rounds,
      warmupSeconds: o.warmup,
      warmupRequests: o.warmupRequests,
      durationSeconds: o.duration,
      threads: 1,
      connections: o.connections,
      path: PATH,
      startupRuns: o.startupRuns,
      microQuick: o.quick,
    },
    versions: collectVersions(wrk, o.load && o.servers.includes('realistic')),
    commands: {
      agents: Object.fromEntries(agents('<sink>', 'bench-<server>').filter((a) => o.agents.includes(a.id)).map((a) => [a.id, commandLine(a, 'bench/servers/<server>.cjs')])),
      load: `wrk ${wrkArgs(`http://127.0.0.1:<port>${PATH}`, o.duration, 1, o.connections).join(' ')}`,
      startup: Object.fromEntries(
        startupVariants(o).map((v) => [v.id, startupCommand(agents('<sink>', 'bench-startup').find((a) => a.id === v.agent)!, v.flag)]),
      ),
      micro: MICRO_FILES.map((m) => microCommand(m.file, m.args, o.quick)),
      suite: `node ${rel(process.argv[1]!)} ${process.argv.slice(2).join(' ')}`.trim(),
    },
    budget: { computedSeconds: plan.seconds, observedSeconds: NaN },
    load: { summary: [], cells: [] },
    startup: [],
    exitNoCollector: [],
    micro: { results: [], failures: [] },
    notes,
  };

  try {
    if (o.micro && !interrupted) {
      log('\n== micro-benchmarks');
      report.micro = await runMicro(o.quick, log);
    }
    if (o.startup && !interrupted) {
      log('\n== start-up');
      report.startup = await runStartup(o.startupRuns, startupVariants(o), sink.url, log);
      // The usual developer machine: no collector. Each agent has one span queued when the app is
      // done; what matters is how long the process then takes to end.
      log('\n== exit with nothing listening');
      const nothing = `http://127.0.0.1:${await closedPort()}`;
      const requireOnly = startupVariants(o).filter((v) => v.flag === '--require');
      report.exitNoCollector = await runStartup(o.startupRuns, requireOnly, nothing, log, { STARTUP_SPAN: '1' }, 'exit, no collector');
    }
    if (o.load && !interrupted) {
      log('\n== load');
      const cells: Cell[] = await runLoad({
        servers: o.servers,
        agents: o.agents,
        rounds: o.rounds,
        warmupSeconds: o.warmup,
        warmupRequests: o.warmupRequests,
        durationSeconds: o.duration,
        threads: 1,
        connections: o.connections,
        wrk: wrk!,
        sinkUrl: sink.url,
        sinkCounts: () => sink.counts(),
        sinkPid: sink.child.pid,
        stopGraceMs: 8_000,
        path: PATH,
        log,
        shouldStop: () => interrupted,
      });
      const labels = Object.fromEntries(agents('', '').map((a) => [a.id, a.label]));
      report.load = { cells, summary: summarize(cells, labels) };
      const missing = report.load.summary.filter((s) => agents('', '').find((a) => a.id === s.agent)?.exports && !(s.spansPerRequest > 0));
      for (const s of missing) notes.push(`${s.agent} on ${s.server}: no spans reached the sink (spans/req ${s.spansPerRequest}).`);
      const shares = cells.map((c) => c.sinkCpuShare ?? 0);
      if (shares.length > 0) {
        notes.push(`The sink (a separate process counting spans) used at most ${(Math.max(...shares) * 100).toFixed(1)}% of one core during any measured run (median ${(median(shares) * 100).toFixed(1)}%).`);
      }
    }
  } finally {
    await sink.stop();
  }
  if (interrupted) return 130;

  report.machine.loadAverageAtEnd = os.loadavg();
  report.budget.observedSeconds = (Date.now() - started) / 1000;
  notes.push(
    'spans/req counts every span the sink received over the server\'s whole life (check request, warm-up, measured run, and the flush at exit) divided by every request it answered, so batches that straddle the warm-up/measured boundary are counted once.',
    'CPU µs/req is the server process\'s user + system CPU time (all threads, from /proc/<pid>/stat) during the measured run, divided by the requests served in it; peak RSS is VmHWM of the server process after the measured run.',
    'The realistic server\'s PostgreSQL, Redis and backend service, the sink and wrk all run on the same machine, sharing its cores with the server under test.',
  );
  mkdirSync(o.out, { recursive: true });
  writeFileSync(path.join(o.out, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  const md = markdown(report);
  writeFileSync(path.join(o.out, 'latest.md'), md);
  log(`\n${md}`);
  log(`wrote ${rel(path.join(o.out, 'latest.md'))} and ${rel(path.join(o.out, 'latest.json'))} in ${(report.budget.observedSeconds / 60).toFixed(1)} min (computed ${(plan.seconds / 60).toFixed(1)})`);
  const failed = report.load.cells.filter((c) => !c.ok).length + report.micro.failures.length + report.startup.reduce((n, s) => n + s.failures.length, 0);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    killAll('SIGKILL');
    if (liveCount() > 0) console.error(`${liveCount()} child process(es) were still running and were killed`);
    process.exit(code);
  },
  (error: Error) => {
    killAll('SIGKILL');
    if (interrupted) {
      console.error('interrupted: nothing written');
      process.exit(130);
    }
    console.error(`bench failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
