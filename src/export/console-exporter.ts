import type { ConsoleFormat } from '../config/types';
import { diagOnce } from '../diag';
import type { SpanData } from '../sdk/span-data';
import { FoldRun, foldableSystem } from './console/fold';
import { spanJson } from './console/json';
import { isLocalRoot } from './console/spans';
import { renderTrace } from './console/tree';
import type { ExportResult, SpanExporter } from './exporter';

/**
 * How long a trace is held after its local root (or any later span of it) ended: a span that
 * ends after its root (a fastify hook that answered 401, a response stream finishing late, an
 * in-process request's CLIENT span) still prints in its trace.
 */
const LATE_SPAN_GRACE_MS = 200;
/** A run of foldable traces (fold.ts) is printed once this long passes without another. */
const FOLD_QUIET_MS = 500;
/** Spans held at most; past this, the oldest traces are printed as they are. */
const MAX_HELD_SPANS = 10_000;
/** Trace ids remembered after printing, to mark a span that arrives later as a continuation. */
const MAX_PRINTED_TRACES = 1_000;

type Write = (text: string) => void;

export interface ConsoleTiming {
  lateSpanGraceMs: number;
  foldQuietMs: number;
}

interface HeldTrace {
  spans: SpanData[];
  /** Set once a local root (or a span of an already printed trace) arrived: printing is due. */
  timer: NodeJS.Timeout | undefined;
}

/**
 * What every console exporter still holds is printed at `process.exit()` (the flush at
 * beforeExit or a signal never runs then): writing to stdout at 'exit' is synchronous for files,
 * pipes and terminals on POSIX. One 'exit' listener for all exporters, added on first need.
 */
const printAtExit = new Set<() => void>();
let exitListenerAdded = false;

function holdUntilExit(print: () => void, holding: boolean): void {
  if (!holding) {
    printAtExit.delete(print);
    return;
  }
  printAtExit.add(print);
  if (exitListenerAdded) return;
  exitListenerAdded = true;
  process.on('exit', () => {
    for (const printHeld of printAtExit) printHeld();
  });
}

/**
 * Development exporter. `json` prints one JSON object per span as it ends. `tree` and
 * `tree-verbose` hold a trace's spans until its local root has ended and no span of it came for
 * a short grace, then print the trace as a waterfall (console/tree.ts); one-span database traces
 * outside any request are folded into a summary line (console/fold.ts, not in the verbose form).
 * Timers are unref'ed: the exporter never keeps the process alive; forceFlush, shutdown and
 * process exit print whatever is held, so nothing is lost.
 */
export class ConsoleSpanExporter implements SpanExporter {
  private readonly verbose: boolean;
  private readonly timing: ConsoleTiming;
  private readonly held = new Map<string, HeldTrace>();
  private heldSpans = 0;
  private readonly printed = new Set<string>();
  private run: FoldRun | undefined;
  private runTimer: NodeJS.Timeout | undefined;
  private readonly printHeld = (): void => this.guarded(() => this.printAll());

  constructor(
    private readonly format: ConsoleFormat = 'tree',
    private readonly write: Write = (text) => process.stdout.write(text),
    timing: Partial<ConsoleTiming> = {},
  ) {
    this.verbose = format === 'tree-verbose';
    this.timing = { lateSpanGraceMs: LATE_SPAN_GRACE_MS, foldQuietMs: FOLD_QUIET_MS, ...timing };
  }

  export(spans: readonly SpanData[]): Promise<ExportResult> {
    try {
      if (this.format === 'json') {
        for (const span of spans) this.write(spanJson(span) + '\n');
      } else {
        for (const span of spans) this.hold(span);
        while (this.heldSpans > MAX_HELD_SPANS) this.release(this.held.keys().next().value as string);
        this.updateExitHold();
      }
      return Promise.resolve({ ok: true });
    } catch (error) {
      return Promise.resolve({ ok: false, error: error as Error });
    }
  }

  forceFlush(): Promise<void> {
    this.printAll();
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }

  private hold(span: SpanData): void {
    let trace = this.held.get(span.traceId);
    if (trace === undefined) {
      trace = { spans: [], timer: undefined };
      this.held.set(span.traceId, trace);
    }
    trace.spans.push(span);
    this.heldSpans++;
    if (trace.timer !== undefined || isLocalRoot(span) || this.printed.has(span.traceId)) {
      clearTimeout(trace.timer);
      const traceId = span.traceId;
      trace.timer = setTimeout(() => this.guarded(() => this.release(traceId)), this.timing.lateSpanGraceMs).unref();
    }
  }

  /** Timer callbacks run outside the app's code: a fault here must never reach the app. */
  private guarded(work: () => void): void {
    try {
      work();
      this.updateExitHold();
    } catch (error) {
      diagOnce('console-exporter', 'warn', `console exporter failed to print a trace: ${(error as Error)?.message ?? String(error)}`);
    }
  }

  /** Prints one held trace (or folds it into the current run). */
  private release(traceId: string): void {
    const trace = this.held.get(traceId);
    if (trace === undefined) return;
    this.held.delete(traceId);
    this.heldSpans -= trace.spans.length;
    clearTimeout(trace.timer);
    const continued = this.printed.has(traceId);
    this.remember(traceId);
    const system = this.verbose || continued ? undefined : foldableSystem(trace.spans);
    if (system === undefined) {
      this.endRun();
      this.write(renderTrace(trace.spans, { verbose: this.verbose, continued }));
      return;
    }
    if (this.run !== undefined && this.run.system !== system) this.endRun();
    this.run ??= new FoldRun(system, String(trace.spans[0].resource.attributes['service.name'] ?? ''));
    this.run.add(trace.spans);
    clearTimeout(this.runTimer);
    this.runTimer = setTimeout(() => this.guarded(() => this.endRun()), this.timing.foldQuietMs).unref();
  }

  private endRun(): void {
    const run = this.run;
    if (run === undefined) return;
    this.run = undefined;
    clearTimeout(this.runTimer);
    const trees = run.unfolded();
    if (trees === undefined) this.write(run.summary());
    else for (const spans of trees) this.write(renderTrace(spans, { verbose: this.verbose }));
  }

  private remember(traceId: string): void {
    this.printed.delete(traceId);
    this.printed.add(traceId);
    if (this.printed.size > MAX_PRINTED_TRACES) this.printed.delete(this.printed.values().next().value as string);
  }

  private printAll(): void {
    for (const traceId of [...this.held.keys()]) this.release(traceId);
    this.endRun();
    this.updateExitHold();
  }

  private updateExitHold(): void {
    holdUntilExit(this.printHeld, this.held.size > 0 || this.run !== undefined);
  }
}
