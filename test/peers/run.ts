import { execFileSync, spawn } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { startReceiver, type Receiver } from '../kit/otlp-receiver';
import { REGISTER } from '../kit/paths';
import { startPostgres, startRedis, type RunningServer } from '../kit/servers';
import { officialRegister } from './agents';
import { COMPILED_ENV } from './compiled-redirect';
import { appendOutcome, OUTCOMES_ENV } from './outcome-file';
import { compareRuns, countOutcomes, readOutcomes, type RunCounts, type TestOutcome } from './results';
import { detectSuite, readPackage, type Suite, type SuiteKind } from './suites';

const USAGE = `npm run test:peers -- <library> <source> [options]

Runs a library's own test suite without the agent (twice, to find flaky tests) and with it, and
fails when a test that passed in both runs without the agent fails with it, or when the agent
exported none of the library's spans or log records (its instrumentation was not live).

  <library>            the package name the agent instruments (express, fastify, pg, ...)
  <source>             a source tree (a folder with the library's package.json and tests), or
                       npm:<name>@<version> for a package whose tarball holds its tests
  --agent NAME         otelite (default) or official (@opentelemetry/auto-instrumentations-node)
  --agent-env NAME=V   a setting of the run with the agent (repeatable), such as
                       OTEL_TRACES_SAMPLER=otelite_tail: the suite under that configuration
                       (not NODE_OPTIONS or an OTLP endpoint: every signal goes to the runner's
                       receiver; traces, metrics and logs are on, as the agent's defaults have them)
  --runner KIND        mocha, node-test or per-file (default: found from package.json's test script)
  --files PATTERN      test files or globs, instead of the script's (repeatable; per-file needs it)
  --spans-of NAME      the instrumentation whose spans prove it was live, when it is named
                       otherwise than the library (router: express)
  --service NAME       start a throwaway server for the suite, on a free port: postgres (sets
                       PGHOST, PGPORT, PGUSER, PGDATABASE) or redis (sets REDIS_HOST, REDIS_PORT);
                       redis:PORT on that port, for a suite that connects to a fixed one
                       (ioredis: redis:6379), failing if something else listens there
  --prepare SCRIPT     an npm script of the tree run once after installing (pino: transpile,
                       which makes the test fixtures its suite loads)
  --compiled FROM=TO   the suite's tests import the library's TypeScript sources in FROM (lib):
                       the tree's build script is run once, and every run loads the compiled
                       files in TO (built) instead, as users get them and the agent patches them
  --baseline-runs N    runs without the agent (default 2)
  --run-minutes N      time limit of one run (default 20)
  --file-minutes N     time limit of each test file (node:test suites), in every run: a file
                       that hangs (its failed assertion left a server open) fails as a whole,
                       keeps the outcomes it reported, and does not hold up the others
  --work DIR           where the tree is installed (default: a folder under the system's tmp)`;

interface Options {
  library: string;
  source: string;
  agent: 'otelite' | 'official';
  /** Settings of the run with the agent only, over the runner's defaults (the agent's own, a shorter span export delay). */
  agentSettings: Record<string, string>;
  runner?: SuiteKind;
  files: string[];
  spansOf: string;
  services: string[];
  /** npm scripts run once in the tree after installing (`--prepare transpile`). */
  prepare: string[];
  /** Source and compiled folders, relative to the tree (`--compiled lib=built`). */
  compiled: { from: string; to: string } | undefined;
  baselineRuns: number;
  runMs: number;
  /** Time limit of each test file of a node:test suite; undefined: only the run's. */
  fileMs: number | undefined;
  work?: string;
}

