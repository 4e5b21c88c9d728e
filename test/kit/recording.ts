import { context, SpanKind, SpanStatusCode, type AttributeValue, type Sampler } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { DEFAULTS } from '../../src/config/defaults';
import { AsyncLocalStorageContextManager } from '../../src/context/als-context-manager';
import type { SpanProcessor } from '../../src/sdk/processor';
import { TracerProvider } from '../../src/sdk/provider';
import { createResource } from '../../src/sdk/resource';
import { AlwaysOnSampler } from '../../src/sdk/sampler';
import type { SpanData } from '../../src/sdk/span-data';

/** Test kit: a span processor that keeps every ended span, for unit tests of instrumentations. */
export class EndedSpans implements SpanProcessor {
  readonly spans: SpanData[] = [];

  onEnd(span: SpanData): void {
    this.spans.push(span);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  /** The one ended span called `name` (fails the test when there is not exactly one). */
  named(name: string): SpanData {
    const found = this.spans.filter((s) => s.name === name);
    assert.equal(found.length, 1, `one span ${name}; got ${this.spans.map((s) => s.name).join(', ')}`);
    return found[0];
  }
}

/** The agent's own TracerProvider (default limits, service `unit`), its ended spans kept in `ended`. */
export function recordingProvider(sampler: Sampler = new AlwaysOnSampler()): { provider: TracerProvider; ended: EndedSpans } {
  const ended = new EndedSpans();
  const provider = new TracerProvider({
    resource: createResource({ serviceName: 'unit', attributes: {} }),
    sampler,
    limits: { ...DEFAULTS.limits },
    processor: ended,
  });
  return { provider, ended };
}

/**
 * A finished span as the SDK hands it to exporters, for encoder and exporter tests: an INTERNAL,
 * sampled root span of 1 ms with nothing recorded, and `overrides` on top.
 */
export function spanData(overrides: Partial<SpanData> = {}): SpanData {
  const start = overrides.startTime ?? Date.now();
  return {
    name: 'span',
    kind: SpanKind.INTERNAL,
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: undefined,
    parentIsRemote: false,
    traceFlags: 1,
    traceState: undefined,
    startTime: start,
    endTime: start + 1,
    attributeKeys: [],
    attributeValues: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: SpanStatusCode.UNSET },
    scope: { name: 'test', version: undefined, schemaUrl: undefined },
    resource: { attributes: {}, schemaUrl: undefined },
    ...overrides,
  };
}

/** In the calling `describe`: the agent's AsyncLocalStorage context manager is the API's while its tests run. */
export function useContextManager(): void {
  const manager = new AsyncLocalStorageContextManager();
  before(() => {
    manager.enable();
    context.setGlobalContextManager(manager);
  });
  after(() => {
    context.disable();
    manager.disable();
  });
}

/** The value of one attribute of a finished span (its attributes are parallel arrays). */
export function attributeOf(span: SpanData, key: string): AttributeValue | undefined {
  const index = span.attributeKeys.indexOf(key);
  return index < 0 ? undefined : span.attributeValues[index];
}
