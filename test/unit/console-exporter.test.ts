import assert from 'node:assert/strict';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { SpanLimits } from '../../src/config/types';
import { AsyncLocalStorageContextManager } from '../../src/context/als-context-manager';
import { ConsoleSpanExporter } from '../../src/export/console-exporter';
import { SimpleSpanProcessor } from '../../src/export/simple-processor';
import { TracerProvider } from '../../src/sdk/provider';
import { createResource } from '../../src/sdk/resource';
import { AlwaysOnSampler } from '../../src/sdk/sampler';

const LIMITS: SpanLimits = {
  attributeValueLengthLimit: Infinity,
  attributeCountLimit: 128,
  eventCountLimit: 128,
  linkCountLimit: 128,
  eventAttributeCountLimit: 128,
  linkAttributeCountLimit: 128,
};

function setup(format: 'tree' | 'json') {
  const output: string[] = [];
  const exporter = new ConsoleSpanExporter(format, (text) => output.push(text));
  const provider = new TracerProvider({
    resource: createResource({ serviceName: 'console-test', attributes: {} }),
    sampler: new AlwaysOnSampler(),
    limits: LIMITS,
    processor: new SimpleSpanProcessor(exporter),
  });
  return { output, provider, tracer: provider.getTracer('console') };
}

describe('console exporter', () => {
  const manager = new AsyncLocalStorageContextManager();
  before(() => context.setGlobalContextManager(manager.enable()));
  after(() => {
    context.disable();
    manager.disable();
  });

  it('prints a trace as one tree once its root ends, children indented under their parent', async () => {
    const { output, provider, tracer } = setup('tree');
    tracer.startActiveSpan('GET /users/:id', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/users/:id' } }, (root) => {
      tracer.startActiveSpan('SELECT users', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } }, (db) => db.end());
      tracer.startActiveSpan('GET', { kind: SpanKind.CLIENT }, (call) => {
        call.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream 503' });
        call.end();
      });
      root.end();
    });
    await provider.forceFlush();
    assert.equal(output.length, 1, 'children are held back until the root ends');
    const lines = output[0].trimEnd().split('\n');
    assert.match(lines[0], /^trace [0-9a-f]{32}  service=console-test$/);
    assert.match(lines[1], /^└─ GET \/users\/:id  SERVER  \d+\.\d\d ms  @\+0\.00 ms  id=[0-9a-f]{16}  http\.request\.method="GET" http\.route="\/users\/:id"$/);
    assert.match(lines[2], /^   ├─ SELECT users  CLIENT .* db\.system\.name="postgresql"$/);
    assert.match(lines[3], /^   └─ GET  CLIENT .* ERROR \(upstream 503\)/);
  });

  it('prints spans whose root never arrived at flush, so nothing is lost', async () => {
    const { output, provider, tracer } = setup('tree');
    const root = tracer.startSpan('never ends');
    const orphan = tracer.startSpan('orphan', {}, trace.setSpan(context.active(), root));
    orphan.end();
    await new Promise((r) => setImmediate(r));
    assert.equal(output.length, 0);
    await provider.forceFlush();
    assert.equal(output.length, 1);
    assert.match(output[0], /\(parent not seen\)[\s\S]*orphan/);
  });

  it('json: one parseable line per span with the fields a developer looks at', async () => {
    const { output, provider, tracer } = setup('json');
    const span = tracer.startSpan('work', { attributes: { n: 1 } });
    span.addEvent('tick');
    span.end();
    await provider.forceFlush();
    assert.equal(output.length, 1);
    const parsed = JSON.parse(output[0]) as Record<string, unknown>;
    assert.equal(parsed.name, 'work');
    assert.equal(parsed.kind, 'INTERNAL');
    assert.deepEqual(parsed.attributes, { n: 1 });
    assert.equal(parsed.service, 'console-test');
    assert.equal((parsed.events as unknown[]).length, 1);
    assert.equal(typeof parsed.durationMs, 'number');
  });
});