function parseOptions(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      agent: { type: 'string', default: 'otelite' },
      'agent-env': { type: 'string', multiple: true, default: [] },
      runner: { type: 'string' },
      files: { type: 'string', multiple: true, default: [] },
      'baseline-runs': { type: 'string', default: '2' },
      'run-minutes': { type: 'string', default: '20' },
      work: { type: 'string' },
      'spans-of': { type: 'string' },
      service: { type: 'string', multiple: true, default: [] },
      'file-minutes': { type: 'string' },
      compiled: { type: 'string' },
      prepare: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true || positionals.length !== 2) {
    console.log(USAGE);
    process.exit(values.help === true ? 0 : 2);
  }
  const fail = (message: string): never => {
    console.error(`${message}\n\n${USAGE}`);
    process.exit(2);
  };
  const agent = values.agent === 'otelite' || values.agent === 'official' ? values.agent : fail(`--agent must be otelite or official, not ${values.agent}`);
  const agentSettings: Record<string, string> = {};
  for (const setting of values['agent-env'] ?? []) {
    const eq = setting.indexOf('=');
    if (eq <= 0) fail(`--agent-env must be NAME=VALUE, not ${setting}`);
    const name = setting.slice(0, eq);
    if (RUNNER_OWNED.includes(name)) fail(`--agent-env cannot set ${name}: the runner sets it to load the agent and receive what it exports`);
    agentSettings[name] = setting.slice(eq + 1);
  }
  const runner = values.runner;
  if (runner !== undefined && runner !== 'mocha' && runner !== 'node-test' && runner !== 'per-file') fail(`--runner must be mocha, node-test or per-file, not ${runner}`);
  const baselineRuns = Number(values['baseline-runs']);
  if (!Number.isInteger(baselineRuns) || baselineRuns < 1) fail(`--baseline-runs must be a whole number of at least 1, not ${values['baseline-runs']}`);
  for (const service of values.service ?? []) if (!/^(postgres|redis(:\d+)?)$/.test(service)) fail(`--service must be postgres, redis or redis:PORT, not ${service}`);
  const compiled = values.compiled === undefined ? undefined : /^([^=]+)=([^=]+)$/.exec(values.compiled);
  if (compiled === null) fail(`--compiled must be FROM=TO (source and compiled folders of the tree, such as lib=built), not ${values.compiled}`);
  const minutes = Number(values['run-minutes']);
  if (!(minutes > 0)) fail(`--run-minutes must be a positive number, not ${values['run-minutes']}`);
  const fileMinutes = values['file-minutes'] === undefined ? undefined : Number(values['file-minutes']);
  if (fileMinutes !== undefined && !(fileMinutes > 0)) fail(`--file-minutes must be a positive number, not ${values['file-minutes']}`);
  return {
    library: positionals[0],
    source: positionals[1],
    agent,
    agentSettings,
    runner: runner as SuiteKind | undefined,
    files: values.files ?? [],
    spansOf: values['spans-of'] ?? positionals[0],
    services: values.service ?? [],
    prepare: values.prepare ?? [],
    compiled: compiled === undefined || compiled === null ? undefined : { from: compiled[1], to: compiled[2] },
    baselineRuns,
    runMs: minutes * 60_000,
    fileMs: fileMinutes === undefined ? undefined : fileMinutes * 60_000,
    work: values.work,
  };
}

/**
 * Lays the library's tree out as `<work>/node_modules/<library>/`, where the agent's hooks
 * recognise its files (they match `node_modules/<name>/`), and installs its dependencies, dev
 * dependencies included. The installed node_modules is kept between runs while package.json is
 * unchanged.
 */
