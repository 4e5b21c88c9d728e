import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { checkBaseline } from './lib/agents';
import { ArgReader } from './lib/argv';
import { benchRequire, OTELITE_REGISTER, REPO_ROOT } from './lib/paths';
import { median } from './lib/stats';

/**
 * Lines per CPU second of a pino logger and of a winston logger writing to a null stream, inside one
 * active span: with no agent, otelite with its pino and winston instrumentations off (what the
 * agent costs a logger by itself: the span's context), otelite with correlation only (OTEL_LOGS_EXPORTER=none: the ids in
 * each line, nothing sent), otelite sending (every record also emitted and exported over OTLP
 * http/protobuf) and the official agent (auto-instrumentations-node: its pino and winston
 * instrumentations, logs over OTLP http/protobuf). One child process per measurement, variants
 * interleaved round by round; medians.
 *
 *   node build/bench/logs.js [--rounds 5] [--seconds 2] [--paced] [--loggers pino,winston] [--variants none,...]
 *
 * Variant `otelite-baseline-sending` is `otelite-sending` with another build of otelite
 * (OTELITE_BASELINE=<build>/src/register.js): a change's before and after in one interleaved run.
 *
 * The loggers are the test version set's (pino 10, winston 3: test/versions/current). Lines are
 * written in batches of 500 with a setImmediate between batches, so that the exporters' timers
 * run as in an app; metrics are not exported, the one span is. At that rate the sending variants'
 * queue overflows and most records are dropped before they are encoded; `--paced` writes batches
 * of 50 lines a timer tick (about a millisecond) apart instead, a rate the export keeps up with, so
 * that every record is encoded and sent.
 */
type LoggerId = 'pino' | 'winston';
type VariantId = 'none' | 'otelite-loggers-off' | 'otelite-correlation' | 'otelite-sending' | 'otelite-baseline-sending' | 'official';

const LOGGERS: readonly LoggerId[] = ['pino', 'winston'];
const VARIANTS: readonly VariantId[] = ['none', 'otelite-loggers-off', 'otelite-correlation', 'otelite-sending', 'otelite-baseline-sending', 'official'];
const DEFAULT_VARIANTS = VARIANTS.filter((v) => v !== 'otelite-baseline-sending');
/** Lines per batch, and what comes between batches: the next turn of the loop, or a timer tick. */
interface Pace {
  batch: number;
  pause: () => Promise<void>;
}
const FLAT_OUT: Pace = { batch: 500, pause: () => new Promise((resolve) => setImmediate(resolve)) };
const PACED: Pace = { batch: 50, pause: () => new Promise((resolve) => setTimeout(resolve, 0)) };

