import {
  createNoopMeter,
  ValueType,
  type Attributes,
  type BatchObservableCallback,
  type BatchObservableResult,
  type Meter as ApiMeter,
  type MetricOptions,
  type Observable,
} from '@opentelemetry/api';
import { diagOnce } from '../diag';
import { safeString } from '../sdk/attributes';
import type { InstrumentationScope } from '../sdk/span-data';
import { metricData, newCellFor, newReservoirFor } from './aggregation';
import { histogramBoundaries } from './aggregators';
import type { AggregationTemporality, HistogramAggregation, InstrumentKind, MetricData, ScopeMetrics } from './data';
import {
  CounterInstrument,
  isValidInstrumentName,
  ObservableInstrument,
  RecordingInstrument,
  UpDownCounterInstrument,
  type InstrumentDescriptor,
  type RecordingContext,
} from './instruments';
import { AsyncStorage, Observations, SyncStorage } from './storage';
import { now } from '../sdk/clock';

/** What every meter of one provider shares. */
export interface MeterContext extends RecordingContext {
  /** Each reader's temporality choice, in reader order. */
  readonly temporalities: ReadonlyArray<(kind: InstrumentKind) => AggregationTemporality>;
  readonly histogramAggregation: HistogramAggregation;
  readonly cardinalityLimit: number;
  /** The SDK's start: the start of the first interval. */
  readonly startTime: number;
}

type SyncInstrument = CounterInstrument | UpDownCounterInstrument | RecordingInstrument;
type Instrument = SyncInstrument | ObservableInstrument;

const NOOP = createNoopMeter();

/** What the callbacks of one collection observed, per observable instrument of the meter. */
export type MeterObservations = ReadonlyMap<ObservableInstrument, Observations>;

interface BatchRegistration {
  readonly callback: BatchObservableCallback;
  readonly observables: ReadonlySet<Observable>;
}

/**
 * One instrumentation scope's instruments. The same instrument asked for twice is one stream;
 * a duplicate that conflicts (same name, another kind, unit, description or value type) is
 * warned about once and exported as its own stream, as the specification allows.
 */
export class Meter implements ApiMeter {
  private readonly instruments: Instrument[] = [];
  /** By lower-case name: instrument names are case-insensitive. */
  private readonly byName = new Map<string, Instrument[]>();
  private readonly batches: BatchRegistration[] = [];

  constructor(
    readonly scope: InstrumentationScope,
    private readonly context: MeterContext,
  ) {}

  createCounter(name: string, options?: MetricOptions): CounterInstrument {
    return this.sync(name, options, 'counter', CounterInstrument) ?? (NOOP.createCounter(name) as CounterInstrument);
  }

  createUpDownCounter(name: string, options?: MetricOptions): UpDownCounterInstrument {
    return this.sync(name, options, 'upDownCounter', UpDownCounterInstrument) ?? (NOOP.createUpDownCounter(name) as UpDownCounterInstrument);
  }

  createHistogram(name: string, options?: MetricOptions): RecordingInstrument {
    return this.sync(name, options, 'histogram', RecordingInstrument) ?? (NOOP.createHistogram(name) as RecordingInstrument);
  }

  createGauge(name: string, options?: MetricOptions): RecordingInstrument {
    return this.sync(name, options, 'gauge', RecordingInstrument) ?? (NOOP.createGauge(name) as RecordingInstrument);
  }

  createObservableCounter(name: string, options?: MetricOptions): Observable {
    return this.observable(name, options, 'observableCounter') ?? NOOP.createObservableCounter(name);
  }

  createObservableUpDownCounter(name: string, options?: MetricOptions): Observable {
    return this.observable(name, options, 'observableUpDownCounter') ?? NOOP.createObservableUpDownCounter(name);
  }

  createObservableGauge(name: string, options?: MetricOptions): Observable {
    return this.observable(name, options, 'observableGauge') ?? NOOP.createObservableGauge(name);
  }

  addBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]): void {
    if (typeof callback !== 'function' || !Array.isArray(observables)) return;
    const set = new Set(observables.filter((o) => o instanceof ObservableInstrument));
    if (this.batches.some((b) => b.callback === callback && sameSet(b.observables, set))) return;
    this.batches.push({ callback, observables: set });
  }

  removeBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]): void {
    if (!Array.isArray(observables)) return;
    const set = new Set(observables.filter((o) => o instanceof ObservableInstrument));
    const i = this.batches.findIndex((b) => b.callback === callback && sameSet(b.observables, set));
    if (i >= 0) this.batches.splice(i, 1);
  }

  /**
   * Runs every callback of the meter once, for one collection. A callback that throws or
   * rejects is said once and loses only its own observations.
   */
  async observe(): Promise<MeterObservations> {
    const all = new Map<ObservableInstrument, Observations>();
    const pending: Array<Promise<void>> = [];
    for (const instrument of this.instruments) {
      if (!(instrument instanceof ObservableInstrument)) continue;
      const observations = new Observations();
      all.set(instrument, observations);
      const result = instrument.resultFor(observations);
      for (const callback of [...instrument.callbacks]) {
        this.run(() => callback(result), `observable callback of ${instrument.descriptor.name}`, pending);
      }
    }
    for (const batch of [...this.batches]) {
      const result: BatchObservableResult = {
        observe: (observable: Observable, value: number, attributes?: Attributes) => {
          const into = observable instanceof ObservableInstrument && batch.observables.has(observable) ? all.get(observable) : undefined;
          if (into !== undefined) (observable as ObservableInstrument).observe(into, value, attributes);
        },
      };
      this.run(() => batch.callback(result), `batch observable callback of meter ${this.scope.name}`, pending);
    }
    await Promise.all(pending);
    return all;
  }

  /** This meter's metrics for reader number `reader`, at `time`. */
  collect(reader: number, time: number, observations: MeterObservations): ScopeMetrics {
    const metrics: MetricData[] = [];
    const histogram = this.context.histogramAggregation;
    for (const instrument of this.instruments) {
      const d = instrument.descriptor;
      const temporality = this.context.temporalities[reader]!(d.kind);
      const points =
        instrument instanceof ObservableInstrument
          ? (instrument.storages[reader]!.collect(observations.get(instrument) ?? new Observations(), time))
          : instrument.storages[reader]!.collect(time);
      if (points.length > 0) metrics.push(metricData(d, histogram, temporality, points));
    }
    return { scope: this.scope, metrics };
  }

  private run(call: () => unknown, label: string, pending: Array<Promise<void>>): void {
    const fail = (error: unknown): void =>
      diagOnce(`metrics callback ${this.scope.name} ${label}`, 'warn', `${label} failed (its observations are skipped; said once): ${safeString((error as Error)?.message ?? error)}`);
    try {
      const returned = call();
      if (returned !== null && typeof returned === 'object' && typeof (returned as Promise<unknown>).then === 'function') {
        pending.push(Promise.resolve(returned).then(() => undefined, fail));
      }
    } catch (error) {
      fail(error);
    }
  }

  private sync<T extends SyncInstrument>(
    name: string,
    options: MetricOptions | undefined,
    kind: InstrumentKind,
    Make: new (d: InstrumentDescriptor, storages: SyncStorage[], recording: RecordingContext) => T,
  ): T | undefined {
    return this.register(name, options, kind, (d) => {
      const c = this.context;
      const newCell = newCellFor(d, c.histogramAggregation);
      const newReservoir = newReservoirFor(d, c.histogramAggregation, c.exemplarFilter);
      const storages = c.temporalities.map(
        (temporality) =>
          new SyncStorage({
            temporality: temporality(kind),
            cardinalityLimit: c.cardinalityLimit,
            startTime: c.startTime,
            newCell,
            newReservoir,
            attributesOf: (input) => c.identity.attributesOf(input),
            now,
          }),
      );
      return new Make(d, storages, c);
    });
  }

  private observable(name: string, options: MetricOptions | undefined, kind: InstrumentKind): ObservableInstrument | undefined {
    return this.register(name, options, kind, (d) => {
      const c = this.context;
      const storages = c.temporalities.map(
        (temporality) =>
          new AsyncStorage(
            {
              temporality: temporality(kind),
              cardinalityLimit: c.cardinalityLimit,
              startTime: c.startTime,
              attributesOf: (input) => c.identity.attributesOf(input),
            },
            kind !== 'observableGauge',
          ),
      );
      return new ObservableInstrument(d, storages, c.identity);
    });
  }

  /** The instrument for this identity: the existing one, a new one, or undefined for an invalid name. */
  private register<T extends Instrument>(
    name: string,
    options: MetricOptions | undefined,
    kind: InstrumentKind,
    make: (d: InstrumentDescriptor) => T,
  ): T | undefined {
    if (!isValidInstrumentName(name)) {
      const shown = safeString(name).slice(0, 300);
      diagOnce(
        `metrics invalid name ${shown}`,
        'warn',
        `invalid instrument name "${shown}" (meter ${this.scope.name}): it must start with a letter and have at most 255 letters, digits, '_', '.', '-' or '/'; its measurements are ignored`,
      );
      return undefined;
    }
    const d = describe(name, options, kind);
    const lower = name.toLowerCase();
    const same = this.byName.get(lower);
    if (same !== undefined) {
      const identical = same.find((i) => identicalDescriptors(i.descriptor, d));
      if (identical !== undefined) return identical as T;
      const first = same[0]!.descriptor;
      diagOnce(
        `metrics duplicate ${this.scope.name} ${lower}`,
        'warn',
        `instrument ${name} of meter ${this.scope.name} was created again with another definition (${first.kind} "${first.unit}" "${first.description}" vs ${d.kind} "${d.unit}" "${d.description}"): both are exported, under the same name`,
      );
    }
    const instrument = make(d);
    this.instruments.push(instrument);
    if (same === undefined) this.byName.set(lower, [instrument]);
    else same.push(instrument);
    return instrument;
  }
}

function describe(name: string, options: MetricOptions | undefined, kind: InstrumentKind): InstrumentDescriptor {
  let advice: unknown;
  try {
    advice = options?.advice?.explicitBucketBoundaries;
  } catch {
    advice = undefined;
  }
  return {
    name,
    description: options?.description === undefined ? '' : safeString(options.description),
    unit: options?.unit === undefined ? '' : safeString(options.unit),
    kind,
    numberKind: options?.valueType === ValueType.INT ? 'int' : 'double',
    boundaries: kind === 'histogram' && advice !== undefined ? histogramBoundaries(advice) : undefined,
  };
}

function identicalDescriptors(a: InstrumentDescriptor, b: InstrumentDescriptor): boolean {
  return a.kind === b.kind && a.unit === b.unit && a.description === b.description && a.numberKind === b.numberKind;
}

function sameSet<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
