import assert from 'node:assert/strict';
import { createNoopMeter, metrics, type Meter, type MeterProvider } from '@opentelemetry/api';
import { createRequire } from 'node:module';
import { PerformanceObserver } from 'node:perf_hooks';
import { createRuntimeInstrumentation } from '../../instrumentations/runtime';
import { RuntimeMetrics } from '../../instrumentations/runtime/runtime-metrics';
import { InstrumentationState } from '../../src/instrument';
import { InstrumentationMeter } from '../../src/instrument/meter';
import { manualProvider, metricNamed, useDiagLines } from '../kit/metrics-recording';

// The builtin's own exports object, which the instrumentation calls through.
const v8 = createRequire(__filename)('node:v8') as { getHeapSpaceStatistics: () => unknown };

describe('runtime metrics in the process', () => {
  const diagnostics = useDiagLines();
  afterEach(() => metrics.disable());

  it('with no metrics exporter (no meter) it starts nothing: no meter asked for, no timer, no observer', () => {
    let meters = 0;
    let timers = 0;
    let observers = 0;
    metrics.setGlobalMeterProvider({ getMeter: (): Meter => (meters++, createNoopMeter()) } as MeterProvider);
    const { setInterval: realInterval, setTimeout: realTimeout } = globalThis;
    const realObserve = PerformanceObserver.prototype.observe;
    globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => (timers++, realInterval(...args))) as typeof setInterval;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => (timers++, realTimeout(...args))) as typeof setTimeout;
    PerformanceObserver.prototype.observe = function (this: PerformanceObserver, ...args: Parameters<PerformanceObserver['observe']>) {
      observers++;
      return realObserve.apply(this, args);
    };
    try {
      createRuntimeInstrumentation({ metrics: false }).enable?.();
    } finally {
      globalThis.setInterval = realInterval;
      globalThis.setTimeout = realTimeout;
      PerformanceObserver.prototype.observe = realObserve;
    }
    assert.deepEqual({ meters, timers, observers }, { meters: 0, timers: 0, observers: 0 });
  });

  it('a collection that fails never throws into the SDK: runtime turns off, says so once, and observes nothing more', async () => {
    const { provider, readers } = manualProvider();
    metrics.setGlobalMeterProvider(provider);
    const state = new InstrumentationState('runtime-under-test');
    const runtime = new RuntimeMetrics(new InstrumentationMeter('otelite/runtime', 'test'), state);
    runtime.createInstruments();
    const before = await readers[0]!.collect();
    assert.ok(metricNamed(before, 'v8js.memory.heap.used').points.length > 0);
    assert.ok(metricNamed(before, 'process.cpu.time').points.length === 2);

    const real = v8.getHeapSpaceStatistics;
    v8.getHeapSpaceStatistics = () => {
      throw new Error('heap statistics unavailable');
    };
    try {
      await readers[0]!.collect(); // resolves: the error stays inside the instrumentation
    } finally {
      v8.getHeapSpaceStatistics = real;
    }
    assert.equal(state.active, false);
    const said = diagnostics.lines.filter((l) => l.includes('"runtime-under-test" failed'));
    assert.equal(said.length, 1, diagnostics.lines.join('\n'));
    assert.match(said[0]!, /heap statistics unavailable/);

    const after = await readers[0]!.collect();
    const names = after.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.name));
    for (const name of ['v8js.memory.heap.used', 'process.cpu.time', 'nodejs.eventloop.time', 'nodejs.eventloop.utilization']) {
      assert.ok(!names.includes(name), `${name} still observed after the failure: ${names.join(', ')}`);
    }
    assert.equal(diagnostics.lines.filter((l) => l.includes('failed')).length, 1, 'said once');
  });
});
