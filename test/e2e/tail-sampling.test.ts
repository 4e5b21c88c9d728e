import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as path from 'node:path';
import { KIND_CLIENT, KIND_SERVER, STATUS_ERROR, type DecodedSpan } from '../kit/otlp-decoder';
import { startReceiver, type Receiver } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { runApp, startApp, type RunningApp } from '../kit/process';
import { closedPort } from '../kit/servers';

/**
 * OTEL_TRACES_SAMPLER=otelite_tail in real processes: an HTTP app (test/fixtures/tail/app.cjs)
 * under load from the test, its spans exported over OTLP to the test kit's receiver.
 */

const APP = path.join(FIXTURES, 'tail', 'app.cjs');
const TWO_POW_56 = 2n ** 56n;

interface Answer {
  status: number;
  traceId: string;
  body: string;
}

function get(port: number, target: string, agent: http.Agent, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: target, agent, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, traceId: String(res.headers['x-trace-id'] ?? ''), body }));
      })
      .on('error', reject);
  });
}

/** Sends `targets` with at most `concurrency` in flight; the answers in the order of `targets`. */
async function load(port: number, targets: string[], concurrency: number): Promise<Answer[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const answers: Answer[] = new Array<Answer>(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      answers[i] = await get(port, targets[i], agent);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return answers;
}

/**
 * The specification's ratio rule, in exact integer arithmetic: sampled when the trace id's 56
 * right-most bits R reach T = 2^56 - round(ratio * 2^56), for ratio = 1 / `oneIn`.
 */
function ratioKeeps(traceId: string, oneIn: bigint): boolean {
  const threshold = TWO_POW_56 - (2n * TWO_POW_56 + oneIn) / (2n * oneIn);
  return BigInt(`0x${traceId.slice(18)}`) >= threshold;
}

function byTrace(spans: DecodedSpan[]): Map<string, DecodedSpan[]> {
  const traces = new Map<string, DecodedSpan[]>();
  for (const span of spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  return traces;
}

/** A trace as the fixture makes it: the SERVER span, and `work`, `late` (and `step`) as its children. */
function assertWhole(spans: DecodedSpan[], names: string[]): void {
  const server = spans.filter((s) => s.kind === KIND_SERVER);
  assert.equal(server.length, 1, `one SERVER span in ${spans.map((s) => s.name).join(', ')}`);
  const children = spans.filter((s) => s !== server[0]);
  assert.deepEqual(children.map((s) => s.name).sort(), names);
  for (const child of children) assert.equal(child.parentSpanId, server[0].spanId, `${child.name} is a child of the SERVER span`);
}

async function startTailApp(receiver: Receiver, arg: string, extra: Record<string, string> = {}): Promise<{ app: RunningApp; port: number }> {
  const app = startApp({
    file: APP,
    preload: '--require',
    env: {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_TRACES_SAMPLER: 'otelite_tail',
      OTEL_TRACES_SAMPLER_ARG: arg,
      OTEL_NODE_EXCLUDED_URLS: '/release',
      ...extra,
    },
  });
  const port = Number((await app.waitForOutput(/listening on (\d+)/))[1]);
  return { app, port };
}

/**
 * Ends the app the way a deployment does (SIGTERM: the agent decides what waits and flushes),
 * once the work that outlives the last answer is done (the fixture's `late` spans end 5 ms after
 * their response: a SIGTERM before that ends the process with them unfinished, as it would
 * without the agent).
 */
async function stop(app: RunningApp): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 200));
  app.kill('SIGTERM');
  const { stderr } = await app.exited;
  return stderr;
}

