import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ConsoleFormat, SpanLimits } from '../../src/config/types';
import { ConsoleSpanExporter, type ConsoleTiming } from '../../src/export/console-exporter';
import { SimpleSpanProcessor } from '../../src/export/simple-processor';
import { TracerProvider } from '../../src/sdk/provider';
import { createResource } from '../../src/sdk/resource';
import { AlwaysOnSampler } from '../../src/sdk/sampler';
import { REPO_ROOT } from '../kit/paths';
import { spanData, useContextManager } from '../kit/recording';

const LIMITS: SpanLimits = {
  attributeValueLengthLimit: Infinity,
  attributeCountLimit: 128,
  eventCountLimit: 128,
  linkCountLimit: 128,
  eventAttributeCountLimit: 128,
  linkAttributeCountLimit: 128,
};
/** Short holds, so the tests wait little; the rules are the same at any length. */
const TIMING: ConsoleTiming = { lateSpanGraceMs: 40, foldQuietMs: 80 };

function setup(format: ConsoleFormat, timing: Partial<ConsoleTiming> = TIMING) {
  const output: string[] = [];
  const exporter = new ConsoleSpanExporter(format, (text) => output.push(text), timing);
  const provider = new TracerProvider({
    resource: createResource({ serviceName: 'console-test', attributes: {} }),
    sampler: new AlwaysOnSampler(),
    limits: LIMITS,
    processor: new SimpleSpanProcessor(exporter),
  });
  return { output, provider, tracer: provider.getTracer('console'), pg: provider.getTracer('otelite/pg') };
}

