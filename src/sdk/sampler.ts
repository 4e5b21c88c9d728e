import {
  SamplingDecision,
  TraceFlags,
  trace,
  type Context,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/api';
import type { SamplerConfig } from '../config/types';

/** Results are shared constants: a sampler allocates nothing per span. */
const RECORD_AND_SAMPLE: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });
const DROP: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });

export class AlwaysOnSampler implements Sampler {
  shouldSample(): SamplingResult {
    return RECORD_AND_SAMPLE;
  }
  toString(): string {
    return 'AlwaysOnSampler';
  }
}

export class AlwaysOffSampler implements Sampler {
  shouldSample(): SamplingResult {
    return DROP;
  }
  toString(): string {
    return 'AlwaysOffSampler';
  }
}

const TWO_POW_28 = 2 ** 28;

/**
 * The specification's TraceIdRatioBased algorithm: the 56 least-significant bits of the trace
 * id are the randomness R, the rejection threshold is T = (1 - ratio) * 2^56, and a span is
 * sampled when R >= T. Every service using the same ratio makes the same decision for a trace,
 * and a trace kept at one ratio is kept at every larger one. 56 bits exceed a float64's exact
 * integers, so R and T are compared as two 28-bit halves.
 */
export class TraceIdRatioBasedSampler implements Sampler {
  private readonly thresholdHigh: number;
  private readonly thresholdLow: number;

  constructor(readonly ratio: number) {
    const threshold = Math.round((1 - Math.min(1, Math.max(0, ratio))) * 2 ** 56);
    this.thresholdHigh = Math.floor(threshold / TWO_POW_28);
    this.thresholdLow = threshold - this.thresholdHigh * TWO_POW_28;
  }

  shouldSample(_context: Context, traceId: string): SamplingResult {
    if (this.ratio >= 1) return RECORD_AND_SAMPLE;
    if (this.ratio <= 0) return DROP;
    const high = parseInt(traceId.substring(18, 25), 16);
    const low = parseInt(traceId.substring(25, 32), 16);
    const keep = high > this.thresholdHigh || (high === this.thresholdHigh && low >= this.thresholdLow);
    return keep ? RECORD_AND_SAMPLE : DROP;
  }

  toString(): string {
    return `TraceIdRatioBased{${this.ratio}}`;
  }
}

export interface ParentBasedOptions {
  root: Sampler;
  remoteParentSampled?: Sampler;
  remoteParentNotSampled?: Sampler;
  localParentSampled?: Sampler;
  localParentNotSampled?: Sampler;
}

/** Whether the sampler drops every trace that starts in this process, whatever its trace id. */
export function dropsEveryNewTrace(config: SamplerConfig): boolean {
  switch (config.name) {
    case 'always_off':
    case 'parentbased_always_off':
      return true;
    case 'traceidratio':
    case 'parentbased_traceidratio':
      return config.ratio === 0;
    default:
      return false;
  }
}

/** Follows the parent's sampled flag when there is a parent, asks `root` otherwise. */
export class ParentBasedSampler implements Sampler {
  private readonly root: Sampler;
  private readonly remoteParentSampled: Sampler;
  private readonly remoteParentNotSampled: Sampler;
  private readonly localParentSampled: Sampler;
  private readonly localParentNotSampled: Sampler;

  constructor(options: ParentBasedOptions) {
    this.root = options.root;
    this.remoteParentSampled = options.remoteParentSampled ?? new AlwaysOnSampler();
    this.remoteParentNotSampled = options.remoteParentNotSampled ?? new AlwaysOffSampler();
    this.localParentSampled = options.localParentSampled ?? new AlwaysOnSampler();
    this.localParentNotSampled = options.localParentNotSampled ?? new AlwaysOffSampler();
  }

  shouldSample(...args: Parameters<Sampler['shouldSample']>): SamplingResult {
    const parent = trace.getSpanContext(args[0]);
    if (parent === undefined || !trace.isSpanContextValid(parent)) return this.root.shouldSample(...args);
    const sampled = (parent.traceFlags & TraceFlags.SAMPLED) !== 0;
    if (parent.isRemote) {
      return (sampled ? this.remoteParentSampled : this.remoteParentNotSampled).shouldSample(...args);
    }
    return (sampled ? this.localParentSampled : this.localParentNotSampled).shouldSample(...args);
  }

  toString(): string {
    return `ParentBased{root=${this.root.toString()}}`;
  }
}

export function createSampler(config: SamplerConfig): Sampler {
  switch (config.name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(config.ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.ratio) });
  }
}
