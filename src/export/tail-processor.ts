import { diag, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { TailSamplingConfig } from '../config/types';
import { monotonicNow } from '../monotonic-clock';
import type { SpanProcessor } from '../sdk/processor';
import type { SpanData } from '../sdk/span-data';
import { DropReporter } from './drop-reporter';
import { TokenBucket } from './token-bucket';

/** Spans of one local trace waiting for its local root to end. */
interface PendingTrace {
  readonly spans: SpanData[];
  error: boolean;
  /** When the first span ended (performance clock, ms): the decision wait counts from here. */
  readonly since: number;
}

/** Why a trace was kept, in the order the rate limit serves them. */
type Reason = 'error' | 'slow' | 'head';

/** Decisions remembered for spans that end after their local root: between this many and twice as many. */
const DECISIONS_REMEMBERED = 2_048;

export interface TailStats {
  kept: number;
  dropped: number;
  /** Traces decided before their local root ended: the buffer was full, or the wait ran out. */
  decidedEarly: number;
  timedOut: number;
  rateLimited: number;
}

function isLocalRoot(span: SpanData): boolean {
  return span.parentSpanId === undefined || span.parentIsRemote;
}

/**
 * otelite_tail's decision, in front of the exporting processors. Every span of a local trace is
 * held until the trace's local root ends; the trace is then kept whole if a span ended with status
 * ERROR (keep_errors), if the root lasted longer than slower_than, or if the head (ratio) decision
 * sampled it; otherwise it is dropped without export. A kept trace goes to the next processor
 * through `onKept` (exported whatever its sampled flag). Spans that end after their root follow the
 * decision already made. Memory is bounded: when the span or trace cap is reached the oldest trace is
 * decided at once without its root (error or head decision only), and a dropped one is reported like
 * a queue drop; a trace whose root never ends is decided the same way after `decisionWaitMs`.
 */
export class TailSamplingProcessor implements SpanProcessor {
  private readonly pending = new Map<string, PendingTrace>();
  private bufferedSpans = 0;
  /**
   * Two generations of decisions, the older dropped whole when the newer fills: evicting the
   * oldest entry of one Map instead (`keys().next()`) walks over the holes that deletes leave at
   * its front, measured at several microseconds per trace.
   */
  private decided = new Map<string, boolean>();
  private decidedBefore = new Map<string, boolean>();
  private readonly limiter: TokenBucket | undefined;
  private readonly earlyDrops = new DropReporter('traces decided before their local root ended');
  private sweepTimer: NodeJS.Timeout | undefined;
  private isShutdown = false;
  readonly stats: TailStats = { kept: 0, dropped: 0, decidedEarly: 0, timedOut: 0, rateLimited: 0 };

  constructor(
    private readonly next: SpanProcessor,
    private readonly config: TailSamplingConfig,
    private readonly clock: () => number = monotonicNow,
  ) {
    const max = config.maxPerSecond;
    // A tenth of the budget (at least one trace) is kept for error traces.
    this.limiter = max === undefined ? undefined : new TokenBucket(max, Math.max(1, Math.floor(max / 10)));
  }

  /** Spans held now, for tests and the exit line. */
  get buffered(): { spans: number; traces: number } {
    return { spans: this.bufferedSpans, traces: this.pending.size };
  }

  onEnd(span: SpanData): void {
    if (this.isShutdown) return;
    // Without a rate limit a head-sampled span is kept whatever happens next: no need to hold it.
    if (this.limiter === undefined && (span.traceFlags & TraceFlags.SAMPLED) !== 0) {
      this.next.onEnd(span);
      return;
    }
    const traceId = span.traceId;
    let decision = this.decision(traceId);
    if (decision === undefined) {
      this.makeRoom(traceId);
      // Making room may have decided this very trace.
      decision = this.decision(traceId);
    }
    if (decision !== undefined) {
      if (decision) this.keepSpan(span);
      return;
    }
    let trace = this.pending.get(traceId);
    if (trace === undefined && isLocalRoot(span)) {
      // A local root with nothing held (a one-span trace, or all its children still open): decided
      // as it is, without entering the buffer.
      this.decide(traceId, { spans: [span], error: span.status.code === SpanStatusCode.ERROR, since: 0 }, span);
      return;
    }
    if (trace === undefined) {
      trace = { spans: [], error: false, since: this.clock() };
      this.pending.set(traceId, trace);
      this.startSweeping();
    }
    trace.spans.push(span);
    this.bufferedSpans++;
    if (span.status.code === SpanStatusCode.ERROR) trace.error = true;
    if (isLocalRoot(span)) this.decide(traceId, trace, span);
  }

  /** Decides the oldest traces early until a span (and, for a new trace, a trace) fits. */
  private makeRoom(traceId: string): void {
    const { maxSpans, maxTraces } = this.config;
    while (this.bufferedSpans >= maxSpans && this.pending.size > 0) this.decideOldest(`max_spans=${maxSpans}`);
    if (!this.pending.has(traceId)) while (this.pending.size >= maxTraces) this.decideOldest(`max_traces=${maxTraces}`);
  }

  private decideOldest(cap: string): void {
    const [traceId, trace] = this.pending.entries().next().value as [string, PendingTrace];
    this.stats.decidedEarly++;
    if (!this.decide(traceId, trace, undefined)) {
      this.earlyDrops.drop(1, `tail-sampling buffer full (${cap} in OTEL_TRACES_SAMPLER_ARG)`);
    }
  }

  /** Keeps or drops a whole pending trace; `root` is undefined when decided early. Returns whether it was kept. */
  private decide(traceId: string, trace: PendingTrace, root: SpanData | undefined): boolean {
    if (this.pending.delete(traceId)) this.bufferedSpans -= trace.spans.length;
    const reason = this.reason(trace, root);
    let keep = reason !== undefined;
    if (keep && this.limiter !== undefined && !this.limiter.take(this.clock(), reason === 'error')) {
      keep = false;
      this.stats.rateLimited++;
    }
    this.remember(traceId, keep);
    if (keep) {
      this.stats.kept++;
      for (const span of trace.spans) this.keepSpan(span);
    } else {
      this.stats.dropped++;
    }
    return keep;
  }

  private reason(trace: PendingTrace, root: SpanData | undefined): Reason | undefined {
    const { keepErrors, slowerThanMs } = this.config;
    if (keepErrors && trace.error) return 'error';
    if (root !== undefined && slowerThanMs !== undefined && root.endTime - root.startTime > slowerThanMs) return 'slow';
    const head = root ?? trace.spans[0];
    return (head.traceFlags & TraceFlags.SAMPLED) !== 0 ? 'head' : undefined;
  }

  private keepSpan(span: SpanData): void {
    try {
      if (this.next.onKept !== undefined) this.next.onKept(span);
      else this.next.onEnd(span);
    } catch (error) {
      diag.error('span processor failed on a kept span; span dropped', error);
    }
  }

  private decision(traceId: string): boolean | undefined {
    return this.decided.get(traceId) ?? this.decidedBefore.get(traceId);
  }

  private remember(traceId: string, kept: boolean): void {
    this.decided.set(traceId, kept);
    if (this.decided.size >= DECISIONS_REMEMBERED) {
      this.decidedBefore = this.decided;
      this.decided = new Map();
    }
  }

  /** Checks for traces past the decision wait a few times per wait (at most every second), while any are pending. */
  private startSweeping(): void {
    if (this.sweepTimer !== undefined) return;
    const every = Math.max(10, Math.min(1_000, this.config.decisionWaitMs / 4));
    this.sweepTimer = setInterval(() => this.sweep(), every);
    this.sweepTimer.unref();
  }

  private sweep(): void {
    const expired = this.clock() - this.config.decisionWaitMs;
    // Insertion order is the order of `since`: stop at the first trace still within its wait.
    for (const [traceId, trace] of this.pending) {
      if (trace.since > expired) break;
      this.stats.decidedEarly++;
      this.stats.timedOut++;
      this.decide(traceId, trace, undefined);
    }
    if (this.pending.size === 0) this.stopSweeping();
  }

  private stopSweeping(): void {
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  forceFlush(): Promise<void> {
    this.earlyDrops.report(true);
    return this.next.forceFlush();
  }

  /** At shutdown no root will end any more: every pending trace is decided now, then exported. */
  async shutdown(): Promise<void> {
    if (this.isShutdown) return;
    for (const [traceId, trace] of this.pending) {
      this.stats.decidedEarly++;
      this.decide(traceId, trace, undefined);
    }
    this.stopSweeping();
    this.isShutdown = true;
    this.earlyDrops.report(true);
    await this.next.shutdown();
  }

  unexported(): string | undefined {
    const waiting = this.bufferedSpans > 0 ? `${this.bufferedSpans} span${this.bufferedSpans === 1 ? '' : 's'} waiting for a tail-sampling decision` : undefined;
    const next = this.next.unexported?.();
    return waiting === undefined ? next : next === undefined ? waiting : `${waiting}, ${next}`;
  }
}
