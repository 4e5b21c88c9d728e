import { context as apiContext, type Attributes, type Context, type ObservableCallback, type ObservableResult } from '@opentelemetry/api';
import { diagOnce } from '../diag';
import { now } from '../sdk/clock';
import type { AttributeIdentity } from './attribute-set';
import type { ExemplarFilter, InstrumentKind, NumberKind } from './data';
import { exemplarAllowed } from './exemplars';
import type { AsyncStorage, Observations, SyncStorage } from './storage';

/**
 * The instruments an app gets from a Meter. A measurement finds its series in each reader's
 * storage and updates it in place; nothing here throws into the app, whatever it passes.
 */

export interface InstrumentDescriptor {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly kind: InstrumentKind;
  readonly numberKind: NumberKind;
  /** The advised explicit bucket boundaries, validated (histograms only). */
  readonly boundaries: readonly number[] | undefined;
}

/** The specification's instrument name syntax. */
const INSTRUMENT_NAME = /^[A-Za-z][A-Za-z0-9_./-]{0,254}$/;

export function isValidInstrumentName(name: unknown): name is string {
  return typeof name === 'string' && INSTRUMENT_NAME.test(name);
}

/** What all instruments of one provider share to record. */
export interface RecordingContext {
  readonly identity: AttributeIdentity;
  readonly exemplarFilter: ExemplarFilter;
}

class SyncInstrument {
  private readonly isInt: boolean;
  private readonly identity: AttributeIdentity;
  private readonly exemplarFilter: ExemplarFilter;
  /** With the filter always_off, a measurement runs no exemplar code at all. */
  private readonly exemplarsOn: boolean;

  constructor(
    readonly descriptor: InstrumentDescriptor,
    readonly storages: readonly SyncStorage[],
    recording: RecordingContext,
  ) {
    this.isInt = descriptor.numberKind === 'int';
    this.identity = recording.identity;
    this.exemplarFilter = recording.exemplarFilter;
    this.exemplarsOn = recording.exemplarFilter !== 'always_off';
  }

  protected measure(value: number, attributes: Attributes | undefined, ctx: Context | undefined): void {
    if (!Number.isFinite(value)) {
      diagOnce(`metrics value ${this.descriptor.name}`, 'warn', `metric ${this.descriptor.name}: a measurement that is not a finite number was dropped (${String(value)})`);
      return;
    }
    if (this.isInt && !Number.isInteger(value)) value = Math.trunc(value);
    try {
      const key = this.identity.keyOf(attributes);
      const storages = this.storages;
      if (this.exemplarsOn) {
        const active = ctx ?? apiContext.active();
        if (exemplarAllowed(this.exemplarFilter, active)) {
          const time = now();
          for (let i = 0; i < storages.length; i++) {
            const storage = storages[i]!;
            const series = storage.seriesFor(key, attributes);
            series.cell.record(value);
            storage.offer(series, value, time, attributes, active);
          }
          return;
        }
      }
      for (let i = 0; i < storages.length; i++) storages[i]!.seriesFor(key, attributes).cell.record(value);
    } catch (error) {
      diagOnce(`metrics record ${this.descriptor.name}`, 'error', `metric ${this.descriptor.name}: a measurement failed and was dropped: ${(error as Error)?.message}`);
    }
  }
}

export class CounterInstrument extends SyncInstrument {
  add(value: number, attributes?: Attributes, ctx?: Context): void {
    if (value < 0) {
      diagOnce(`metrics negative ${this.descriptor.name}`, 'warn', `counter ${this.descriptor.name}: negative values are ignored (a counter only goes up; use an UpDownCounter)`);
      return;
    }
    this.measure(value, attributes, ctx);
  }
}

export class UpDownCounterInstrument extends SyncInstrument {
  add(value: number, attributes?: Attributes, ctx?: Context): void {
    this.measure(value, attributes, ctx);
  }
}

/** Histogram and Gauge: both `record`. */
export class RecordingInstrument extends SyncInstrument {
  record(value: number, attributes?: Attributes, ctx?: Context): void {
    this.measure(value, attributes, ctx);
  }
}

/** An observable instrument: its callbacks run at each collection and report what they observe. */
export class ObservableInstrument {
  readonly callbacks: ObservableCallback[] = [];

  constructor(
    readonly descriptor: InstrumentDescriptor,
    readonly storages: readonly AsyncStorage[],
    readonly identity: AttributeIdentity,
  ) {}

  addCallback(callback: ObservableCallback): void {
    if (typeof callback === 'function' && !this.callbacks.includes(callback)) this.callbacks.push(callback);
  }

  removeCallback(callback: ObservableCallback): void {
    const i = this.callbacks.indexOf(callback);
    if (i >= 0) this.callbacks.splice(i, 1);
  }

  /** Records one observation of a callback into this collection's observations. */
  observe(into: Observations, value: unknown, attributes: Attributes | undefined): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      diagOnce(`metrics value ${this.descriptor.name}`, 'warn', `metric ${this.descriptor.name}: an observation that is not a finite number was dropped (${String(value)})`);
      return;
    }
    if (this.descriptor.numberKind === 'int' && !Number.isInteger(value)) value = Math.trunc(value);
    into.observe(this.identity.keyOf(attributes), attributes, value as number);
  }

  /** The ObservableResult handed to this instrument's own callbacks for one collection. */
  resultFor(into: Observations): ObservableResult {
    return { observe: (value: number, attributes?: Attributes) => this.observe(into, value, attributes) };
  }
}
