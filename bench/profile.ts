/**
 * Where the time goes: CPU per request of a benchmark server under wrk, split by kind of work,
 * with no agent and with an agent, side by side.
 *
 *   npm run bench:profile -- [--server http|express|fastify|realistic] [--agent <any bench agent but none; default otelite>]
 *                            [--seconds S] [--warmup S] [--cpu-prof]
 *
 * Default: `perf record` (cpu-clock, call chains) of the server process while wrk loads it, the
 * JIT frames named by `node --perf-basic-prof`; Debian's linux-perf is installed when missing
 * (as root). Unlike V8's `--cpu-prof`, this sees the kernel (the response's write and the
 * wake-up of wrk it causes), garbage collection and the async-hook work inside Node's own
 * functions. `--cpu-prof` also writes V8's profile of the agent's run (for Chrome DevTools) next
 * to the report. The realistic server gets its PostgreSQL, Redis and backend service started once
 * for both runs, as in `npm run bench` (only the server process is profiled). Prints a Markdown
 * report and writes it to .cache/bench/profile-<server>-<agent>.md.
 * Load only targets 127.0.0.1 and every run stops by itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ArgReader } from './lib/argv';
import { AGENT_IDS, agents, checkBaseline, SERVER_IDS, serverEnv, type AgentId, type ServerId } from './lib/agents';
import { ensureBenchDeps, ensureBuild, ensureDbServers, ensurePerf, ensureWrk } from './lib/deps';
import { BENCH_DIR, BENCH_OUT_DIR, REPO_ROOT } from './lib/paths';
import { analyze, BUCKETS, BundleMap, type Profile } from './lib/perf-profile';
import { cpuTimes, runMain, spawnTracked, TICKS_PER_SECOND } from './lib/procs';
import { startRealisticInfra, type Infra } from './lib/load';
import { startServer, startSink } from './lib/services';
import { saveReport } from './lib/runs';
import { runWrk } from './lib/wrk';

const SAMPLE_HZ = 2000;
const PATH = '/users/42';

type ProfiledAgent = Exclude<AgentId, 'none'>;
const PROFILED_AGENTS = AGENT_IDS.filter((id): id is ProfiledAgent => id !== 'none');

interface Options {
  server: ServerId;
  agent: ProfiledAgent;
  seconds: number;
  /** Load before recording: the JIT's warm-up is not what a long-running server pays per request. */
  warmup: number;
  cpuProf: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { server: 'http', agent: 'otelite', seconds: 5, warmup: 2, cpuProf: false };
  const reader = new ArgReader(argv);
  for (let arg = reader.next(); arg !== undefined; arg = reader.next()) {
    if (arg === '--server') o.server = reader.choice(arg, SERVER_IDS, 'server');
    else if (arg === '--agent') o.agent = reader.choice(arg, PROFILED_AGENTS, 'agent');
    else if (arg === '--seconds') o.seconds = reader.positive(arg);
    else if (arg === '--warmup') o.warmup = reader.positive(arg);
    else if (arg === '--cpu-prof') o.cpuProf = true;
    else throw new Error(`unknown option ${arg}`);
  }
  checkBaseline([o.agent]);
  if (!(o.seconds >= 1 && o.seconds <= 60)) throw new Error('--seconds: 1 to 60');
  if (!(o.warmup >= 1 && o.warmup <= 120)) throw new Error('--warmup: 1 to 120');
  return o;
}

interface Measured {
  requests: number;
  rps: number;
  userMicros: number;
  systemMicros: number;
  profile: Profile;
}

