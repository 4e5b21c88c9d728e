import { diag, DiagLogLevel } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { PrometheusMetricReader } from '../../src/export/prometheus';
import type { InstrumentKind, ResourceMetrics } from '../../src/metrics/data';
import { freePort } from '../kit/servers';

const COLLECTION: ResourceMetrics = {
  resource: { attributes: { 'service.name': 'svc' }, schemaUrl: undefined },
  scopeMetrics: [
    {
      scope: { name: 'unit', version: undefined, schemaUrl: undefined },
      metrics: [
        {
          type: 'sum',
          name: 'hits',
          description: '',
          unit: '',
          instrumentKind: 'counter',
          numberKind: 'int',
          monotonic: true,
          temporality: 'cumulative',
          points: [{ attributes: {}, startTime: 0, time: 1, exemplars: [], value: 4 }],
        },
      ],
    },
  ],
};

/** The reader's HTTP server on a real socket, in this process (the e2e test runs it in an app). */
describe('PrometheusMetricReader', () => {
  let reader: PrometheusMetricReader | undefined;
  let base: string;

  beforeEach(async () => {
    const port = await freePort();
    reader = new PrometheusMetricReader({ host: '127.0.0.1', port });
    base = `http://127.0.0.1:${port}`;
    // Listening starts in the constructor and completes a few turns later.
    for (let tries = 0; !(await fetch(`${base}/`).then(() => true, () => false)); tries++) {
      if (tries > 100) throw new Error('the reader did not listen');
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  afterEach(async () => {
    await reader?.shutdown();
    diag.disable();
  });

  it('asks for cumulative series from every instrument kind', () => {
    const kinds: InstrumentKind[] = ['counter', 'upDownCounter', 'histogram', 'gauge', 'observableCounter', 'observableUpDownCounter', 'observableGauge'];
    assert.deepEqual(new Set(kinds.map((kind) => reader!.temporality(kind))), new Set(['cumulative']));
  });

  it('serves GET /metrics by collecting on each scrape, in the 0.0.4 text format', async () => {
    const empty = await fetch(`${base}/metrics`);
    assert.equal(empty.status, 200, 'before the SDK attaches: an empty exposition, not an error');
    assert.equal(await empty.text(), '');
    let collections = 0;
    reader!.attach(async () => (collections++, COLLECTION));
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${base}/metrics`);
      assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      assert.match(await response.text(), /^hits_total\{otel_scope_name="unit"\} 4$/m);
    }
    assert.equal(collections, 2);
  });

  it('answers 404 elsewhere, and 500 with one warning when the collection fails', async () => {
    assert.equal((await fetch(`${base}/`)).status, 404);
    assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 404);
    const said: string[] = [];
    diag.setLogger({ error: (m) => said.push(m), warn: (m) => said.push(m), info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
    reader!.attach(() => Promise.reject(new Error('callback broke')));
    assert.equal((await fetch(`${base}/metrics`)).status, 500);
    assert.equal((await fetch(`${base}/metrics`)).status, 500);
    assert.deepEqual(said, ['Prometheus: a scrape of /metrics failed: callback broke']);
  });

  it('shutdown closes the server', async () => {
    assert.equal((await fetch(`${base}/metrics`)).status, 200);
    await reader!.shutdown();
    await assert.rejects(fetch(`${base}/metrics`));
    reader = undefined;
  });
});
