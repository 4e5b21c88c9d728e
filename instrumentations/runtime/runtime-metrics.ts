import { ValueType, type Attributes, type BatchObservableCallback, type BatchObservableResult, type Meter, type Observable } from '@opentelemetry/api';
import { getHeapSpaceStatistics } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import type { InstrumentationMeter, InstrumentationState } from '../../src/instrument';
import { EventLoopDelay, EventLoopTime, type DelayReading } from './event-loop';
import { GcDurations } from './gc';
import {
  ATTR_CPU_MODE,
  ATTR_EVENTLOOP_STATE,
  ATTR_HEAP_SPACE_NAME,
  GC_DURATION_BOUNDARIES,
  METRIC_EVENTLOOP_DELAY_PREFIX,
  METRIC_EVENTLOOP_TIME,
  METRIC_EVENTLOOP_UTILIZATION,
  METRIC_GC_DURATION,
  METRIC_HEAP_SPACE_AVAILABLE,
  METRIC_HEAP_SPACE_PHYSICAL,
  METRIC_HEAP_SPACE_SIZE,
  METRIC_HEAP_USED,
  METRIC_PROCESS_CPU_TIME,
  METRIC_PROCESS_MEMORY_USAGE,
} from './names';

/** The seven statistics of `nodejs.eventloop.delay.*`, with the conventions' descriptions. */
const DELAY_STATISTICS: ReadonlyArray<[keyof DelayReading, string]> = [
  ['min', 'Event loop minimum delay.'],
  ['max', 'Event loop maximum delay.'],
  ['mean', 'Event loop mean delay.'],
  ['stddev', 'Event loop standard deviation delay.'],
  ['p50', 'Event loop 50 percentile delay.'],
  ['p90', 'Event loop 90 percentile delay.'],
  ['p99', 'Event loop 99 percentile delay.'],
];

// Attribute objects made once: each collection observes with the same objects.
const ACTIVE: Attributes = { [ATTR_EVENTLOOP_STATE]: 'active' };
const IDLE: Attributes = { [ATTR_EVENTLOOP_STATE]: 'idle' };
const USER: Attributes = { [ATTR_CPU_MODE]: 'user' };
const SYSTEM: Attributes = { [ATTR_CPU_MODE]: 'system' };

const MICROSECONDS_PER_S = 1e6;

/** The observable instruments, in the instrument kinds the conventions give. */
class Instruments {
  readonly delay: Array<[keyof DelayReading, Observable]>;
  readonly utilization: Observable;
  readonly loopTime: Observable;
  readonly heapUsed: Observable;
  readonly heapSpaceSize: Observable;
  readonly heapSpaceAvailable: Observable;
  readonly heapSpacePhysical: Observable;
  readonly cpuTime: Observable;
  readonly memoryUsage: Observable;

  constructor(meter: Meter) {
    this.delay = DELAY_STATISTICS.map(([statistic, description]) => [
      statistic,
      meter.createObservableGauge(METRIC_EVENTLOOP_DELAY_PREFIX + statistic, { unit: 's', description }),
    ]);
    this.utilization = meter.createObservableGauge(METRIC_EVENTLOOP_UTILIZATION, { unit: '1', description: 'Event loop utilization.' });
    this.loopTime = meter.createObservableCounter(METRIC_EVENTLOOP_TIME, {
      unit: 's',
      description: 'Cumulative duration of time the event loop has been in each state.',
    });
    const bytes = (name: string, description: string): Observable =>
      meter.createObservableUpDownCounter(name, { unit: 'By', description, valueType: ValueType.INT });
    this.heapUsed = bytes(METRIC_HEAP_USED, 'Heap Memory size allocated.');
    this.heapSpaceSize = bytes(METRIC_HEAP_SPACE_SIZE, 'Total heap memory size pre-allocated for a heap space.');
    this.heapSpaceAvailable = bytes(METRIC_HEAP_SPACE_AVAILABLE, 'Heap space available size.');
    this.heapSpacePhysical = bytes(METRIC_HEAP_SPACE_PHYSICAL, 'Committed size of a heap space.');
    this.cpuTime = meter.createObservableCounter(METRIC_PROCESS_CPU_TIME, { unit: 's', description: 'Total CPU seconds broken down by different CPU modes.' });
    this.memoryUsage = bytes(METRIC_PROCESS_MEMORY_USAGE, 'The amount of physical memory in use.');
  }