function prepareTree(options: Options): string {
  const work = options.work ?? path.join(tmpdir(), 'otelite-peers', options.source.replace(/[^\w.@-]+/g, '_'));
  const tree = path.join(work, 'node_modules', options.library);
  mkdirSync(tree, { recursive: true });
  for (const entry of readdirSync(tree)) if (entry !== 'node_modules') rmSync(path.join(tree, entry), { recursive: true, force: true });
  if (options.source.startsWith('npm:')) {
    const spec = options.source.slice('npm:'.length);
    const packDir = mkdtempSync(path.join(tmpdir(), 'otelite-peers-pack-'));
    const tarball = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', packDir], { encoding: 'utf8' }).trim().split('\n').pop() ?? '';
    execFileSync('tar', ['-xzf', path.join(packDir, tarball), '-C', tree, '--strip-components=1']);
    rmSync(packDir, { recursive: true, force: true });
  } else {
    const source = path.resolve(options.source);
    if (!existsSync(path.join(source, 'package.json'))) throw new Error(`${source} has no package.json: give the library's source tree, or npm:<name>@<version>`);
    // The tree's own installed packages and git data stay behind; a test fixture's node_modules is copied.
    const left = new Set([path.join(source, 'node_modules'), path.join(source, '.git')]);
    cpSync(source, tree, { recursive: true, filter: (file) => !left.has(file) });
  }
  const manifest = readFileSync(path.join(tree, 'package.json'), 'utf8');
  const stamp = path.join(tree, 'node_modules', '.otelite-peers-package.json');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== manifest) {
    console.log(`Installing ${options.library}'s dependencies and dev dependencies in ${tree} ...`);
    // A tree with its own lockfile gets the versions it was tested with (an older tree's build can
    // fail on today's type packages); one without gets the newest its ranges allow.
    const lockfile = existsSync(path.join(tree, 'package-lock.json'));
    const install = lockfile ? ['ci'] : ['install', '--no-package-lock'];
    execFileSync('npm', [...install, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: tree, stdio: 'inherit' });
    writeFileSync(stamp, manifest);
  }
  for (const script of options.prepare) runScript(tree, script, '--prepare');
  if (options.compiled !== undefined) buildTree(tree, options.compiled);
  return tree;
}

/** Runs one of the tree's npm scripts, which `option` needs. */
function runScript(tree: string, script: string, option: string): void {
  if (readPackage(tree).scripts?.[script] === undefined) throw new Error(`${option} needs a "${script}" script in ${tree}/package.json`);
  console.log(`In ${tree}: npm run ${script} ...`);
  execFileSync('npm', ['run', script, '--silent'], { cwd: tree, stdio: 'inherit' });
}

/** Runs the tree's build script once, for `--compiled`, and checks that it made the compiled folder. */
function buildTree(tree: string, compiled: { from: string; to: string }): void {
  runScript(tree, 'build', '--compiled');
  for (const folder of [compiled.from, compiled.to]) if (!existsSync(path.join(tree, folder))) throw new Error(`--compiled: ${tree}/${folder} does not exist (after the build)`);
}

/**
 * What every run of the suite preloads, with the agent or not: for `--compiled`, the redirect of
 * the sources to their compiled files (compiled-redirect.ts).
 */
function sharedPreload(options: Options, tree: string): { env: NodeJS.ProcessEnv; requires: string[] } {
  if (options.compiled === undefined) return { env: {}, requires: [] };
  const folders = [path.join(tree, options.compiled.from), path.join(tree, options.compiled.to)];
  return { env: { [COMPILED_ENV]: JSON.stringify(folders) }, requires: [path.join(__dirname, 'compiled-redirect.js')] };
}

/** NODE_OPTIONS that preload `files` in every process the suite starts (none: nothing set). */
function preloading(files: string[]): NodeJS.ProcessEnv {
  return files.length === 0 ? {} : { NODE_OPTIONS: files.map((file) => `--require ${file}`).join(' ') };
}

interface RunResult {
  label: string;
  outcomes: Map<string, TestOutcome>;
  counts: RunCounts;
  seconds: number;
  exitCode: number | null;
  log: string;
}

/** The environment of a run: the app's own, less any agent set up around this runner. */
function baseEnv(outcomesFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('OTEL_') && key !== 'NODE_OPTIONS') env[key] = value;
  env[OUTCOMES_ENV] = outcomesFile;
  return env;
}

/** What `agentEnv` sets to load the agent and count its spans: `--agent-env` may not change it. */
const RUNNER_OWNED = [
  'NODE_OPTIONS',
  'OTEL_TRACES_EXPORTER',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT',
];

/**
 * The agent, preloaded in every process the suite starts (NODE_OPTIONS), with its default
 * configuration (traces, metrics and logs on), every signal exported to the runner's receiver so
 * that the library's spans can be counted; `--agent-env`'s settings over the other defaults.
 */
