import assert from 'node:assert/strict';
import {
  droppedReported,
  percentile,
  report,
  request,
  sleep,
  startCountingReceiver,
  startServerApp,
  type Stats,
} from './kit';

/**
 * Sustained load with a slow collector: the app serves a steady request rate for SOAK seconds
 * (24 in CI; set OTELITE_SOAK_SECONDS for the long variant, e.g. 300) while the collector takes
 * 250 ms per export, slower than the spans arrive, so the agent must drop by policy. After a
 * warm-up (the first 30 %), the rest is split in thirds and the first and last compared:
 * heap (after a full GC) and RSS flat, the count of active handles and timers not growing,
 * latency not creeping up; the drops are counted and reported, and every served request is
 * either received or counted as dropped.
 */

const SERVICE = 'reliability-soak';
const SOAK_SECONDS = Math.max(10, Number(process.env.OTELITE_SOAK_SECONDS) || 24);
const RATE_PER_SECOND = 600;
const CONCURRENCY = 4;

interface Sample extends Stats {
  at: number;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Live timers, immediates and sockets by type (unref'ed ones included: the agent's are all
 * unref'ed), and the ref'ed handles Node reports, without the load's own connections.
 */
function handleCounts(s: Stats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [type, n] of Object.entries(s.live)) out[`live ${type}`] = n;
  for (const [type, n] of Object.entries(s.resources)) if (type !== 'TCPSocketWrap') out[type] = n;
  return out;
}

describe('reliability: soak (sustained load, slow collector)', function () {
  this.timeout((SOAK_SECONDS + 60) * 1000);

  it(`keeps memory, handles and latency flat for ${SOAK_SECONDS} s, dropping by policy`, async () => {
    const receiver = await startCountingReceiver(250);
    const app = await startServerApp({
      env: {
        OTEL_SERVICE_NAME: SERVICE,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_BSP_MAX_QUEUE_SIZE: '512',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '64',
        PAD_BYTES: '512',
        TRACK_RESOURCES: '1',
      },
    });
    try {
      const started = Date.now();
      const deadline = started + SOAK_SECONDS * 1000;
      const latencies: Array<{ at: number; ms: number }> = [];
      const failures: string[] = [];
      const samples: Sample[] = [];
      let sent = 0;

      // Each loop keeps its share of the rate: request, then wait until its next slot.
      const interval = (1000 * CONCURRENCY) / RATE_PER_SECOND;
      const loop = async (offset: number): Promise<void> => {
        let next = started + offset;
        while (Date.now() < deadline) {
          const wait = next - Date.now();
          if (wait > 0) await sleep(wait);
          next += interval;
          const t0 = performance.now();
          try {
            const { status, body } = await request(app.port, '/work', app.agent);
            if (status !== 200 || !/^ok \d+$/.test(body)) failures.push(`${status} ${body.slice(0, 80)}`);
          } catch (error) {
            failures.push((error as Error).message);
          }
          sent++;
          latencies.push({ at: Date.now(), ms: performance.now() - t0 });
        }
      };
      const sampler = (async () => {
        while (Date.now() < deadline) {
          await sleep(1000);
          samples.push({ at: Date.now(), ...(await app.stats()) });
        }
      })();
      await Promise.all([...Array.from({ length: CONCURRENCY }, (_, i) => loop((i * interval) / CONCURRENCY)), sampler]);

      assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed requests`);
      assert.ok(sent >= SOAK_SECONDS * RATE_PER_SECOND * 0.5, `only ${sent} requests were sent`);

      const warmEnd = started + SOAK_SECONDS * 300;
      const steady = samples.filter((s) => s.at >= warmEnd);
      const third = Math.max(2, Math.floor(steady.length / 3));
      const first = steady.slice(0, third);
      const last = steady.slice(-third);
      const heapFirst = mean(first.map((s) => s.heapUsed));
      const heapLast = mean(last.map((s) => s.heapUsed));
      const rssFirst = mean(first.map((s) => s.rss));
      const rssLast = mean(last.map((s) => s.rss));
      report(`${sent} requests in ${SOAK_SECONDS} s; heap ${(heapFirst / 1048576).toFixed(1)} -> ${(heapLast / 1048576).toFixed(1)} MiB, ` +
        `rss ${(rssFirst / 1048576).toFixed(1)} -> ${(rssLast / 1048576).toFixed(1)} MiB`);
      report(`handles first ${JSON.stringify(handleCounts(first[0]!))} last ${JSON.stringify(handleCounts(last[last.length - 1]!))}`);
      assert.ok(heapLast - heapFirst < 2 * 1024 * 1024, `heap grew from ${heapFirst} to ${heapLast}`);
      assert.ok(rssLast < rssFirst * 1.1 + 8 * 1024 * 1024, `RSS grew from ${rssFirst} to ${rssLast}`);

      // Handles and timers: no growth from the first third to the last (medians of the samples:
      // a sample may catch an export's timers or a connection being replaced; a leak, one per
      // request or per export, would add hundreds).
      const medianCounts = (group: Sample[]) => {
        const types = new Set(group.flatMap((s) => Object.keys(handleCounts(s))));
        return Object.fromEntries([...types].map((t) => [t, percentile(group.map((s) => handleCounts(s)[t] ?? 0), 50)]));
      };
      const handlesFirst = medianCounts(first);
      const handlesLast = medianCounts(last);
      for (const [type, n] of Object.entries(handlesLast)) {
        assert.ok(n <= (handlesFirst[type] ?? 0) + 3, `${type}: ${handlesFirst[type] ?? 0} -> ${n}`);
      }
      const totalSockets = last.map((s) => s.resources['TCPSocketWrap'] ?? 0);
      assert.ok(Math.max(...totalSockets) <= CONCURRENCY + 8, `sockets: ${totalSockets.join(', ')}`);

      // No latency creep between the first and last steady thirds: the median of each second's
      // p99 (one GC pause or a noisy neighbour moves one second, not the median).
      const steadyStart = warmEnd;
      const span = (deadline - steadyStart) / 3;
      const p99PerSecond = (from: number, to: number): number => {
        const seconds = new Map<number, number[]>();
        for (const l of latencies) {
          if (l.at < from || l.at >= to) continue;
          const s = Math.floor(l.at / 1000);
          let list = seconds.get(s);
          if (list === undefined) seconds.set(s, (list = []));
          list.push(l.ms);
        }
        return percentile([...seconds.values()].map((list) => percentile(list, 99)), 50);
      };
      const early = p99PerSecond(steadyStart, steadyStart + span);
      const late = p99PerSecond(deadline - span, deadline);
      report(`latency (median of per-second p99) early ${early.toFixed(2)} ms, late ${late.toFixed(2)} ms`);
      assert.ok(late <= 2 * early + 10, `p99 ${early} -> ${late}`);

      const final = await app.stats();
      const exit = await app.stop('SIGTERM');
      assert.equal(exit.signal, 'SIGTERM', exit.stderr);
      const dropped = droppedReported(exit.stderr);
      const received = receiver.counts().get(`${SERVICE}/2`) ?? 0;
      report(`served ${final.served}, received ${received}, dropped ${dropped}`);
      assert.match(exit.stderr, /span queue is full \(OTEL_BSP_MAX_QUEUE_SIZE=512\): dropping spans/);
      assert.ok(dropped > 0, 'the slow collector made the agent drop spans by policy');
      assert.equal(received + dropped, final.served, 'every span received or counted as dropped');
    } finally {
      await app.stop('SIGKILL').catch(() => undefined);
      await receiver.close();
    }
  });
});
