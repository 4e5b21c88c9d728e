import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { diag, DiagLogLevel, ROOT_CONTEXT, SpanStatusCode, trace, TraceFlags, type Span } from '@opentelemetry/api';
import { DEFAULTS } from '../../src/config/defaults';
import type { TailSamplingConfig } from '../../src/config/types';
import { TailSamplingProcessor } from '../../src/export/tail-processor';
import { TracerProvider } from '../../src/sdk/provider';
import { createResource } from '../../src/sdk/resource';
import { createSampler, dropsEveryNewTrace } from '../../src/sdk/sampler';
import { EndedSpans } from '../kit/recording';

const BASE: TailSamplingConfig = { keepErrors: true, slowerThanMs: undefined, maxPerSecond: undefined, maxSpans: 1_000, maxTraces: 100, decisionWaitMs: 30_000 };

/** The agent's provider with otelite_tail's sampler and processor in front of a recording sink. */
function tailProvider(ratio: number, overrides: Partial<TailSamplingConfig> = {}, clock?: () => number) {
  const config = { ...BASE, ...overrides };
  const sink = new EndedSpans();
  const processor = new TailSamplingProcessor(sink, config, clock);
  const provider = new TracerProvider({
    resource: createResource({ serviceName: 'unit', attributes: {} }),
    sampler: createSampler({ name: 'otelite_tail', ratio, tail: config }),
    limits: { ...DEFAULTS.limits },
    processor,
  });
  const tracer = provider.getTracer('t');
  /** A root span and `children` child spans started under it (none ended). */
  const open = (children: number, startTime?: Date) => {
    const root = tracer.startSpan('root', { startTime });
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    return { root, children: Array.from({ length: children }, (_, i) => tracer.startSpan(`child${i}`, {}, ctx)) };
  };
  return { sink, processor, provider, open };
}

function traceIds(sink: EndedSpans): Set<string> {
  return new Set(sink.spans.map((s) => s.traceId));
}