async function profileRun(
  perf: string,
  wrk: string,
  sinkUrl: string,
  o: Options,
  serverExtraEnv: Record<string, string>,
  agentId: AgentId,
  cpuProfDir: string | undefined,
): Promise<Measured> {
  const { server, seconds, warmup } = o;
  const agent = agents(sinkUrl, `bench-${server}`).find((a) => a.id === agentId)!;
  // --perf-basic-prof writes /tmp/perf-<pid>.map for perf and V8's isolate log to the working
  // directory: the log goes to a scratch directory instead, and both are removed afterwards.
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'otelite-profile-'));
  const nodeArgs = ['--perf-basic-prof', `--logfile=${path.join(scratch, 'v8.log')}`];
  if (cpuProfDir !== undefined) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`);
  const lifetimeMs = (warmup + seconds + 60) * 1000;
  const srv = await startServer(path.join(BENCH_DIR, 'servers', `${server}.cjs`), agent.preload, serverEnv(agent, { ...serverExtraEnv, BENCH_MAX_LIFETIME_MS: String(lifetimeMs) }), nodeArgs);
  const data = path.join(scratch, 'perf.data');
  try {
    const url = `http://127.0.0.1:${srv.port}${PATH}`;
    await runWrk(wrk, url, warmup, 1, 20); // warm-up: JIT, heap sizes
    const stat0 = procTimes(srv.pid);
    const recorder = spawnTracked(perf, ['record', '-q', '-e', 'cpu-clock', '-F', String(SAMPLE_HZ), '-g', '-p', String(srv.pid), '-o', data, '--', 'sleep', String(seconds)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const recorded = new Promise<void>((resolve) => recorder.once('exit', () => resolve()));
    const load = await runWrk(wrk, url, seconds, 1, 20);
    await recorded;
    const stat1 = procTimes(srv.pid);
    const script = execFileSync(perf, ['script', '-i', data], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    const bundle = new BundleMap(path.join(REPO_ROOT, 'build', 'src', 'agent-bundle.js'));
    return {
      requests: load.requests,
      rps: load.rps,
      userMicros: ((stat1.user - stat0.user) / TICKS_PER_SECOND / load.requests) * 1e6,
      systemMicros: ((stat1.system - stat0.system) / TICKS_PER_SECOND / load.requests) * 1e6,
      profile: analyze(script, load.requests, 1e6 / SAMPLE_HZ, bundle),
    };
  } finally {
    await srv.stop(10_000);
    rmSync(scratch, { recursive: true, force: true });
    rmSync(`/tmp/perf-${srv.pid}.map`, { force: true });
  }
}

/** User and system CPU ticks of the server so far. */
function procTimes(pid: number): { user: number; system: number } {
  const times = cpuTimes(pid);
  if (times === undefined) throw new Error(`cannot read /proc/${pid}/stat`);
  return times;
}

/** A function name as one Markdown table cell (its '|' escaped). */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function report(o: Options, none: Measured, agent: Measured, cpuProfFiles: string[]): string {
  const f = (n: number): string => n.toFixed(2);
  const lines: string[] = [];
  lines.push(`# Where the time goes: ${o.server}, ${o.agent} against no agent`);
  lines.push('');
  lines.push(`Node ${process.versions.node}, ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), ${new Date().toISOString().slice(0, 10)}.`);
  lines.push(`wrk -t1 -c20 for ${o.seconds} s on GET ${PATH} after a ${o.warmup} s warm-up; \`perf record -e cpu-clock -F ${SAMPLE_HZ} -g\` of the server process meanwhile.`);
  lines.push('CPU µs per request, from perf samples (each sample is charged to the innermost JavaScript function; see bench/lib/perf-profile.ts).');
  lines.push('');
  lines.push(`| | no agent | ${o.agent} | added |`);
  lines.push('| --- | ---: | ---: | ---: |');
  lines.push(`| requests/s | ${none.rps.toFixed(0)} | ${agent.rps.toFixed(0)} | ratio ${(agent.rps / none.rps).toFixed(2)} |`);
  lines.push(`| user CPU µs/req (/proc) | ${f(none.userMicros)} | ${f(agent.userMicros)} | ${f(agent.userMicros - none.userMicros)} |`);
  lines.push(`| system CPU µs/req (/proc) | ${f(none.systemMicros)} | ${f(agent.systemMicros)} | ${f(agent.systemMicros - none.systemMicros)} |`);
  let totalNone = 0;
  let totalAgent = 0;
  for (const bucket of BUCKETS) {
    const a = none.profile.buckets.get(bucket) ?? 0;
    const b = agent.profile.buckets.get(bucket) ?? 0;
    totalNone += a;
    totalAgent += b;
    if (a === 0 && b === 0) continue;
    lines.push(`| ${bucket} | ${f(a)} | ${f(b)} | ${f(b - a)} |`);
  }
  lines.push(`| **all sampled CPU** | **${f(totalNone)}** | **${f(totalAgent)}** | **${f(totalAgent - totalNone)}** |`);
  lines.push('');
  const top = [...agent.profile.otelite].sort((x, y) => y[1] - x[1]).slice(0, 15);
  if (top.length > 0) {
    lines.push(`Agent functions with the most time (innermost frame, inlined callees included), µs/req:`);
    lines.push('');
    lines.push('| function (module) | µs/req |');
    lines.push('| --- | ---: |');
    for (const [name, micros] of top) lines.push(`| ${cell(name)} | ${f(micros)} |`);
    lines.push('');
  }
  // Node's and the app's own functions whose time changed with the agent: where "node and app"'s
  // added time goes (the agent's wrappers around them, hooks they now run, deoptimized call
  // sites). Both ways: a frame is a compiled function with whatever V8 inlined into it, so time
  // that moves from one function's code to another's (inlined there with the agent, not
  // without) shows as one growing and another shrinking.
  const changes = [...new Set([...none.profile.host.keys(), ...agent.profile.host.keys()])].map(
    (name): [string, number, number] => [name, none.profile.host.get(name) ?? 0, agent.profile.host.get(name) ?? 0],
  );
  const byChange = (x: [string, number, number], y: [string, number, number]): number => y[2] - y[1] - (x[2] - x[1]);
  const grown = [...changes].sort(byChange).slice(0, 15).filter(([, a, b]) => b > a);
  const shrunk = [...changes].sort(byChange).reverse().slice(0, 8).filter(([, a, b]) => b < a);
  for (const [rows, how] of [[grown, 'more'], [shrunk, 'less']] as const) {
    if (rows.length === 0) continue;
    lines.push(`Node's and the app's functions that take ${how} time with ${o.agent} (innermost frame), µs/req:`);
    lines.push('');
    lines.push(`| function (module) | no agent | ${o.agent} | added |`);
    lines.push('| --- | ---: | ---: | ---: |');
    for (const [name, a, b] of rows) lines.push(`| ${cell(name)} | ${f(a)} | ${f(b)} | ${f(b - a)} |`);
    lines.push('');
  }
  if (cpuProfFiles.length > 0) lines.push(`V8 CPU profile of the ${o.agent} run (open in Chrome DevTools): ${cpuProfFiles.join(', ')}`);
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  ensureBuild();
  ensureBenchDeps();
  const wrk = ensureWrk();
  const perf = ensurePerf();
  const sink = await startSink(((o.warmup + o.seconds) * 2 + 120) * 1000);
  const outDir = BENCH_OUT_DIR;
  mkdirSync(outDir, { recursive: true });
  const cpuProfDir = o.cpuProf ? path.join(outDir, `cpu-prof-${o.server}-${o.agent}`) : undefined;
  let infra: Infra | undefined;
  try {
    if (o.server === 'realistic') {
      ensureDbServers();
      infra = await startRealisticInfra(((o.warmup + o.seconds) * 2 + 180) * 1000, (line) => console.log(line));
    }
    const extraEnv = infra?.env ?? {};
    console.log(`profiling ${o.server}: no agent, then ${o.agent} (${o.seconds} s each)...`);
    const none = await profileRun(perf, wrk, sink.url, o, extraEnv, 'none', undefined);
    const agent = await profileRun(perf, wrk, sink.url, o, extraEnv, o.agent, cpuProfDir);
    const files = cpuProfDir === undefined ? [] : readdirSync(cpuProfDir).map((f) => path.relative(REPO_ROOT, path.join(cpuProfDir, f)));
    const text = report(o, none, agent, files);
    saveReport(`profile-${o.server}-${o.agent}.md`, text);
  } finally {
    await infra?.stop();
    await sink.stop();
  }
}

runMain('bench:profile', main);
