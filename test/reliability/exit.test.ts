import assert from 'node:assert/strict';
import * as path from 'node:path';
import { startReceiver, type Receiver } from '../kit/otlp-receiver';
import { lostAtExitLine, type ExitInfo } from '../kit/process';
import { RELIABILITY_FIXTURES, request, startServerApp, uniqueSpans, type ServerApp } from './kit';

/**
 * How the app ends, with the agent and without it: each scenario runs the same fixture
 * (test/fixtures/reliability/exit-app.cjs) twice, with the agent (--require) and without it,
 * and compares the exit status or signal, the app's own output, and the essentials of Node's
 * crash report (message, source line, the app's frame). With the agent it also checks what was
 * flushed and that the exit was not held up beyond the flush deadline.
 *
 * What the runtime allows: on SIGTERM/SIGINT and at a natural end (beforeExit) the agent can
 * still do I/O, so queued spans are flushed (within 5 s). `process.exit()` and a crash (an
 * uncaught exception or unhandled rejection with no handler) run only synchronous code before
 * the process ends; the agent does not block the exit with synchronous network I/O, so spans
 * still queued then are lost (the README says so) and counted in one line on stderr; spans
 * exported before are not affected.
 */

const APP = path.join(RELIABILITY_FIXTURES, 'exit-app.cjs');
const SERVICE = 'reliability-exit';
/** The agent's flush deadline at exit (src/lifecycle.ts) and a margin for a loaded machine. */
const FLUSH_DEADLINE_MS = 5_000;
const MARGIN_MS = 2_000;

interface Run {
  exit: ExitInfo;
  /** Milliseconds from the provoking action to the end of the process. */
  tookMs: number;
  /** url.path of the SERVER spans received. */
  paths: string[];
  receiver?: Receiver;
}

interface Scenario {
  name: string;
  env?: Record<string, string>;
  /** The collector hangs instead of answering. */
  hang?: boolean;
  /** Requests made before the action (their spans are queued). */
  before?: string[];
  /** Provokes the end (or, for an app that survives, the fault, then a signal). */
  act(app: ServerApp): Promise<void>;
  expect: { code?: number | null; signal?: NodeJS.Signals | null; stdout?: RegExp; stderr?: RegExp };
  /** SERVER spans (url.path) that must reach the collector with the agent. */
  flushed?: string[];
  /** The agent's own lines on stderr, given the collector's traces endpoint (none when absent). */
  said?: (endpoint: string) => string[];
}

/** What the agent says when the process ends with `spans` still queued. */
const lostAtExit = (spans: number) => (endpoint: string) => [lostAtExitLine(`${spans} span${spans === 1 ? '' : 's'} for ${endpoint}`)];

async function ignoreError(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch {
    // the app went away mid-request: expected here
  }
}

const kill = (signal: NodeJS.Signals) => async (app: ServerApp) => {
  app.app.kill(signal);
};