  all(): Observable[] {
    return [
      ...this.delay.map(([, observable]) => observable),
      this.utilization,
      this.loopTime,
      this.heapUsed,
      this.heapSpaceSize,
      this.heapSpaceAvailable,
      this.heapSpacePhysical,
      this.cpuTime,
      this.memoryUsage,
    ];
  }
}

/**
 * The Node runtime metrics of one process. The samplers (event-loop delay and utilization, the
 * GC observer) start with the agent; the instruments are made later by `createInstruments`
 * (that loads the metrics SDK), and every observable one is read by one batch callback per
 * collection, so `v8.getHeapSpaceStatistics()` is called once for the four heap metrics. Any
 * error stops everything for good (`state.fail`): a collection never throws into the SDK.
 */
export class RuntimeMetrics {
  private readonly delay: EventLoopDelay;
  private readonly loopTime = new EventLoopTime();
  private readonly gc: GcDurations;
  private readonly spaceAttributes = new Map<string, Attributes>();
  private registered: { meter: Meter; callback: BatchObservableCallback; observables: Observable[] } | undefined;
  private stopped = false;

  constructor(
    private readonly meter: InstrumentationMeter,
    private readonly state: InstrumentationState,
  ) {
    this.delay = new EventLoopDelay((error) => this.fail(error));
    try {
      this.gc = new GcDurations((error) => this.fail(error));
    } catch (error) {
      this.delay.stop();
      throw error;
    }
  }

  createInstruments(): void {
    if (this.stopped || !this.state.active) return;
    try {
      const meter = this.meter.get();
      const instruments = new Instruments(meter);
      const callback: BatchObservableCallback = (result) => this.collect(instruments, result);
      const observables = instruments.all();
      meter.addBatchObservableCallback(callback, observables);
      this.registered = { meter, callback, observables };
      this.gc.recordInto(
        this.meter.histogram(METRIC_GC_DURATION, {
          unit: 's',
          description: 'Garbage collection duration.',
          advice: { explicitBucketBoundaries: GC_DURATION_BOUNDARIES },
        }),
      );
    } catch (error) {
      this.fail(error);
    }
  }

  /** Stops every sampler and the callback; says once that the instrumentation is off. */
  fail(error: unknown): void {
    this.stop();
    this.state.fail(error);
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const registered = this.registered;
    this.registered = undefined;
    // Each step on its own: one that throws must not keep the others running.
    for (const step of [() => this.delay.stop(), () => this.gc.stop(), () => registered?.meter.removeBatchObservableCallback(registered.callback, registered.observables)]) {
      try {
        step();
      } catch {
        // Nothing more can be done; the instrumentation is off either way.
      }
    }
  }

  private collect(instruments: Instruments, result: BatchObservableResult): void {
    if (this.stopped) return;
    try {
      const delay = this.delay.take();
      if (delay !== undefined) for (const [statistic, observable] of instruments.delay) result.observe(observable, delay[statistic]);

      const loop = this.loopTime.take();
      if (loop.utilization !== undefined) result.observe(instruments.utilization, loop.utilization);
      result.observe(instruments.loopTime, loop.activeSeconds, ACTIVE);
      result.observe(instruments.loopTime, loop.idleSeconds, IDLE);

      for (const space of getHeapSpaceStatistics()) {
        const attributes = this.attributesOfSpace(space.space_name);
        result.observe(instruments.heapUsed, space.space_used_size, attributes);
        result.observe(instruments.heapSpaceSize, space.space_size, attributes);
        result.observe(instruments.heapSpaceAvailable, space.space_available_size, attributes);
        result.observe(instruments.heapSpacePhysical, space.physical_space_size, attributes);
      }

      // The process's CPU and memory are the same from every thread: the main thread's agent says them.
      if (isMainThread) {
        const cpu = process.cpuUsage();
        result.observe(instruments.cpuTime, cpu.user / MICROSECONDS_PER_S, USER);
        result.observe(instruments.cpuTime, cpu.system / MICROSECONDS_PER_S, SYSTEM);
        result.observe(instruments.memoryUsage, process.memoryUsage.rss());
      }
    } catch (error) {
      this.fail(error);
    }
  }

  private attributesOfSpace(name: string): Attributes {
    let attributes = this.spaceAttributes.get(name);
    if (attributes === undefined) {
      attributes = { [ATTR_HEAP_SPACE_NAME]: name };
      this.spaceAttributes.set(name, attributes);
    }
    return attributes;
  }
}
