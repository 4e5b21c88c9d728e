import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { DecodedSpan } from '../kit/otlp-decoder';
import { startReceiver, type Receiver } from '../kit/otlp-receiver';
import { FIXTURES, REPO_ROOT } from '../kit/paths';
import { runApp } from '../kit/process';
import { parseWhichAgent } from '../kit/which-agent';

/** OTLP kinds are the API's plus one. */
const OTLP = { SERVER: SpanKind.SERVER + 1, CLIENT: SpanKind.CLIENT + 1, INTERNAL: SpanKind.INTERNAL + 1 };
const OTLP_STATUS = { OK: SpanStatusCode.OK, ERROR: SpanStatusCode.ERROR };

function byName(spans: DecodedSpan[], name: string): DecodedSpan {
  const span = spans.find((s) => s.name === name);
  assert.ok(span, `no span named ${name} in ${spans.map((s) => s.name).join(', ')}`);
  return span;
}

/** Base endpoint for OTEL_EXPORTER_OTLP_ENDPOINT: the generic variable, to which /v1/traces is appended. */
function baseEndpoint(receiver: Receiver): string {
  return receiver.endpoint.replace(/\/v1\/traces$/, '');
}

const APPS = [
  { flavour: 'esm', file: path.join(FIXTURES, 'api-app.mjs'), preload: '--import' as const },
  { flavour: 'cjs', file: path.join(FIXTURES, 'api-app.cjs'), preload: '--require' as const },
];