const SCENARIOS: Scenario[] = [
  ...(['SIGTERM', 'SIGINT'] as const).flatMap((signal): Scenario[] => [
    {
      name: `${signal}, no handler in the app: ends by ${signal}, queued spans flushed`,
      before: ['/ok'],
      act: kill(signal),
      expect: { code: null, signal },
      flushed: ['/ok'],
    },
    {
      name: `${signal}, the app's own handler: the app decides (graceful close, exit code 7), queued spans flushed`,
      env: { APP_SIGNAL: signal },
      before: ['/ok'],
      act: kill(signal),
      expect: { code: 7, signal: null, stdout: new RegExp(`APP HANDLER ${signal}`) },
      flushed: ['/ok'],
    },
  ]),
  {
    // The signal's flush waits for the hung export, then the app's graceful end (beforeExit)
    // must not wait for it a second time.
    name: 'SIGINT with the app\'s handler while an export hangs: held at most the flush deadline in all',
    env: { APP_SIGNAL: 'SIGINT', OTEL_EXPORTER_OTLP_TIMEOUT: '60000', OTEL_BSP_SCHEDULE_DELAY: '50' },
    hang: true,
    before: ['/ok'],
    act: async (app) => {
      await new Promise((resolve) => setTimeout(resolve, 300)); // the export is in flight, hanging
      app.app.kill('SIGINT');
    },
    expect: { code: 7, signal: null, stdout: /APP HANDLER SIGINT/ },
    // Said once (the app's graceful end after the signal does not wait again, nor say it again), with what was lost and where to.
    said: (endpoint) => [`otelite warn: exit flush stopped after ${FLUSH_DEADLINE_MS} ms without an answer: 1 span for ${endpoint} not exported`],
  },
  {
    name: 'a natural end (server closed, process.exitCode = 3): flushed at beforeExit',
    before: ['/ok'],
    act: async (app) => {
      await request(app.port, '/close');
    },
    expect: { code: 3, signal: null },
    flushed: ['/ok', '/close'],
  },
  {
    name: 'process.exit(4) inside a request: same status, never delayed (queued spans are lost, and counted)',
    before: ['/ok'],
    act: (app) => ignoreError(request(app.port, '/exit')),
    expect: { code: 4, signal: null },
    said: lostAtExit(1),
  },
  {
    name: 'an uncaught exception in a request: same crash report and status 1, not delayed',
    before: ['/ok'],
    act: (app) => ignoreError(request(app.port, '/throw')),
    expect: { code: 1, signal: null, stderr: /Error: boom from handler/ },
    said: lostAtExit(1), // /ok's; the failed request's span never ended
  },
  {
    name: 'an unhandled rejection in a request: same crash (Node 20: status 1), not delayed',
    before: ['/ok'],
    act: (app) => ignoreError(request(app.port, '/reject')),
    expect: { code: 1, signal: null, stderr: /Error: rejected in handler/ },
    said: lostAtExit(2), // /ok's and /reject's (answered before the crash)
  },
  {
    name: 'an uncaught exception the app handles: the app keeps serving, and the failed request is traced',
    env: { APP_UNCAUGHT: '1' },
    act: async (app) => {
      await ignoreError(request(app.port, '/throw', undefined, 500));
      assert.equal((await request(app.port, '/ok')).body, 'ok');
      app.app.kill('SIGTERM');
    },
    expect: { code: null, signal: 'SIGTERM', stdout: /APP CAUGHT boom from handler/ },
    flushed: ['/throw', '/ok'],
  },
  {
    name: 'an unhandled rejection the app handles: the app keeps serving',
    env: { APP_UNHANDLED: '1' },
    act: async (app) => {
      assert.equal((await request(app.port, '/reject')).body, 'rejected');
      assert.equal((await request(app.port, '/ok')).body, 'ok');
      app.app.kill('SIGTERM');
    },
    expect: { code: null, signal: 'SIGTERM', stdout: /APP UNHANDLED rejected in handler/ },
    flushed: ['/reject', '/ok'],
  },
];

/** Node's report, without the agent's own lines, up to the first stack frame (later frames differ: the agent's wrappers). */
function essentials(stderr: string): string[] {
  const lines = stderr.split('\n').filter((l) => !l.startsWith('otelite '));
  const frame = lines.findIndex((l) => /^\s+at /.test(l));
  return (frame < 0 ? lines : lines.slice(0, frame + 1)).filter((l) => l.trim() !== '');
}