/** Lets the processor's export chain run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('console exporter', () => {
  useContextManager();

  it('prints a trace as one tree after its root ends, children indented under their parent', async () => {
    const { output, provider, tracer } = setup('tree');
    tracer.startActiveSpan('GET /users/:id', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/users/:id', 'url.path': '/users/7' } }, (root) => {
      tracer.startActiveSpan('SELECT users', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } }, (db) => db.end());
      tracer.startActiveSpan('GET', { kind: SpanKind.CLIENT }, (call) => {
        call.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream 503' });
        call.end();
      });
      root.end();
    });
    await settle();
    assert.equal(output.length, 0, 'held for late spans');
    await delay(TIMING.lateSpanGraceMs * 3);
    assert.equal(output.length, 1, 'printed after the grace, with no flush');
    const lines = output[0].trimEnd().split('\n');
    assert.match(lines[0], /^trace [0-9a-f]{32} {2}service=console-test$/);
    assert.match(lines[1], /^└─ GET \/users\/:id {2}SERVER {2}\d+\.\d\d ms {2}url\.path="\/users\/7"$/);
    assert.match(lines[2], /^ {3}├─ postgresql SELECT users {2}CLIENT {2}\d+\.\d\d ms {2}@\+\d+\.\d\d ms$/);
    assert.match(lines[3], /^ {3}└─ GET {2}CLIENT .* ERROR \(upstream 503\)$/);
    await provider.shutdown();
  });

  it('a child that ends after its root is printed in its trace, not apart', async () => {
    const { output, provider, tracer } = setup('tree');
    const root = tracer.startSpan('GET /admin', { kind: SpanKind.SERVER });
    const hook = tracer.startSpan('onRequest - authenticate', {}, trace.setSpan(context.active(), root));
    root.end(); // the hook answered 401: the response ended first
    await delay(TIMING.lateSpanGraceMs / 4);
    hook.end();
    await delay(TIMING.lateSpanGraceMs * 3);
    assert.equal(output.length, 1);
    assert.match(output[0], /^trace \w+ {2}service=console-test\n└─ GET \/admin {2}SERVER[^\n]*\n {3}└─ onRequest - authenticate {2}INTERNAL/);
    assert.doesNotMatch(output[0], /not seen/);
    await provider.shutdown();
  });

  it('a span that comes after its trace was printed says so, under the same trace id', async () => {
    const { output, provider, tracer } = setup('tree');
    const root = tracer.startSpan('GET /stream', { kind: SpanKind.SERVER });
    const write = tracer.startSpan('stream finished', {}, trace.setSpan(context.active(), root));
    root.end();
    await delay(TIMING.lateSpanGraceMs * 3);
    write.end();
    await delay(TIMING.lateSpanGraceMs * 3);
    assert.equal(output.length, 2);
    const traceId = root.spanContext().traceId;
    assert.match(output[1], new RegExp(`^trace ${traceId} {2}service=console-test \\(continued: spans that ended after the trace was printed\\)\\n└─ stream finished {2}INTERNAL {2}[\\d.]+ ms\\n$`));
    await provider.shutdown();
  });

  it('forceFlush prints what it holds at once, and spans whose root never arrived', async () => {
    const { output, provider, tracer } = setup('tree', { lateSpanGraceMs: 60_000 });
    const ended = tracer.startSpan('ended');
    ended.end();
    const open = tracer.startSpan('never ends');
    tracer.startSpan('orphan', {}, trace.setSpan(context.active(), open)).end();
    await settle();
    assert.equal(output.length, 0);
    await provider.forceFlush();
    assert.equal(output.length, 2);
    assert.match(output.join(''), /└─ ended {2}INTERNAL/);
    assert.match(output.join(''), /service=console-test \(parent not seen\)\n└─ orphan {2}INTERNAL/);
    await provider.shutdown();
  });

  it('holds a bounded number of spans: past it, the oldest trace is printed as it is', async () => {
    const output: string[] = [];
    const exporter = new ConsoleSpanExporter('tree', (text) => output.push(text), { lateSpanGraceMs: 60_000 });
    const waiting = Array.from({ length: 10_000 }, (_, i) =>
      spanData({ name: 'child', traceId: 'a'.repeat(32), spanId: i.toString(16).padStart(16, '0'), parentSpanId: 'f'.repeat(16) }),
    );
    await exporter.export(waiting);
    assert.equal(output.length, 0, 'up to the bound, spans wait for their root');
    await exporter.export([spanData({ name: 'next', traceId: 'b'.repeat(32), parentSpanId: 'f'.repeat(16) })]);
    assert.equal(output.length, 1);
    assert.match(output[0], new RegExp(`^trace ${'a'.repeat(32)} `));
    assert.equal(output[0].match(/└─ child/g)?.length, 10_000);
    await exporter.shutdown();
    assert.match(output[1], /└─ next/);
  });

  it('folds start-up database traces into a line, and never folds an error away', async () => {
    const { output, provider, pg } = setup('tree');
    const query = (name: string, failed = false) => {
      const span = pg.startSpan(name, { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } });
      if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: 'relation "users" does not exist' });
      span.end();
    };
    query('CREATE TABLE users');
    for (let i = 0; i < 5; i++) query('INSERT users');
    await settle();
    query('SELECT users', true);
    await settle();
    for (let i = 0; i < 2; i++) query('DELETE users');
    await provider.forceFlush();
    assert.equal(output.length, 4, output.join(''));
    assert.match(output[0], /^outside any request {2}service=console-test {2}pg: 6 operations in 6 traces over \d+\.\d\d s: INSERT users ×5, CREATE TABLE users\n$/);
    assert.match(output[1], /^trace \w+ {2}service=console-test\n└─ pg SELECT users {2}CLIENT .*ERROR \(relation "users" does not exist\)/);
    // A run too short to fold is printed as trees.
    assert.match(output[2], /└─ pg DELETE users/);
    assert.match(output[3], /└─ pg DELETE users/);
    await provider.shutdown();
  });

  it('ends a run once no more traces of it come, without a flush', async () => {
    const { output, provider, pg } = setup('tree');
    for (let i = 0; i < 3; i++) pg.startSpan('INSERT users', { kind: SpanKind.CLIENT }).end();
    await delay(TIMING.lateSpanGraceMs + TIMING.foldQuietMs * 3);
    assert.equal(output.length, 1);
    assert.match(output[0], /pg: 3 operations in 3 traces/);
    await provider.shutdown();
  });

  it('tree-verbose: every trace as a tree with ids and every attribute, nothing folded', async () => {
    const { output, provider, pg } = setup('tree-verbose');
    for (let i = 0; i < 3; i++) pg.startSpan('INSERT users', { kind: SpanKind.CLIENT, attributes: { 'server.port': 5432 } }).end();
    await provider.forceFlush();
    assert.equal(output.length, 3);
    for (const text of output) assert.match(text, /└─ pg INSERT users {2}CLIENT .* id=[0-9a-f]{16} {2}server\.port=5432\n/);
    await provider.shutdown();
  });

  it('json: one parseable line per span with the span\'s own name', async () => {
    const { output, provider, tracer, pg } = setup('json');
    const span = tracer.startSpan('work', { attributes: { n: 1 } });
    span.addEvent('tick');
    span.end();
    pg.startSpan('connect', { kind: SpanKind.CLIENT }).end();
    await provider.forceFlush();
    assert.equal(output.length, 2);
    const parsed = JSON.parse(output[0]) as Record<string, unknown>;
    assert.equal(parsed.name, 'work');
    assert.equal(parsed.kind, 'INTERNAL');
    assert.deepEqual(parsed.attributes, { n: 1 });
    assert.equal(parsed.service, 'console-test');
    assert.equal((parsed.events as unknown[]).length, 1);
    assert.equal(typeof parsed.durationMs, 'number');
    const connect = JSON.parse(output[1]) as { name: string; label: string };
    assert.equal(connect.name, 'connect');
    assert.equal(connect.label, 'pg connect');
    assert.equal(parsed.label, 'work');
    await provider.shutdown();
  });

  it('in a real process: holds no exit open, and prints what it holds at process.exit()', () => {
    // The built modules, as the agent runs them: one trace ends, then the process ends two ways.
    const script = (ending: string) => `
      const { ConsoleSpanExporter } = require(${JSON.stringify(path.join(REPO_ROOT, 'build/src/export/console-exporter.js'))});
      const { spanData } = require(${JSON.stringify(path.join(REPO_ROOT, 'build/test/kit/recording.js'))});
      const exporter = new ConsoleSpanExporter('tree', undefined, { lateSpanGraceMs: 60000 });
      exporter.export([spanData({ name: 'held' })]).then(() => { ${ending} });`;
    const started = Date.now();
    const natural = execFileSync(process.execPath, ['-e', script('')], { encoding: 'utf8', timeout: 10_000 });
    assert.ok(Date.now() - started < 5_000, 'not held by the 60 s timer');
    assert.match(natural, /└─ held {2}INTERNAL/, 'printed at exit, the 60 s timer unref\'ed');
    const exited = execFileSync(process.execPath, ['-e', script('process.exit(0)')], { encoding: 'utf8', timeout: 10_000 });
    assert.match(exited, /└─ held {2}INTERNAL/);
  });
});