function variantArgs(variant: VariantId, sink: string): { preload: string | undefined; env: Record<string, string> } {
  // Spans are exported too: the official agent makes none without a traces exporter (then it
  // would have no ids to add). One span per measurement: its cost is nil.
  const common = { OTEL_SERVICE_NAME: 'bench-logs', OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: sink, OTEL_METRICS_EXPORTER: 'none', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' };
  const sending = { OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${sink}/v1/logs` };
  switch (variant) {
    case 'none':
      return { preload: undefined, env: {} };
    case 'otelite-loggers-off':
      return { preload: OTELITE_REGISTER, env: { ...common, OTEL_LOGS_EXPORTER: 'none', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pino,winston' } };
    case 'otelite-correlation':
      return { preload: OTELITE_REGISTER, env: { ...common, OTEL_LOGS_EXPORTER: 'none' } };
    case 'otelite-sending':
      return { preload: OTELITE_REGISTER, env: { ...common, ...sending } };
    case 'otelite-baseline-sending':
      return { preload: process.env['OTELITE_BASELINE'], env: { ...common, ...sending } };
    case 'official':
      return {
        preload: benchRequire.resolve('@opentelemetry/auto-instrumentations-node/register'),
        env: { ...common, ...sending, OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process' },
      };
  }
}

/** A collector that takes every request and answers an empty (valid) protobuf response. */
async function startSink(): Promise<{ server: Server; url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

interface Measurement {
  linesPerSecond: number;
  sample: Record<string, unknown>;
}

/** One child process: `logger` under `variant`, measured for `seconds`. */
async function measure(logger: LoggerId, variant: VariantId, sink: string, seconds: number, paced: boolean): Promise<Measurement> {
  const { preload, env } = variantArgs(variant, sink);
  const args = [...(preload === undefined ? [] : ['--require', preload]), __filename, '--child', logger, '--seconds', String(seconds), ...(paced ? ['--paced'] : [])];
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL') && k !== 'NODE_OPTIONS') clean[k] = v;
  const child = spawn(process.execPath, args, { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const match = /^RESULT (.*)$/m.exec(stdout);
  if (code !== 0 || match === null) throw new Error(`${logger} under ${variant} failed (${code}): ${stderr.slice(-2000)}`);
  return JSON.parse(match[1]) as Measurement;
}

// ---- the child: one logger, one measurement --------------------------------------------------

const versionSet = createRequire(path.join(REPO_ROOT, 'test', 'versions', 'current', 'package.json'));

function makeLogger(logger: LoggerId, sink: Writable): (i: number) => void {
  if (logger === 'pino') {
    const pino = versionSet('pino') as (opts: object, stream: Writable) => { info(o: object, m: string): void };
    const log = pino({}, sink);
    return (i) => log.info({ user: 42, path: '/users/42', i }, 'request handled');
  }
  const winston = versionSet('winston') as {
    createLogger(o: object): { info(m: string, meta: object): void };
    format: { json(): unknown };
    transports: { Stream: new (o: object) => unknown };
  };
  const log = winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream: sink })] });
  return (i) => log.info('request handled', { user: 42, path: '/users/42', i });
}

async function child(logger: LoggerId, seconds: number, pace: Pace): Promise<void> {
  let first: string | undefined;
  // A null stream: nothing is copied (no string turned into a Buffer), so a longer line costs the
  // logger's own work only.
  const sink = new Writable({
    objectMode: logger === 'winston',
    decodeStrings: false,
    write(chunk: unknown, _encoding, callback) {
      first ??= typeof chunk === 'string' || Buffer.isBuffer(chunk) ? chunk.toString() : JSON.stringify(chunk);
      callback();
    },
  });
  const log = makeLogger(logger, sink);
  const api = benchRequire('@opentelemetry/api') as { trace: { getTracer(n: string): { startActiveSpan<T>(n: string, f: (span: { end(): void }) => T): T } } };
  const run = (ms: number): Promise<number> =>
    api.trace.getTracer('bench').startActiveSpan('bench', async (span) => {
      let lines = 0;
      const end = performance.now() + ms;
      while (performance.now() < end) {
        for (let i = 0; i < pace.batch; i++) log(lines + i);
        lines += pace.batch;
        await pace.pause();
      }
      span.end();
      return lines;
    });
  await run(500); // warm-up
  // Lines per second of the process's own CPU time (every thread: the exporters' work counts),
  // not of wall time: the figure then holds on a machine other work is loading too.
  const cpu = process.cpuUsage();
  const lines = await run(seconds * 1000);
  const used = process.cpuUsage(cpu);
  const elapsed = (used.user + used.system) / 1e6;
  const line = String(first).trim();
  const sample = (line.startsWith('{') ? JSON.parse(line) : { line }) as Record<string, unknown>;
  process.stdout.write(`RESULT ${JSON.stringify({ linesPerSecond: lines / elapsed, sample })}\n`);
}

// ---- the parent ---------------------------------------------------------------------------

interface Options {
  rounds: number;
  seconds: number;
  paced: boolean;
  loggers: readonly LoggerId[];
  variants: readonly VariantId[];
  /** Set in a measurement's own process: the logger it measures. */
  child: LoggerId | undefined;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { rounds: 5, seconds: 2, paced: false, loggers: LOGGERS, variants: DEFAULT_VARIANTS, child: undefined };
  const reader = new ArgReader(argv);
  for (let arg = reader.next(); arg !== undefined; arg = reader.next()) {
    if (arg === '--rounds') o.rounds = reader.count(arg);
    else if (arg === '--seconds') o.seconds = reader.positive(arg);
    else if (arg === '--paced') o.paced = true;
    else if (arg === '--loggers') o.loggers = reader.list(arg, LOGGERS, 'logger');
    else if (arg === '--variants') o.variants = reader.list(arg, VARIANTS, 'variant');
    else if (arg === '--child') o.child = reader.choice(arg, LOGGERS, 'logger');
    else throw new Error(`unknown option ${arg}`);
  }
  checkBaseline(o.variants);
  return o;
}

async function main(): Promise<void> {
  const { rounds, seconds, paced, loggers, variants, child: childLogger } = parseArgs(process.argv.slice(2));
  if (childLogger !== undefined) return child(childLogger, seconds, paced ? PACED : FLAT_OUT);
  const sink = await startSink();
  const results = new Map<string, number[]>();
  const samples = new Map<string, Record<string, unknown>>();
  console.log(`logs benchmark: ${rounds} interleaved rounds of ${seconds} s per logger and variant, ${paced ? 'paced (50 lines a timer tick)' : 'flat out (500 lines a turn)'}, Node ${process.version}`);
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const logger of loggers) {
        for (const variant of variants) {
          const m = await measure(logger, variant, sink.url, seconds, paced);
          const key = `${logger} ${variant}`;
          results.set(key, [...(results.get(key) ?? []), m.linesPerSecond]);
          samples.set(key, m.sample);
          console.log(`round ${round} ${key}: ${Math.round(m.linesPerSecond)} lines per CPU second`);
        }
      }
    }
  } finally {
    sink.server.close();
  }
  console.log(`\nmedians (lines per CPU second; relative to no agent), ${sink.requests()} export requests received\n`);
  console.log('| logger | variant | lines per CPU second | vs no agent | ids in the line |');
  console.log('|---|---|---|---|---|');
  for (const logger of loggers) {
    const base = median(results.get(`${logger} none`) ?? []);
    for (const variant of variants) {
      const value = median(results.get(`${logger} ${variant}`) ?? []);
      const ids = samples.get(`${logger} ${variant}`)?.trace_id !== undefined ? 'yes' : 'no';
      console.log(`| ${logger} | ${variant} | ${Math.round(value)} | ${variant === 'none' ? '' : `${(((value - base) / base) * 100).toFixed(1)}%`} | ${ids} |`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