function agentEnv(options: Options, receiver: Receiver, preloads: string[]): NodeJS.ProcessEnv {
  return {
    ...preloading([...preloads, options.agent === 'otelite' ? REGISTER : officialRegister()]),
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: receiver.metricsEndpoint,
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.logsEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_BSP_SCHEDULE_DELAY: '500',
    ...options.agentSettings,
  };
}

function commandOf(suite: Suite, fileMs: number | undefined, file?: string): string[] {
  switch (suite.kind) {
    case 'mocha':
      return [suite.mochaBin, ...suite.args, '--reporter', path.join(__dirname, 'mocha-reporter.js')];
    case 'node-test':
      return [path.join(__dirname, 'node-test-driver.js'), ...(fileMs === undefined ? [] : ['--file-ms', String(fileMs)]), ...suite.files];
    case 'per-file':
      return [file as string];
  }
}

/** Runs one command in the tree; a run past its time limit is stopped, with its whole process group. */
function runCommand(tree: string, args: string[], env: NodeJS.ProcessEnv, log: NodeJS.WritableStream, limitMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: tree, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    const timer = setTimeout(() => {
      log.write(`\n[peers] stopped after ${limitMs / 60_000} minutes\n`);
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

async function runSuite(label: string, tree: string, suite: Suite, logDir: string, extraEnv: NodeJS.ProcessEnv, options: Options): Promise<RunResult> {
  const slug = label.replace(/\W+/g, '-');
  const outcomesFile = path.join(logDir, `${slug}.jsonl`);
  const logFile = path.join(logDir, `${slug}.log`);
  rmSync(outcomesFile, { force: true });
  const log = createWriteStream(logFile);
  const env = { ...baseEnv(outcomesFile), ...suite.env, ...extraEnv };
  const started = Date.now();
  let exitCode: number | null = 0;
  if (suite.kind === 'per-file') {
    for (const file of suite.files) {
      const code = await runCommand(tree, commandOf(suite, undefined, file), env, log, options.runMs);
      appendOutcome(outcomesFile, { id: file, outcome: code === 0 ? 'passed' : 'failed', ...(code === 0 ? {} : { error: `exit code ${code}` }) });
      if (code !== 0) exitCode = code;
    }
  } else {
    exitCode = await runCommand(tree, commandOf(suite, options.fileMs), env, log, options.runMs);
  }
  await new Promise((resolve) => log.end(resolve));
  const outcomes = readOutcomes(outcomesFile);
  const result = { label, outcomes, counts: countOutcomes(outcomes), seconds: (Date.now() - started) / 1000, exitCode, log: logFile };
  const { passed, failed, skipped } = result.counts;
  console.log(`  ${label.padEnd(16)} ${passed} passed, ${failed} failed, ${skipped} skipped (${result.seconds.toFixed(0)} s, exit code ${exitCode}; log ${logFile})`);
  return result;
}

/** Throwaway servers for a suite that needs them (test/kit/servers.ts), and the environment that points the suite at them. */
async function startServices(names: string[]): Promise<{ env: NodeJS.ProcessEnv; stop(): Promise<void> }> {
  const env: NodeJS.ProcessEnv = {};
  const running: RunningServer[] = [];
  for (const name of names) {
    if (name === 'postgres') {
      const server = await startPostgres();
      running.push(server);
      Object.assign(env, { PGHOST: server.host, PGPORT: String(server.port), PGUSER: server.user, PGDATABASE: server.database });
    } else {
      const fixedPort = name.startsWith('redis:') ? Number(name.slice('redis:'.length)) : undefined;
      const server = await startRedis(fixedPort);
      running.push(server);
      Object.assign(env, { REDIS_HOST: server.host, REDIS_PORT: String(server.port) });
    }
  }
  return { env, stop: async () => void (await Promise.all(running.map((server) => server.stop()))) };
}

/** The spans and log records of an instrumentation scope naming the library (otelite/express, otelite/pino, @opentelemetry/instrumentation-express, @fastify/otel). */
function libraryTelemetry(receiver: Receiver, name: string): { spans: number; logs: number } {
  const ofLibrary = (scope: { name: string }): boolean => scope.name.split(/[@/-]/).includes(name);
  return { spans: receiver.spans.filter((span) => ofLibrary(span.scope)).length, logs: receiver.logs.filter((record) => ofLibrary(record.scope)).length };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const tree = prepareTree(options);
  const { version } = readPackage(tree);
  const suite = detectSuite(tree, options.runner, options.runner === 'per-file' || options.files.length > 0 ? options.files : []);
  if (suite.kind === 'per-file' && suite.files.length === 0) throw new Error(`--files ${options.files.join(' ')} matches no file in ${tree}`);
  const logDir = path.join(path.dirname(path.dirname(tree)), 'peers-logs');
  mkdirSync(logDir, { recursive: true });
  if (options.fileMs !== undefined && suite.kind !== 'node-test') throw new Error(`--file-minutes applies to node:test suites, not to a ${suite.kind} one`);
  const what = `${suite.kind === 'mocha' ? `mocha ${suite.args.join(' ')}` : `${suite.kind}, ${suite.files.length} files`}${options.fileMs === undefined ? '' : `, ${options.fileMs / 60_000} min a file`}`;
  const agentLabel = [options.agent, ...Object.entries(options.agentSettings).map(([name, value]) => `${name}=${value}`)].join(' ');
  console.log(`\n${options.library} ${version}: its own suite (${what}), ${options.baselineRuns} runs without an agent, one with ${agentLabel}`);

  const services = await startServices(options.services);
  const shared = sharedPreload(options, tree);
  const runEnv = { ...services.env, ...shared.env, ...preloading(shared.requires) };
  const receiver = await startReceiver({ protocol: 'http/protobuf' });
  const baselines: RunResult[] = [];
  let withAgent: RunResult;
  let library: { spans: number; logs: number };
  let received: { metrics: number; logs: number };
  try {
    for (let i = 1; i <= options.baselineRuns; i++) baselines.push(await runSuite(`without agent ${i}`, tree, suite, logDir, runEnv, options));
    withAgent = await runSuite(`with ${agentLabel}`, tree, suite, logDir, { ...runEnv, ...agentEnv(options, receiver, shared.requires) }, options);
    // Processes flush at exit; the last exports may still be arriving.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    library = libraryTelemetry(receiver, options.spansOf);
    received = { metrics: receiver.metrics.length, logs: receiver.logs.length };
  } finally {
    await receiver.close();
    await services.stop();
  }

  const comparison = compareRuns(baselines.map((run) => run.outcomes), withAgent.outcomes);
  const problems: string[] = [];
  if (baselines.some((run) => run.outcomes.size === 0)) problems.push('a run without the agent reported no test: the suite did not run (see its log)');
  if (library.spans + library.logs === 0) problems.push(`no ${options.spansOf} span or log record was exported: the instrumentation was not live, so passing proves nothing`);
  if (comparison.unstable.length > 0) {
    console.log(`  failed or missing in a run without the agent (not judged): ${comparison.unstable.length}`);
    for (const line of comparison.unstable) console.log(`    ${line}`);
  }
  console.log(`  ${options.spansOf} spans exported with ${agentLabel}: ${library.spans}${library.logs > 0 ? `, ${options.spansOf} log records: ${library.logs}` : ''}${received.metrics + received.logs > 0 ? `; also received: ${received.metrics} metrics, ${received.logs} log records` : ''}`);
  for (const { id, error } of comparison.broken) console.log(`  BROKEN ${id}\n         ${error}`);
  for (const problem of problems) console.log(`  ERROR ${problem}`);
  console.log(`peers ${options.library} ${version} with ${agentLabel}: ${comparison.stable} tests passing without the agent, ${comparison.broken.length} broken by the agent`);
  if (comparison.broken.length > 0 || problems.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error((error as Error).message ?? error);
  process.exitCode = 1;
});
