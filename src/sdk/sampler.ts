import {
  SamplingDecision,
  TraceFlags,
  trace,
  type Context,
  type Sampler,
  type SamplingResult,
  type SpanContext,
} from '@opentelemetry/api';
import type { SamplerConfig } from '../config/types';
import { Span } from './span';
import { incomingThreshold, randomnessOf, ratioThreshold, reaches, traceIdRandomness, withTh, type Threshold } from './threshold';

/** Results are shared constants: a sampler allocates nothing per span. */
const RECORD_AND_SAMPLE: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });
const DROP: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });
const RECORD_ONLY: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD });

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

/**
 * The specification's TraceIdRatioBased algorithm: the 56 least-significant bits of the trace
 * id are the randomness R, the rejection threshold is T = 2^56 - ratio * 2^56, and a span is
 * sampled when R >= T. Every service using the same ratio makes the same decision for a trace,
 * and a trace kept at one ratio is kept at every larger one. When the randomness is known to be
 * random (the trace started here, or its parent carries the level-2 random flag or an `rv`), the
 * threshold used is written into the tracestate (`ot=th:`), so backends can compute adjusted
 * counts; otherwise an incoming `th` is removed, as it no longer describes the decision.
 */
export class TraceIdRatioBasedSampler implements Sampler {
  private readonly threshold: Threshold;
  /** The result for a trace started here: shared, as the other constant results. */
  private readonly sampledNew: SamplingResult;

  constructor(readonly ratio: number) {
    this.threshold = ratioThreshold(ratio);
    this.sampledNew = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED, traceState: withTh(undefined, this.threshold.th) });
  }

  shouldSample(context: Context, traceId: string): SamplingResult {
    if (this.ratio <= 0) return DROP;
    const parent = validParent(context);
    const randomness = randomnessOf(traceId, parent);
    const [high, low] = randomness ?? traceIdRandomness(traceId);
    if (!reaches(high, low, this.threshold)) return DROP;
    if (parent === undefined) return this.sampledNew;
    const th = randomness === undefined ? undefined : this.threshold.th;
    if (incomingThreshold(parent.traceState)?.th === th) return RECORD_AND_SAMPLE;
    return { decision: SamplingDecision.RECORD_AND_SAMPLED, traceState: withTh(parent.traceState, th) };
  }

  toString(): string {
    return `TraceIdRatioBased{${this.ratio}}`;
  }
}

/**
 * The parent span's context when its ids are valid. A span of this SDK has valid ids by
 * construction (ids.ts): only another's are checked, the API's check scanning 48 hex digits
 * (express's and fastify's spans, children of the SERVER span, skip it).
 */
function validParent(context: Context): SpanContext | undefined {
  const span = trace.getSpan(context);
  if (span === undefined) return undefined;
  const parent = span.spanContext();
  return span instanceof Span || trace.isSpanContextValid(parent) ? parent : undefined;
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

/**
 * A remote parent's `ot=th` threshold is kept (its adjusted count holds for this service's spans
 * too) unless the trace's randomness contradicts it (R < T for a sampled trace): then it is
 * removed, as the specification asks of an inconsistent threshold.
 */
function honourThreshold(traceId: string, parent: SpanContext, result: SamplingResult): SamplingResult {
  const threshold = incomingThreshold(parent.traceState);
  if (threshold === undefined) return result;
  const randomness = randomnessOf(traceId, parent);
  if (randomness === undefined || reaches(randomness[0], randomness[1], threshold)) return result;
  return { decision: result.decision, traceState: withTh(parent.traceState, undefined) };
}

/**
 * otelite_tail's head: records every span. What the parent-based ratio sampler would drop is
 * recorded but not sampled (RECORD), so `traceparent` tells downstream services the head decision
 * while the span waits here for the tail decision; a threshold that came with a not-sampled parent
 * is removed, as no probability describes a trace kept later for an error or its latency.
 */
export class RecordEverySpanSampler implements Sampler {
  constructor(private readonly head: Sampler) {}

  shouldSample(...args: Parameters<Sampler['shouldSample']>): SamplingResult {
    const result = this.head.shouldSample(...args);
    if (result.decision !== SamplingDecision.NOT_RECORD) return result;
    const traceState = trace.getSpanContext(args[0])?.traceState;
    if (incomingThreshold(traceState) === undefined) return RECORD_ONLY;
    return { decision: SamplingDecision.RECORD, traceState: withTh(traceState, undefined) };
  }

  toString(): string {
    return `RecordEverySpan{${this.head.toString()}}`;
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
    const parent = validParent(args[0]);
    if (parent === undefined) return this.root.shouldSample(...args);
    const sampled = (parent.traceFlags & TraceFlags.SAMPLED) !== 0;
    if (!parent.isRemote) return (sampled ? this.localParentSampled : this.localParentNotSampled).shouldSample(...args);
    const result = (sampled ? this.remoteParentSampled : this.remoteParentNotSampled).shouldSample(...args);
    return result.traceState === undefined && result.decision === SamplingDecision.RECORD_AND_SAMPLED
      ? honourThreshold(args[1], parent, result)
      : result;
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
    case 'otelite_tail':
      return new RecordEverySpanSampler(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.ratio) }));
  }
}
