import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DecodedMetric, DecodedPoint } from '../kit/otlp-decoder';
import { startReceiver, type Receiver } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { runApp, startApp } from '../kit/process';

const APP = path.join(FIXTURES, 'runtime', 'app.cjs');
const SHORT = path.join(FIXTURES, 'runtime', 'short.cjs');
const SCOPE = 'otelite/runtime';

/** V8's GC kinds (a `gc` entry's detail.kind) as the conventions name them: written here, not taken from the agent. */
const TYPE_OF_KIND: Record<string, string> = { 1: 'minor', 2: 'minor', 4: 'major', 8: 'incremental', 16: 'weakcb' };
/** The conventions' advised boundaries for `v8js.gc.duration` (runtime/v8js-metrics), written here, not taken from the agent. */
const GC_BOUNDARIES = [0.01, 0.1, 1, 10];
const DELAY_STATISTICS = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'];

/** Each metrics export received, as name → metric of the runtime scope. */
function runtimeExports(receiver: Receiver): Array<Map<string, DecodedMetric>> {
  return receiver.requests
    .filter((r) => r.signal === 'metrics' && r.metrics.length > 0)
    .map((r) => new Map(r.metrics.filter((m) => m.scope.name === SCOPE).map((m) => [m.name, m])));
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function metric(exported: Map<string, DecodedMetric>, name: string): DecodedMetric {
  const found = exported.get(name);
  assert.ok(found !== undefined, `${name} missing; exported: ${[...exported.keys()].join(', ')}`);
  return found;
}

/** The one point with `key` = `value`. */
function pointWith(m: DecodedMetric, key: string, value: string): DecodedPoint {
  const found = m.points.filter((p) => p.attributes[key] === value);
  assert.equal(found.length, 1, `${m.name}: one point with ${key}=${value} in ${JSON.stringify(m.points.map((p) => p.attributes))}`);
  return found[0];
}

/** The histogram's count per `v8js.gc.type` (0 for a type it has no point of). */
function gcCounts(exported: Map<string, DecodedMetric>): Record<string, number> {
  const counts: Record<string, number> = { major: 0, minor: 0, incremental: 0, weakcb: 0 };
  for (const p of exported.get('v8js.gc.duration')?.points ?? []) counts[String(p.attributes['v8js.gc.type'])] += p.count ?? 0;
  return counts;
}

/** The app's own counts by V8 kind, grouped into types. */
function countsByType(byKind: Record<string, number>): Record<string, number> {
  const counts: Record<string, number> = { major: 0, minor: 0, incremental: 0, weakcb: 0 };
  for (const [kind, n] of Object.entries(byKind)) counts[TYPE_OF_KIND[kind]!] += n;
  return counts;
}

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
const num = (v: number | bigint | undefined): number => Number(v);

describe('runtime metrics: a real app exporting over OTLP', function () {
  this.timeout(60_000);
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  function env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      OTEL_SERVICE_NAME: 'runtime-test',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: receiver!.metricsEndpoint,
      ...extra,
    };
  }

  it('every metric with its instrument, unit and attributes; GC counts equal the app’s own; a 200 ms block shows in the delay', async () => {
    receiver = await startReceiver({ protocol: 'http/protobuf' });
    const app = startApp({ file: APP, preload: '--require', stdin: 'pipe', env: env({ OTEL_METRIC_EXPORT_INTERVAL: '500' }) });
    await app.waitForOutput(/READY/);
    const exports = () => runtimeExports(receiver!);
    // Two exports while the app is quiet: the last one before `work` was collected before it.
    const atReady = exports().length;
    await until(() => exports().length >= atReady + 2, 'two exports after READY');
    const beforeIndex = exports().length - 1;
    const before = exports()[beforeIndex]!;
    app.write('work\n');
    const [, startJson] = await app.waitForOutput(/START (\{.*\})/);
    const [, doneJson] = await app.waitForOutput(/DONE (\{.*\})/);
    // The second export after DONE was collected after it, in the quiet that follows the work.
    const atDone = exports().length;
    await until(() => exports().length >= atDone + 2, 'two exports after DONE');
    const all = exports();
    const after = all[atDone + 1]!;
    const during = all.slice(beforeIndex + 1, atDone + 2);
    app.write('end\n');
    const exit = await app.exited;
    assert.equal(exit.code, 0, exit.stderr);
    assert.doesNotMatch(exit.stderr, /instrumentation "runtime" failed/);

    // GC: each entry the app's own observer saw between START and DONE is one measurement.
    const start = JSON.parse(startJson) as Record<string, number>;
    const done = JSON.parse(doneJson) as Record<string, number>;
    const appCounts = countsByType(Object.fromEntries(Object.keys(done).map((k) => [k, done[k]! - (start[k] ?? 0)])));
    const agentBefore = gcCounts(before);
    const agentAfter = gcCounts(after);
    const agentCounts = Object.fromEntries(Object.keys(agentAfter).map((t) => [t, agentAfter[t]! - agentBefore[t]!]));
    assert.ok(appCounts.major! >= 3 && appCounts.minor! >= 1, `forced major and allocation-made minor collections: ${JSON.stringify(appCounts)}`);
    assert.equal(sum(agentCounts), sum(appCounts), `total: agent ${JSON.stringify(agentCounts)}, app ${JSON.stringify(appCounts)}`);
    assert.deepEqual(agentCounts, appCounts);

    const gcDuration = metric(after, 'v8js.gc.duration');
    assert.equal(gcDuration.type, 'histogram');
    assert.equal(gcDuration.unit, 's');
    assert.equal(gcDuration.temporality, 2, 'cumulative');
    for (const p of gcDuration.points) {
      assert.deepEqual(p.explicitBounds, GC_BOUNDARIES);
      assert.deepEqual(Object.keys(p.attributes), ['v8js.gc.type']);
      assert.ok(p.sum! > 0 && p.max! < 10, `durations in seconds: ${p.sum}, ${p.max}`);
    }

    // Event-loop delay: the 200 ms block shows in the export of its interval and in no later one (reset per collection).
    const maxDuring = Math.max(...during.map((e) => num(e.get('nodejs.eventloop.delay.max')?.points[0]?.value ?? 0)));
    assert.ok(maxDuring >= 0.2, `max delay while blocked: ${maxDuring}; stderr: ${exit.stderr}`);
    for (const statistic of DELAY_STATISTICS) {
      const m = metric(after, `nodejs.eventloop.delay.${statistic}`);
      assert.equal(m.type, 'gauge');
      assert.equal(m.unit, 's');
      assert.equal(m.points.length, 1);
      assert.deepEqual(m.points[0].attributes, {});
      assert.equal(m.points[0].valueType, 'double');
    }
    const delay = (s: string): number => num(metric(after, `nodejs.eventloop.delay.${s}`).points[0].value);
    assert.ok(delay('max') < 0.2, `a quiet interval after the block: max ${delay('max')}`);
    assert.ok(delay('min') <= delay('p50') && delay('p50') <= delay('p99') && delay('p99') <= delay('max') && delay('min') <= delay('mean'));

    const utilization = metric(after, 'nodejs.eventloop.utilization');
    assert.equal(utilization.type, 'gauge');
    assert.equal(utilization.unit, '1');
    const u = num(utilization.points[0].value);
    assert.ok(u >= 0 && u <= 1, `utilization ${u}`);
    const busiest = Math.max(...during.map((e) => num(e.get('nodejs.eventloop.utilization')?.points[0]?.value ?? 0)));
    assert.ok(busiest > u, `the interval with the block is busier (${busiest}) than a quiet one (${u})`);

    const loopTime = metric(after, 'nodejs.eventloop.time');
    assert.equal(loopTime.type, 'sum');
    assert.equal(loopTime.monotonic, true);
    assert.equal(loopTime.unit, 's');
    const active = num(pointWith(loopTime, 'nodejs.eventloop.state', 'active').value);
    const idle = num(pointWith(loopTime, 'nodejs.eventloop.state', 'idle').value);
    assert.ok(active >= 0.2 && idle > 0, `active ${active} s (the block included), idle ${idle} s`);

    for (const name of ['v8js.memory.heap.used', 'v8js.memory.heap.space.size', 'v8js.memory.heap.space.available_size', 'v8js.memory.heap.space.physical_size']) {
      const m = metric(after, name);
      assert.equal(m.type, 'sum', name);
      assert.equal(m.monotonic, false, `${name} is an up-down counter`);
      assert.equal(m.unit, 'By');
      const spaces = m.points.map((p) => p.attributes['v8js.heap.space.name']);
      for (const space of ['new_space', 'old_space', 'code_space', 'large_object_space']) assert.ok(spaces.includes(space), `${name}: ${spaces.join(', ')}`);
      assert.ok(m.points.every((p) => p.valueType === 'int' && num(p.value) >= 0));
    }
    assert.ok(num(pointWith(metric(after, 'v8js.memory.heap.used'), 'v8js.heap.space.name', 'old_space').value) > 0);

    const cpu = metric(after, 'process.cpu.time');
    assert.equal(cpu.type, 'sum');
    assert.equal(cpu.monotonic, true);
    assert.equal(cpu.unit, 's');
    assert.ok(num(pointWith(cpu, 'cpu.mode', 'user').value) >= 0.2, 'the 200 ms busy wait is user time');
    assert.ok(num(pointWith(cpu, 'cpu.mode', 'system').value) >= 0);

    const rss = metric(after, 'process.memory.usage');
    assert.equal(rss.type, 'sum');
    assert.equal(rss.monotonic, false);
    assert.equal(rss.unit, 'By');
    assert.equal(rss.points.length, 1);
    assert.ok(num(rss.points[0].value) > 10 * 1024 * 1024);
  });

  it('OTEL_NODE_DISABLED_INSTRUMENTATIONS=runtime: the app’s metrics are exported, no runtime metric is', async () => {
    receiver = await startReceiver({ protocol: 'http/protobuf' });
    const app = startApp({
      file: APP,
      preload: '--require',
      stdin: 'pipe',
      env: env({ OTEL_METRIC_EXPORT_INTERVAL: '500', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'runtime', APP_COUNTER: '1' }),
    });
    await app.waitForOutput(/READY/);
    await until(() => receiver!.metrics.filter((m) => m.name === 'app.ticks').length >= 2, 'two exports of the app’s counter');
    app.write('end\n');
    const exit = await app.exited;
    assert.equal(exit.code, 0, exit.stderr);
    assert.deepEqual(receiver.metrics.filter((m) => m.scope.name === SCOPE).map((m) => m.name), []);
  });

  it('nothing keeps a script alive: it ends as soon as without the agent, and its runtime metrics are exported at exit', async () => {
    receiver = await startReceiver({ protocol: 'http/protobuf' });
    const elapsed = async (preload: '--require' | 'none'): Promise<number> => {
      const started = performance.now();
      const result = await runApp({ file: SHORT, preload, env: env({ OTEL_METRIC_EXPORT_INTERVAL: '60000' }) }, 20_000);
      assert.equal(result.signal, null, 'ended by itself');
      assert.equal(result.code, 0, result.stderr);
      return performance.now() - started;
    };
    const without: number[] = [];
    const withAgent: number[] = [];
    for (let i = 0; i < 3; i++) {
      without.push(await elapsed('none'));
      withAgent.push(await elapsed('--require'));
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[1]!;
    // The agent's own start-up and exit export are a few hundred ms at most on a loaded machine;
    // anything that held the loop would hold it for the 60 s export interval or forever.
    assert.ok(median(withAgent) - median(without) < 1500, `with the agent ${median(withAgent)} ms, without ${median(without)} ms`);
    const names = new Set(receiver.metrics.filter((m) => m.scope.name === SCOPE).map((m) => m.name));
    assert.ok(names.has('nodejs.eventloop.utilization') && names.has('process.cpu.time'), `exported at exit: ${[...names].join(', ')}`);
  });
});