/** Captures the agent's diagnostic lines while `run` runs. */
async function diagLines(run: () => Promise<void> | void): Promise<string[]> {
  const lines: string[] = [];
  const log = (message: string) => lines.push(message);
  diag.setLogger({ error: log, warn: log, info: log, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  try {
    await run();
  } finally {
    diag.disable();
  }
  return lines;
}

describe('tail sampling: the decisions of the tail-sampling processor', () => {
  it('ratio 0: a trace with an error span is exported whole, an ordinary one not at all, both recorded until the root ends', () => {
    const { sink, open } = tailProvider(0);
    const failing = open(2);
    failing.children[0].setStatus({ code: SpanStatusCode.ERROR }).end();
    failing.children[1].end();
    const ordinary = open(2);
    for (const child of ordinary.children) child.end();
    assert.equal(failing.root.isRecording(), true, 'every span records under the head decision');
    assert.equal(sink.spans.length, 0, 'nothing leaves before the local root ends');
    failing.root.end();
    ordinary.root.end();
    assert.deepEqual(traceIds(sink), new Set([failing.root.spanContext().traceId]));
    assert.deepEqual(sink.spans.map((s) => s.name).sort(), ['child0', 'child1', 'root']);
    assert.equal(sink.spans[0].traceFlags & TraceFlags.SAMPLED, 0, 'the flag still says what downstream was told: not sampled');
  });

  it('keep_errors=false: an error alone keeps nothing', () => {
    const { sink, open } = tailProvider(0, { keepErrors: false });
    const failing = open(1);
    failing.children[0].setStatus({ code: SpanStatusCode.ERROR }).end();
    failing.root.end();
    assert.equal(sink.spans.length, 0);
  });

  it('slower_than: a local root that lasted longer keeps its trace; one just under it does not', () => {
    const { sink, open } = tailProvider(0, { slowerThanMs: 500 });
    const slow = open(1, new Date(Date.now() - 600));
    slow.children[0].end();
    slow.root.end();
    const fast = open(1, new Date(Date.now() - 400));
    fast.children[0].end();
    fast.root.end();
    assert.deepEqual(traceIds(sink), new Set([slow.root.spanContext().traceId]));
    assert.equal(sink.spans.length, 2);
  });

  it('late children follow the decision made when the root ended: exported for a kept trace, dropped for a dropped one', () => {
    const { sink, open } = tailProvider(0);
    const kept = open(1);
    kept.root.setStatus({ code: SpanStatusCode.ERROR });
    kept.root.end();
    const dropped = open(1);
    dropped.root.end();
    kept.children[0].end();
    dropped.children[0].end();
    assert.deepEqual(sink.spans.map((s) => `${s.name}:${s.traceId === kept.root.spanContext().traceId}`), ['root:true', 'child0:true']);
  });

  it('without a rate limit a head-sampled span is passed on as it ends, not held', () => {
    const { sink, processor, open } = tailProvider(1);
    const t = open(1);
    t.children[0].end();
    assert.equal(sink.spans.length, 1);
    assert.deepEqual(processor.buffered, { spans: 0, traces: 0 });
    t.root.end();
    assert.equal(sink.spans.length, 2);
  });

  it('max_traces: at every step at most the cap is held; the oldest trace is decided early, a dropped one reported like a queue drop', async () => {
    const { sink, processor, provider, open } = tailProvider(0, { maxTraces: 3 });
    const opened: { root: Span; children: Span[] }[] = [];
    const lines = await diagLines(async () => {
      for (let i = 0; i < 10; i++) {
        const t = open(1);
        if (i === 0) t.children[0].setStatus({ code: SpanStatusCode.ERROR });
        t.children[0].end();
        opened.push(t);
        assert.ok(processor.buffered.traces <= 3, `${processor.buffered.traces} traces held`);
      }
      for (const t of opened) t.root.end();
      await provider.forceFlush();
    });
    // The first trace had an error when it was decided early: kept, and its root followed.
    assert.deepEqual(traceIds(sink), new Set([opened[0].root.spanContext().traceId]));
    assert.equal(sink.spans.length, 2);
    assert.equal(processor.stats.decidedEarly, 7);
    assert.equal(processor.stats.dropped, 6 + 3);
    assert.deepEqual(lines, [
      'tail-sampling buffer full (max_traces=3 in OTEL_TRACES_SAMPLER_ARG): dropping traces decided before their local root ended (1 so far); the count is reported at most every 10 s',
      '5 more traces decided before their local root ended dropped since the last report (6 in total)',
    ]);
  });

  it('max_spans: a trace with more spans than the cap is decided early; the count of held spans never exceeds it', () => {
    const { sink, processor, open } = tailProvider(0, { maxSpans: 10 });
    const big = open(25);
    big.children[3].setStatus({ code: SpanStatusCode.ERROR });
    for (const child of big.children) {
      child.end();
      assert.ok(processor.buffered.spans <= 10);
    }
    big.root.end();
    // Decided early on its 11th span, kept for its error: every span exported, the later ones as they ended.
    assert.equal(sink.spans.length, 26);
    assert.equal(processor.stats.decidedEarly, 1);
  });

  it('a trace whose root never ends is decided after decision_wait (kept here for its error)', async () => {
    const { sink, processor, open } = tailProvider(0, { decisionWaitMs: 40 });
    const t = open(2);
    t.children[0].setStatus({ code: SpanStatusCode.ERROR }).end();
    t.children[1].end();
    await sleep(200);
    assert.equal(sink.spans.length, 2);
    assert.equal(processor.stats.timedOut, 1);
    assert.deepEqual(processor.buffered, { spans: 0, traces: 0 });
  });

  it('max_per_second: a token bucket on kept traces; a tenth of it (at least one) is left for error traces', () => {
    let now = 0;
    const { sink, processor, open } = tailProvider(1, { maxPerSecond: 10 }, () => now);
    const run = (error: boolean) => {
      const t = open(0);
      if (error) t.root.setStatus({ code: SpanStatusCode.ERROR });
      t.root.end();
    };
    for (let i = 0; i < 30; i++) run(false);
    assert.equal(sink.spans.length, 9);
    run(true);
    assert.equal(sink.spans.length, 10);
    run(true);
    assert.equal(sink.spans.length, 10);
    assert.equal(processor.stats.rateLimited, 22);
    now = 1_000;
    for (let i = 0; i < 30; i++) run(false);
    assert.equal(sink.spans.length, 19);
  });

  it('otelite_tail never counts as a sampler that drops every new trace (the no-span fast path), even at ratio 0', () => {
    assert.equal(dropsEveryNewTrace({ name: 'otelite_tail', ratio: 0, tail: BASE }), false);
    assert.equal(dropsEveryNewTrace({ name: 'parentbased_traceidratio', ratio: 0 }), true);
    const { open } = tailProvider(0);
    assert.equal(open(0).root.isRecording(), true);
  });

  it('at shutdown the traces still waiting are decided and exported if kept; the exit line names what waits', async () => {
    const { sink, processor, provider, open } = tailProvider(0);
    const t = open(1);
    t.children[0].setStatus({ code: SpanStatusCode.ERROR }).end();
    assert.equal(processor.unexported(), '1 span waiting for a tail-sampling decision');
    await provider.shutdown();
    assert.equal(sink.spans.length, 1);
  });
});
