import { defineInstrumentation, type Instrumentation, type RuntimeInstrumentationConfig } from '../../src/instrument';
import { RuntimeMetrics } from './runtime-metrics';

/**
 * Node runtime metrics (event loop, garbage collection, V8 heap, process CPU and memory): a
 * metrics-only instrumentation with no module to patch. With no metrics exporter
 * (OTEL_METRICS_EXPORTER=none) it gets no meter and starts nothing at all.
 */
export const RUNTIME_INSTRUMENTATION_NAME = 'runtime';

export function createRuntimeInstrumentation(config: RuntimeInstrumentationConfig): Instrumentation {
  return defineInstrumentation({
    name: RUNTIME_INSTRUMENTATION_NAME,
    metrics: config.metrics,
    enable({ meter, state }) {
      if (meter === undefined) return;
      const runtime = new RuntimeMetrics(meter, state);
      // The instruments are made on the loop's first turn rather than during start-up: making
      // them loads the metrics SDK. Unref'ed, so a script that ends before its loop ever turns
      // exits as it would have (and exports nothing of the runtime). GC is counted from now.
      setTimeout(() => runtime.createInstruments(), 0).unref();
    },
  });
}
