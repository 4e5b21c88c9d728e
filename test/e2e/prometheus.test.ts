import assert from 'node:assert/strict';
import { request, Agent } from 'node:http';
import { createServer, type Server } from 'node:net';
import * as path from 'node:path';
import { FIXTURES, REPO_ROOT } from '../kit/paths';
import { startApp, type RunningApp } from '../kit/process';
import { freePort, startPrometheus, type PromSeries, type RunningPrometheus } from '../kit/servers';

const APP = path.join(FIXTURES, 'prometheus', 'app.cjs');

/** The fixture with the agent loaded (its diagnostics, its http instrumentation), spans printed as JSON lines. */
function startFixture(promPort: number, stay: boolean): RunningApp {
  return startApp({
    file: APP,
    preload: '--require',
    cwd: REPO_ROOT,
    env: {
      PROM_PORT: String(promPort),
      STAY: stay ? '1' : undefined,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_TRACES_EXPORTER: 'console',
      OTELITE_CONSOLE_FORMAT: 'json',
    },
  });
}

/** series → value, keyed by the chosen label's value. */
function byLabel(series: PromSeries[], label: string): Record<string, number> {
  return Object.fromEntries(series.map((s) => [s.metric[label], Number(s.value[1])]));
}

/**
 * The Prometheus pull exporter against a real Prometheus server (Debian's package): the fixture
 * app serves metrics from the SDK through PrometheusMetricReader, Prometheus scrapes it every
 * 500 ms, and the test reads the series back through Prometheus's query API.
 */
describe('Prometheus exporter scraped by a real Prometheus', function () {
  this.timeout(60_000);
  let promPort: number;
  let prometheus: RunningPrometheus;
  let app: RunningApp;
  let appPort: number;

  before(async () => {
    promPort = await freePort();
    app = startFixture(promPort, true);
    appPort = Number((await app.waitForOutput(/READY (\d+)/, 15_000))[1]);
    prometheus = await startPrometheus({ scrapeTargets: [`127.0.0.1:${promPort}`], scrapeIntervalMs: 500 });
  });
  after(async () => {
    app?.kill('SIGKILL');
    await prometheus?.stop();
  });

  it('counters as _total, gauges with unit words, histogram buckets, target_info: names, labels and values as Prometheus stores them', async () => {
    const up = await prometheus.waitForQuery('up{job="otelite-test"} == 1');
    assert.equal(up[0].metric.instance, `127.0.0.1:${promPort}`);

    const requests = await prometheus.waitForQuery('app_requests_total');
    assert.deepEqual(byLabel(requests, 'route'), { '/a': 3, '/b': 2, '/invoice': 7 });
    const invoice = requests.find((s) => s.metric.route === '/invoice')!;
    assert.equal(invoice.metric.otel_scope_name, 'billing', 'the second scope joins the same family');
    const a = requests.find((s) => s.metric.route === '/a')!;
    assert.deepEqual(
      { ...a.metric },
      { __name__: 'app_requests_total', job: 'otelite-test', instance: `127.0.0.1:${promPort}`, route: '/a', http_method: 'GET', otel_scope_name: 'shop', otel_scope_version: '1.2.3' },
    );

    const buckets = await prometheus.query('app_duration_seconds_bucket{route="/a"}');
    assert.deepEqual(byLabel(buckets, 'le'), { '0.1': 1, '0.5': 3, '1': 3, '+Inf': 4 });
    assert.equal(Number((await prometheus.query('app_duration_seconds_sum'))[0].value[1]), 2.65);
    assert.equal(Number((await prometheus.query('app_duration_seconds_count'))[0].value[1]), 4);
    // Prometheus reads the buckets as one histogram: the median of 0.05, 0.3, 0.3, 2 lies in (0.1, 0.5].
    const median = Number((await prometheus.query('histogram_quantile(0.5, app_duration_seconds_bucket)'))[0].value[1]);
    assert.ok(median > 0.1 && median <= 0.5, String(median));

    assert.equal(Number((await prometheus.query('app_active_requests'))[0].value[1]), 3);
    assert.equal(Number((await prometheus.query('app_cpu_utilization_ratio{core="0"}'))[0].value[1]), 0.25);
    assert.equal(Number((await prometheus.query('app_temperature_celsius{room="lab"}'))[0].value[1]), 21.5);

    const target = await prometheus.query('target_info');
    assert.equal(target.length, 1);
    assert.equal(target[0].value[1], '1');
    assert.equal(target[0].metric.service_name, 'prom-shop');
    assert.equal(target[0].metric.service_instance_id, 'shop-1');
    assert.equal(target[0].metric.deployment_environment_name, 'test');

    // The TYPE and HELP lines, as Prometheus's metadata API reports them.
    const response = await fetch(`http://127.0.0.1:${prometheus.port}/api/v1/metadata`);
    const metadata = ((await response.json()) as { data: Record<string, Array<{ type: string; help: string }>> }).data;
    assert.deepEqual(metadata.app_requests_total, [{ type: 'counter', help: 'requests served', unit: '' }]);
    assert.deepEqual(metadata.app_duration_seconds, [{ type: 'histogram', help: 'request duration', unit: '' }]);
    assert.equal(metadata.app_active_requests[0].type, 'gauge');
    assert.equal(metadata.target_info[0].type, 'gauge');
  });

  it('the scrapes are not traced; the app\'s own server is', async () => {
    // Several scrapes have reached the app (each successful one is a sample of `up`).
    const scrapes = await prometheus.waitForQuery('count_over_time(up{job="otelite-test"}[1m]) >= 2');
    assert.ok(Number(scrapes[0].value[1]) >= 2);
    assert.equal(await (await fetch(`http://127.0.0.1:${appPort}/hello`)).text(), 'hello\n');
    app.kill('SIGTERM');
    const exit = await app.exited;
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /CLOSED/);
    const spans = exit.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { kind: string; attributes: Record<string, unknown> });
    const servers = spans.filter((span) => span.kind === 'SERVER');
    assert.deepEqual(servers.map((span) => span.attributes['url.path']), ['/hello'], exit.stdout);
    assert.equal(exit.stderr, '');
  });
});

describe('Prometheus exporter in the app\'s process', function () {
  this.timeout(20_000);
  let blocker: Server | undefined;
  after(() => blocker?.close());

  it('a port already in use is one warning naming OTEL_EXPORTER_PROMETHEUS_PORT, and the app runs on', async () => {
    const port = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(port, '127.0.0.1', resolve));
    const exit = await startFixture(port, false).exited;
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /DONE/);
    assert.equal(
      exit.stderr,
      `otelite warn: Prometheus: metrics are not served on http://127.0.0.1:${port}/metrics: port ${port} is already in use; set OTEL_EXPORTER_PROMETHEUS_PORT to a free port\n`,
    );
  });

  it('the process ends by itself with the metrics server open and a scraper\'s keep-alive connection still open', async () => {
    const port = await freePort();
    const app = startFixture(port, true);
    await app.waitForOutput(/READY/);
    // A keep-alive connection, as Prometheus keeps between scrapes.
    const agent = new Agent({ keepAlive: true });
    const status = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/metrics', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      })
        .on('error', reject)
        .end();
    });
    assert.equal(status, 200);
    const released = Date.now();
    app.kill('SIGUSR2');
    const exit = await app.exited;
    const took = Date.now() - released;
    agent.destroy();
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /RELEASED/);
    assert.ok(took < 2_000, `ended ${took} ms after the app let go`);
  });
});