describe('otelite_tail: tail sampling in process (e2e)', function () {
  this.timeout(90_000);
  let receiver: Receiver;

  beforeEach(async () => {
    receiver = await startReceiver({ protocol: 'http/protobuf' });
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('ratio=0.01 with errors and latency kept: of 1,000 requests the 20 failures and 10 slow ones arrive whole, plus exactly the ratio\'s share, nothing else', async () => {
    const { app, port } = await startTailApp(receiver, 'ratio=0.01,keep_errors=true,slower_than=200ms', { SLOW_MS: '300' });
    const targets = Array.from({ length: 1_000 }, (_, i) => (i % 50 === 7 ? `/fail?i=${i}` : i % 100 === 31 ? `/slow?i=${i}` : `/ok?i=${i}`));
    assert.equal(targets.filter((t) => t.startsWith('/fail')).length, 20);
    assert.equal(targets.filter((t) => t.startsWith('/slow')).length, 10);
    const answers = await load(port, targets, 20);
    const stderr = await stop(app);

    assert.deepEqual(answers.map((a) => a.status), targets.map((t) => (t.startsWith('/fail') ? 500 : 200)), 'the app answered as it does without the agent');
    const failed = answers.filter((_, i) => targets[i].startsWith('/fail')).map((a) => a.traceId);
    const slow = answers.filter((_, i) => targets[i].startsWith('/slow')).map((a) => a.traceId);
    const byRatio = answers.filter((a, i) => targets[i].startsWith('/ok') && ratioKeeps(a.traceId, 100n)).map((a) => a.traceId);
    const expected = new Set([...failed, ...slow, ...byRatio]);
    assert.equal(expected.size, 30 + byRatio.length);

    const traces = byTrace(receiver.spans);
    assert.deepEqual(new Set(traces.keys()), expected, `received ${traces.size} traces, expected ${expected.size} (${byRatio.length} by the ratio)`);
    for (const [traceId, spans] of traces) {
      assertWhole(spans, ['late', 'work']);
      const server = spans.find((s) => s.kind === KIND_SERVER)!;
      if (failed.includes(traceId)) assert.equal(server.status.code, STATUS_ERROR);
      // The head decision: a ratio-kept trace is sampled and carries the 1% threshold; the others
      // were recorded only (downstream was told "not sampled") and carry no threshold.
      const headSampled = ratioKeeps(traceId, 100n);
      for (const span of spans) {
        assert.equal(span.flags & 0x1, headSampled ? 1 : 0);
        assert.equal(span.traceState, headSampled ? 'ot=th:fd70a3d70a3d71' : '');
      }
    }
    assert.doesNotMatch(stderr, /otelite (warn|error)/, stderr);
  });

  it('a burst beyond max_traces: at most the cap is held, the oldest traces are decided early, counted and reported in one line', async () => {
    const { app, port } = await startTailApp(receiver, 'ratio=0,slower_than=1ms,max_traces=50');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 80 });
    const pending = Array.from({ length: 80 }, (_, i) => get(port, `/hold?i=${i}`, agent));
    await app.waitForOutput(/held 80/);
    // Its own connection: the 80 of the agent are all busy.
    await get(port, '/release', new http.Agent());
    const answers = await Promise.all(pending);
    agent.destroy();
    const stderr = await stop(app);

    assert.ok(answers.every((a) => a.status === 200));
    const traces = byTrace(receiver.spans);
    // 80 traces each holding a `step` span: the 30 oldest were decided when the 51st arrived (head
    // decision: dropped, ratio 0), the 50 held ones kept when their roots ended (slow).
    assert.equal(traces.size, 50);
    for (const spans of traces.values()) assertWhole(spans, ['late', 'step', 'work']);
    const lines = stderr.split('\n').filter((l) => l.startsWith('otelite'));
    assert.equal(lines[0], 'otelite warn: tail-sampling buffer full (max_traces=50 in OTEL_TRACES_SAMPLER_ARG): dropping traces decided before their local root ended (1 so far); the count is reported at most every 10 s');
    assert.equal(lines[1], 'otelite warn: 29 more traces decided before their local root ended dropped since the last report (30 in total)');
    assert.equal(lines.length, 2, stderr);
  });

  it('max_per_second=20: kept traces stay within 20 in any one-second window, and the error traces are kept first', async () => {
    const { app, port } = await startTailApp(receiver, 'ratio=1,max_per_second=20');
    const targets = [...Array.from({ length: 150 }, (_, i) => `/ok?i=${i}`), '/fail?i=150', '/fail?i=151'];
    const answers = await load(port, targets, 10);
    const stderr = await stop(app);

    const traces = byTrace(receiver.spans);
    const ends = [...traces.values()].map((spans) => Number(spans.find((s) => s.kind === KIND_SERVER)!.endTimeUnixNano / 1_000_000n)).sort((a, b) => a - b);
    // The span's end is read a few microseconds before the decision's clock: 5 ms of slack.
    const mostInASecond = Math.max(...ends.map((start) => ends.filter((t) => t >= start && t < start + 995).length));
    assert.ok(mostInASecond <= 20, `${mostInASecond} kept traces in one second`);
    assert.ok(traces.size >= 20 && traces.size < 152, `${traces.size} kept of 152`);
    for (const fail of answers.slice(150)) assert.ok(traces.has(fail.traceId), 'error trace kept');
    for (const spans of traces.values()) assertWhole(spans, ['late', 'work']);
    assert.doesNotMatch(stderr, /otelite (warn|error)/, stderr);
  });

  describe('the app behaves as without the agent', () => {
    it('downstream services get the head decision in traceparent; an error in the callee keeps the trace whole in each service where a span failed', async () => {
      const b = startApp({ file: path.join(FIXTURES, 'http', 'service-b.cjs'), preload: '--require', env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_TRACES_SAMPLER: 'otelite_tail', OTEL_TRACES_SAMPLER_ARG: 'ratio=0', OTEL_SERVICE_NAME: 'svc-b' } });
      const bPort = Number((await b.waitForOutput(/listening on (\d+)/))[1]);
      const refused = await closedPort();
      /** Each call's trace id under ratio 0, as B received it. */
      const headDroppedIds = new Map<string, string>();
      const env = (ratio: string) => ({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_TRACES_SAMPLER: 'otelite_tail', OTEL_TRACES_SAMPLER_ARG: `ratio=${ratio}`, OTEL_SERVICE_NAME: 'svc-a', B_URL: `http://127.0.0.1:${bPort}`, CLOSED_PORT: String(refused) });
      const bare = startApp({ file: path.join(FIXTURES, 'http', 'service-a.mjs'), preload: 'none', env: env('0') });
      const a0 = startApp({ file: path.join(FIXTURES, 'http', 'service-a.mjs'), preload: '--import', env: env('0') });
      const a1 = startApp({ file: path.join(FIXTURES, 'http', 'service-a.mjs'), preload: '--import', env: env('1') });
      try {
        const ports = await Promise.all([bare, a0, a1].map(async (app) => Number((await app.waitForOutput(/listening on (\d+)/))[1])));
        const agent = new http.Agent();
        const call = async (port: number, target: string) => {
          const answer = await get(port, target, agent);
          return { status: answer.status, body: JSON.parse(answer.body) as { status?: number; body?: { traceparent: string | null; url: string } } };
        };
        const targets = ['/call-b?via=get', '/call-b?via=request', '/call-b?target=/fail', '/call-b?target=/missing', '/closed', '/plain'];
        for (const target of targets) {
          const [without, headDropped, headSampled] = await Promise.all(ports.map((port) => call(port, target)));
          // The same answers with and without the agent, but for the traceparent the agent adds.
          const strip = (r: typeof without) => (r.body.body === undefined ? r : { ...r, body: { ...r.body, body: { ...r.body.body, traceparent: null } } });
          assert.deepEqual(strip(headDropped), strip(without), target);
          assert.deepEqual(strip(headSampled), strip(without), target);
          if (!target.startsWith('/call-b')) continue;
          assert.equal(without.body.body?.traceparent, null);
          // Random flag always, sampled flag as the head decided.
          assert.match(headDropped.body.body?.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-02$/, target);
          assert.match(headSampled.body.body?.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-03$/, target);
          headDroppedIds.set(target, headDropped.body.body!.traceparent!.slice(3, 35));
        }
        agent.destroy();
      } finally {
        for (const app of [bare, a0, a1, b]) app.kill('SIGTERM');
        await Promise.all([bare, a0, a1, b].map((app) => app.exited));
      }
      // Under ratio 0 a trace is kept only where a span ended with an error, and whole there: the
      // call B answered 500 in both services (B's SERVER span, A's CLIENT span); the 404 in A only
      // (a 4xx is an error for the client, not the server); the ordinary calls nowhere.
      const traces = byTrace(receiver.spans);
      const services = (target: string) => [...new Set((traces.get(headDroppedIds.get(target)!) ?? []).map((s) => s.resource.attributes['service.name']))].sort();
      assert.deepEqual(services('/call-b?target=/fail'), ['svc-a', 'svc-b']);
      assert.deepEqual(services('/call-b?target=/missing'), ['svc-a']);
      assert.deepEqual(services('/call-b?via=get'), []);
      assert.deepEqual(services('/call-b?via=request'), []);
      for (const target of ['/call-b?target=/fail', '/call-b?target=/missing']) {
        const spans = traces.get(headDroppedIds.get(target)!)!.filter((s) => s.resource.attributes['service.name'] === 'svc-a');
        assert.deepEqual(spans.map((s) => s.kind).sort(), [KIND_SERVER, KIND_CLIENT].sort(), `A's SERVER and CLIENT spans of ${target}`);
      }
    });

    it('the faults fixture: collector down, the app does its work and ends as fast as without the agent', async () => {
      const port = await closedPort();
      const env = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces`, OTEL_TRACES_SAMPLER: 'otelite_tail', OTEL_TRACES_SAMPLER_ARG: 'ratio=0.5,slower_than=1ms' };
      const timed = async (preload: '--require' | 'none') => {
        const started = Date.now();
        const result = await runApp({ file: path.join(FIXTURES, 'api-app.cjs'), preload, env });
        return { result, ms: Date.now() - started };
      };
      const bare = await timed('none');
      const traced = await timed('--require');
      assert.equal(traced.result.code, 0, traced.result.stderr);
      assert.match(bare.result.stdout, /DONE/);
      assert.match(traced.result.stdout, /DONE/);
      assert.ok(traced.ms < bare.ms + 1_000, `with the agent ${traced.ms} ms, without ${bare.ms} ms`);
    });

    it('an uncaught throw in a request listener kills the process exactly as without the agent', async () => {
      const file = path.join(FIXTURES, 'http', 'throw-crash.cjs');
      const env = { OTEL_TRACES_EXPORTER: 'console', OTEL_TRACES_SAMPLER: 'otelite_tail', OTEL_TRACES_SAMPLER_ARG: 'ratio=0' };
      const bare = await runApp({ file, preload: 'none', env });
      const traced = await runApp({ file, preload: '--require', env });
      assert.equal(traced.code, bare.code);
      assert.notEqual(bare.code, 0);
      assert.equal(traced.stderr.split('\n')[0], bare.stderr.split('\n')[0]);
    });
  });
});