describe('agent end to end: an API-only app, started with the agent, exports over OTLP', function () {
  this.timeout(30_000);

  for (const protocol of ['http/protobuf', 'http/json', 'grpc'] as const) {
    for (const app of APPS) {
      it(`${app.flavour} app with ${app.preload}, OTLP ${protocol}: span tree, attributes, events, links, status, resource`, async () => {
        const receiver = await startReceiver({ protocol });
        try {
          const result = await runApp({
            file: app.file,
            preload: app.preload,
            env: {
              OTEL_SERVICE_NAME: `fixture-${app.flavour}`,
              OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=e2e,team=a%20b',
              OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
              OTEL_EXPORTER_OTLP_ENDPOINT: baseEndpoint(receiver),
              OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=e2e-secret',
            },
          });
          assert.equal(result.code, 0, result.stderr);
          assert.match(result.stdout, /DONE/);
          const spans = await receiver.waitForSpans(3, 10_000);
          assert.equal(spans.length, 3);
          assert.equal(receiver.requests[0].headers['x-api-key'], 'e2e-secret');

          const parent = byName(spans, 'handle request');
          const child = byName(spans, 'load user');
          const follower = byName(spans, 'follow-up work');
          // one trace, correct parent links
          assert.equal(child.traceId, parent.traceId);
          assert.equal(follower.traceId, parent.traceId);
          assert.equal(parent.parentSpanId, undefined);
          assert.equal(child.parentSpanId, parent.spanId);
          assert.equal(follower.parentSpanId, parent.spanId);
          assert.equal(parent.kind, OTLP.SERVER);
          assert.equal(child.kind, OTLP.CLIENT);
          assert.equal(follower.kind, OTLP.INTERNAL);
          assert.ok(child.startTimeUnixNano >= parent.startTimeUnixNano);
          assert.ok(child.endTimeUnixNano <= parent.endTimeUnixNano);
          assert.ok(child.endTimeUnixNano - child.startTimeUnixNano >= 4_000_000n, 'the 5 ms wait is inside the child');
          // attributes of every type, baggage read inside the active context
          assert.equal(parent.attributes['app.flavour'], app.flavour);
          assert.equal(child.attributes['user.id.from_baggage'], '42');
          assert.equal(child.attributes['app.count'], 3);
          assert.equal(child.attributeTypes['app.count'], 'int');
          assert.equal(child.attributes['app.ratio'], 0.5);
          assert.equal(child.attributes['app.ok'], true);
          assert.deepEqual(child.attributes['app.tags'], ['a', 'b']);
          // events and exception
          assert.deepEqual(child.events.map((e) => e.name), ['cache miss', 'exception']);
          assert.equal(child.events[0].attributes['cache.key'], 'user:42');
          assert.equal(child.events[1].attributes['exception.type'], 'RangeError');
          assert.equal(child.events[1].attributes['exception.message'], 'user 42 not in cache');
          assert.match(String(child.events[1].attributes['exception.stacktrace']), /api-scenario\.cjs/);
          // status
          assert.deepEqual(child.status, { code: OTLP_STATUS.ERROR, message: 'lookup failed' });
          assert.equal(parent.status.code, OTLP_STATUS.OK);
          // links and updateName
          assert.equal(follower.links.length, 1);
          assert.equal(follower.links[0].spanId, parent.spanId);
          assert.equal(follower.links[0].attributes['link.reason'], 'async follow-up');
          // resource and scope
          assert.equal(parent.resource.attributes['service.name'], `fixture-${app.flavour}`);
          assert.equal(parent.resource.attributes['deployment.environment.name'], 'e2e');
          assert.equal(parent.resource.attributes['team'], 'a b');
          assert.equal(parent.resource.attributes['telemetry.sdk.name'], 'otelite');
          assert.equal(parent.resource.attributes['process.runtime.name'], 'nodejs');
          assert.equal(typeof parent.resource.attributes['process.pid'], 'number');
          assert.equal(typeof parent.resource.attributes['service.instance.id'], 'string');
          assert.equal(parent.scope.name, 'fixture-app');
          assert.equal(parent.scope.version, '1.0.0');
          // the propagators injected the active span and baggage
          const injected = JSON.parse(/INJECTED (.*)/.exec(result.stdout)![1]) as Record<string, string>;
          assert.equal(injected.traceparent, `00-${parent.traceId}-${parent.spanId}-03`);
          assert.equal(injected.baggage, 'user.id=42');
        } finally {
          await receiver.close();
        }
      });
    }
  }

  it('continues the trace of a valid incoming traceparent', async () => {
    const receiver = await startReceiver({ protocol: 'http/protobuf' });
    try {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const result = await runApp({
        file: APPS[0].file,
        env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint, INCOMING_TRACEPARENT: `00-${traceId}-00f067aa0ba902b7-01` },
      });
      assert.equal(result.code, 0, result.stderr);
      const spans = await receiver.waitForSpans(3, 10_000);
      const parent = byName(spans, 'handle request');
      assert.equal(parent.traceId, traceId);
      assert.equal(parent.parentSpanId, '00f067aa0ba902b7');
      assert.ok(spans.every((s) => s.traceId === traceId));
      assert.equal(parent.flags & 0x300, 0x300, 'the parent is marked remote');
    } finally {
      await receiver.close();
    }
  });

  it('starts a new trace when the incoming traceparent is malformed', async () => {
    const receiver = await startReceiver({ protocol: 'http/protobuf' });
    try {
      const result = await runApp({
        file: APPS[1].file,
        preload: '--require',
        env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint, INCOMING_TRACEPARENT: '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01' },
      });
      assert.equal(result.code, 0, result.stderr);
      const parent = byName(await receiver.waitForSpans(3, 10_000), 'handle request');
      assert.equal(parent.parentSpanId, undefined);
      assert.notEqual(parent.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    } finally {
      await receiver.close();
    }
  });

  it('OTEL_TRACES_EXPORTER=none exports nothing but still propagates context', async () => {
    const receiver = await startReceiver({ protocol: 'http/protobuf' });
    try {
      const result = await runApp({
        file: APPS[0].file,
        env: { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint },
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /"traceparent":"00-[0-9a-f]{32}-[0-9a-f]{16}-03"/);
      assert.equal(receiver.requests.length, 0);
    } finally {
      await receiver.close();
    }
  });

  it('OTEL_SDK_DISABLED=true leaves the app untraced and running', async () => {
    const receiver = await startReceiver({ protocol: 'http/protobuf' });
    try {
      const result = await runApp({
        file: APPS[0].file,
        env: { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint },
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /DONE/);
      assert.match(result.stdout, /INJECTED \{\}/, 'the API is a no-op without the agent');
      assert.equal(receiver.requests.length, 0);
    } finally {
      await receiver.close();
    }
  });

  it('loads once when required and imported together, and prints one start-up line at OTEL_LOG_LEVEL=info', async () => {
    const receiver = await startReceiver({ protocol: 'http/protobuf' });
    try {
      const result = await runApp({
        file: APPS[0].file,
        env: {
          OTEL_LOG_LEVEL: 'info',
          OTEL_SERVICE_NAME: 'twice',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
          NODE_OPTIONS: `--require ${path.join(FIXTURES, '..', '..', 'build', 'src', 'register.js')}`,
        },
      });
      assert.equal(result.code, 0, result.stderr);
      const startLines = result.stderr.split('\n').filter((l) => l.includes('started'));
      assert.equal(startLines.length, 1, result.stderr);
      assert.match(startLines[0], /service=twice exporter=otlp http\/protobuf http:\/\/127\.0\.0\.1:\d+\/v1\/traces metrics=otlp http\/protobuf http:\/\/localhost:4318\/v1\/metrics logs=otlp http\/protobuf http:\/\/localhost:4318\/v1\/logs sampler=parentbased_always_on propagators=tracecontext,baggage/);
      assert.equal((await receiver.waitForSpans(3, 10_000)).length, 3);
    } finally {
      await receiver.close();
    }
  });

  it('a malformed variable gives one warning naming it, and the app still runs', async () => {
    const result = await runApp({
      file: APPS[1].file,
      preload: '--require',
      env: { OTEL_TRACES_EXPORTER: 'none', OTEL_BSP_MAX_QUEUE_SIZE: 'lots', OTEL_TRACES_SAMPLER: 'sometimes' },
    });
    assert.equal(result.code, 0, result.stderr);
    const warnings = result.stderr.split('\n').filter((l) => l.startsWith('otelite warn'));
    assert.equal(warnings.filter((l) => l.includes('OTEL_BSP_MAX_QUEUE_SIZE')).length, 1, result.stderr);
    assert.equal(warnings.filter((l) => l.includes('OTEL_TRACES_SAMPLER')).length, 1, result.stderr);
  });
  it('an unknown instrumentation name gives one warning with the closest known name, and the rest still works', async () => {
    const result = await runApp({
      file: APPS[1].file,
      preload: '--require',
      env: { OTEL_TRACES_EXPORTER: 'none', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'expres,zzzz' },
    });
    assert.equal(result.code, 0, result.stderr);
    const warnings = result.stderr.split('\n').filter((l) => l.startsWith('otelite warn'));
    assert.equal(warnings.filter((l) => l.includes('"expres" (did you mean express?)')).length, 1, result.stderr);
    assert.equal(warnings.filter((l) => l.includes('"zzzz" in OTEL_NODE_*_INSTRUMENTATIONS')).length, 1, result.stderr);
  });
});

describe('agent end to end: the register entry loads the bundle, with the API copy the app needs', function () {
  this.timeout(30_000);
  const fixture = path.join(FIXTURES, 'which-agent.cjs');

  for (const preload of ['--require', '--import'] as const) {
    it(`${preload}: an app on the bundled API version (or none) gets the one-file agent and API`, async () => {
      const run = await runApp({ file: fixture, preload, env: { OTEL_TRACES_EXPORTER: 'none' } });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(parseWhichAgent(run.stdout), { bundle: true, files: false, bundledApi: true, traced: true, appApiSeesAgent: true });
    });
  }

  it("an app whose @opentelemetry/api is a newer minor gets the bundle, registered through the app's API copy", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'otelite-newer-api-'));
    try {
      // The real API files under a newer version number: what decides is the version the app resolves.
      const api = path.join(dir, 'node_modules', '@opentelemetry', 'api');
      cpSync(path.join(REPO_ROOT, 'node_modules', '@opentelemetry', 'api'), api, { recursive: true });
      const pkg = JSON.parse(readFileSync(path.join(api, 'package.json'), 'utf8')) as { version: string };
      writeFileSync(path.join(api, 'package.json'), JSON.stringify({ ...pkg, version: '1.99.0' }));
      copyFileSync(fixture, path.join(dir, 'app.cjs'));
      const run = await runApp({ file: path.join(dir, 'app.cjs'), preload: '--require', env: { OTEL_TRACES_EXPORTER: 'none' } });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(parseWhichAgent(run.stdout), { bundle: true, files: false, bundledApi: false, traced: true, appApiSeesAgent: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
