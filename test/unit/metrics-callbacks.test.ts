import assert from 'node:assert/strict';
import type { GaugeMetric } from '../../src/metrics/data';
import { manualProvider, metricNamed, useDiagLines } from '../kit/metrics-recording';

describe('metrics SDK: observable callbacks that fail', () => {
  const diagnostics = useDiagLines();

  it('a throwing or rejecting callback is caught and said once; the other callbacks still report', async () => {
    const { provider, readers } = manualProvider();
    const meter = provider.getMeter('cb');
    const good = meter.createObservableGauge('good');
    const bad = meter.createObservableGauge('bad_sync');
    const rejecting = meter.createObservableGauge('bad_async');
    bad.addCallback((r) => {
      r.observe(1);
      throw new Error('sync failure');
    });
    rejecting.addCallback(() => Promise.reject(new Error('async failure')));
    good.addCallback((r) => r.observe(3));
    meter.addBatchObservableCallback(() => {
      throw new Error('batch failure');
    }, [good]);
    for (let i = 0; i < 3; i++) {
      const collected = await readers[0]!.collect();
      assert.equal((metricNamed(collected, 'good') as GaugeMetric).points[0]!.value, 3);
    }
    const failures = diagnostics.lines.filter((l) => l.includes('failed'));
    assert.equal(failures.length, 3, failures.join('\n'));
    assert.ok(failures.some((l) => l.includes('observable callback of bad_sync') && l.includes('sync failure')));
    assert.ok(failures.some((l) => l.includes('observable callback of bad_async') && l.includes('async failure')));
    assert.ok(failures.some((l) => l.includes('batch observable callback of meter cb') && l.includes('batch failure')));
  });

  it('a removed callback is not called again; adding the same callback twice calls it once', async () => {
    const { provider, readers } = manualProvider();
    const gauge = provider.getMeter('cb').createObservableGauge('calls');
    let calls = 0;
    const callback = (r: import('@opentelemetry/api').ObservableResult): void => {
      calls++;
      r.observe(calls);
    };
    gauge.addCallback(callback);
    gauge.addCallback(callback);
    await readers[0]!.collect();
    assert.equal(calls, 1);
    gauge.removeCallback(callback);
    await readers[0]!.collect();
    assert.equal(calls, 1);
  });
});