async function run(s: Scenario, withAgent: boolean): Promise<Run> {
  const receiver = withAgent
    ? await startReceiver({ protocol: 'http/protobuf', respond: s.hang ? () => ({ hang: true }) : undefined })
    : undefined;
  const app = await startServerApp({
    file: APP,
    preload: withAgent ? '--require' : 'none',
    env: {
      OTEL_SERVICE_NAME: SERVICE,
      // Only an exit flush can deliver what is queued.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      // Every signal to the receiver (the runtime metrics are exported at exit too).
      ...(receiver ? { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}` } : {}),
      ...s.env,
    },
  });
  try {
    for (const p of s.before ?? []) assert.equal((await request(app.port, p)).status, 200);
    const t0 = Date.now();
    await s.act(app);
    const exit = await app.exited(20_000);
    const tookMs = Date.now() - t0;
    const paths = receiver ? [...uniqueSpans(receiver.spans, SERVICE, 2).values()].map((sp) => String(sp.attributes['url.path'])) : [];
    return { exit, tookMs, paths, receiver };
  } finally {
    await app.stop('SIGKILL').catch(() => undefined);
    await receiver?.close();
  }
}

describe('reliability: exits and signals, with the agent exactly as without it', function () {
  this.timeout(60_000);

  for (const s of SCENARIOS) {
    it(s.name, async () => {
      const without = await run(s, false);
      const withAgent = await run(s, true);
      const { exit } = withAgent;

      // The expected ending, and the same ending both ways.
      if (s.expect.code !== undefined) assert.equal(without.exit.code, s.expect.code, `without the agent:\n${without.exit.stderr}`);
      if (s.expect.signal !== undefined) assert.equal(without.exit.signal, s.expect.signal);
      assert.equal(exit.code, without.exit.code, `exit status with the agent:\n${exit.stderr}`);
      assert.equal(exit.signal, without.exit.signal, `signal with the agent:\n${exit.stderr}`);
      if (s.expect.stdout) {
        assert.match(without.exit.stdout, s.expect.stdout);
        assert.match(exit.stdout, s.expect.stdout);
      }
      assert.deepEqual(
        exit.stdout.split('\n').filter((l) => !l.startsWith('LISTENING')),
        without.exit.stdout.split('\n').filter((l) => !l.startsWith('LISTENING')),
        'the app prints the same',
      );
      if (s.expect.stderr) {
        assert.match(without.exit.stderr, s.expect.stderr);
        assert.deepEqual(essentials(exit.stderr), essentials(without.exit.stderr), `crash report:\n${exit.stderr}`);
        assert.match(exit.stderr, /Node\.js v\d+/);
      }
      const agentLines = exit.stderr.split('\n').filter((l) => l.startsWith('otelite '));
      assert.deepEqual(agentLines, s.said?.(withAgent.receiver!.endpoint) ?? [], 'what the agent said');

      // Never held up: at most the flush deadline, and nothing at all where nothing can be flushed.
      const extra = withAgent.tookMs - without.tookMs;
      const allowed = s.flushed !== undefined || s.hang ? FLUSH_DEADLINE_MS + MARGIN_MS : MARGIN_MS;
      assert.ok(extra < allowed, `the agent added ${extra} ms to the exit (allowed ${allowed})`);

      for (const p of s.flushed ?? []) assert.ok(withAgent.paths.includes(p), `span of ${p} flushed at exit; got ${withAgent.paths.join(', ')}`);
      if (s.name.startsWith('an uncaught exception the app handles')) {
        const failed = [...uniqueSpans(withAgent.receiver!.spans, SERVICE, 2).values()].find((sp) => sp.attributes['url.path'] === '/throw')!;
        assert.equal(failed.status.code, 2, 'the failed request is an ERROR span');
      }
    });
  }

  it('spans exported before a crash are not lost with it', async () => {
    const receiver = await startReceiver({ protocol: 'http/protobuf' });
    const app = await startServerApp({
      file: APP,
      env: { OTEL_SERVICE_NAME: SERVICE, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}` },
    });
    try {
      await request(app.port, '/ok');
      await receiver.waitForSpans(1, 5_000);
      await ignoreError(request(app.port, '/throw'));
      const exit = await app.exited(10_000);
      assert.equal(exit.code, 1);
      assert.deepEqual([...uniqueSpans(receiver.spans, SERVICE, 2).values()].map((s) => s.attributes['url.path']), ['/ok']);
      assert.doesNotMatch(exit.stderr, /^otelite /m, 'nothing was lost, so nothing is said');
    } finally {
      await app.stop('SIGKILL').catch(() => undefined);
      await receiver.close();
    }
  });
});
