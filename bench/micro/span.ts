/**
 * Micro-benchmark: a span's whole life as an HTTP server instrumentation makes it: start with
 * 11 attributes, one more set later (the status code), end; handed to a span processor that
 * does nothing. otelite's Tracer vs the official BasicTracerProvider's tracer (sdk-trace-base),
 * both with the default ParentBased(AlwaysOn) sampler and a resource of the same 7 attributes.
 *
 *   npx tsc -p tsconfig.json && node build/bench/micro/span.js [--quick] [--json]
 */
import { ROOT_CONTEXT, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import { DEFAULTS } from '../../src/config/defaults';
import type { SpanLimits } from '../../src/config/types';
import { NOOP_PROCESSOR } from '../../src/sdk/processor';
import { TracerProvider } from '../../src/sdk/provider';
import { createSampler } from '../../src/sdk/sampler';
import { runMain, type Case } from './harness';
import { NOOP_OFFICIAL_PROCESSOR, officialApi, officialResource, officialSdk } from './official';

export const RESOURCE_ATTRIBUTES: Attributes = {
  'service.name': 'checkout',
  'service.version': '1.4.2',
  'telemetry.sdk.name': 'bench',
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.version': '0.1.0',
  'process.pid': 12345,
  'host.name': 'ip-10-0-0-12',
};

/** What an HTTP server span carries at start (11); `http.response.status_code` is set before end. */
export const START_ATTRIBUTES: Attributes = {
  'http.request.method': 'GET',
  'url.scheme': 'http',
  'url.path': '/api/users/1042',
  'url.query': 'expand=orders&limit=20',
  'http.route': '/api/users/:id',
  'server.address': 'checkout.internal',
  'server.port': 8080,
  'network.protocol.version': '1.1',
  'client.address': '10.0.3.17',
  'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'http.request.body.size': 0,
};

const NAME = 'GET /api/users/:id';
const PARENT = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true };

function cases(): Case[] {
  const otelite = (sampler: string) =>
    new TracerProvider({
      resource: { attributes: RESOURCE_ATTRIBUTES, schemaUrl: undefined },
      sampler: createSampler({ name: sampler as 'parentbased_always_on', ratio: 1 }),
      limits: DEFAULTS.limits as SpanLimits,
      processor: NOOP_PROCESSOR,
    }).getTracer('bench', '1.0.0');
  const api = officialApi();
  const sdk = officialSdk();
  const official = (sampler?: unknown) =>
    new sdk.BasicTracerProvider({
      resource: officialResource(RESOURCE_ATTRIBUTES),
      spanProcessors: [NOOP_OFFICIAL_PROCESSOR],
      ...(sampler !== undefined ? { sampler } : {}),
    }).getTracer('bench', '1.0.0');

  const oTracer = otelite('parentbased_always_on');
  const fTracer = official();
  const oOff = otelite('always_off');
  const { AlwaysOffSampler } = (sdk as unknown as { AlwaysOffSampler: new () => unknown });
  const fOff = official(new AlwaysOffSampler());
  const oParent = trace.setSpanContext(ROOT_CONTEXT, PARENT);
  const fParent = api.trace.setSpanContext(api.ROOT_CONTEXT, PARENT);
  const opts = { kind: SpanKind.SERVER, attributes: START_ATTRIBUTES };
  // A framework's INTERNAL span below the SERVER span of the same SDK (express's layers, fastify's handler).
  const oLocal = trace.setSpan(ROOT_CONTEXT, oTracer.startSpan(NAME, opts, ROOT_CONTEXT));
  const fLocal = api.trace.setSpan(api.ROOT_CONTEXT, fTracer.startSpan(NAME, opts, api.ROOT_CONTEXT));
  const internal = { kind: SpanKind.INTERNAL };

  return [
    {
      name: 'span: root, start (11 attributes) + 1 attribute + end',
      unit: 'span',
      otelite: () => {
        const s = oTracer.startSpan(NAME, opts, ROOT_CONTEXT);
        s.setAttribute('http.response.status_code', 200);
        s.end();
        return s;
      },
      official: () => {
        const s = fTracer.startSpan(NAME, opts, api.ROOT_CONTEXT);
        s.setAttribute('http.response.status_code', 200);
        s.end();
        return s;
      },
    },
    {
      name: 'span: child of a remote parent, same attributes',
      unit: 'span',
      otelite: () => {
        const s = oTracer.startSpan(NAME, opts, oParent);
        s.setAttribute('http.response.status_code', 200);
        s.end();
        return s;
      },
      official: () => {
        const s = fTracer.startSpan(NAME, opts, fParent);
        s.setAttribute('http.response.status_code', 200);
        s.end();
        return s;
      },
    },
    {
      name: 'span: child of a local parent, 2 attributes',
      unit: 'span',
      otelite: () => {
        const s = oTracer.startSpan('request handler - /api/users/:id', internal, oLocal);
        s.setAttribute('express.type', 'request_handler');
        s.setAttribute('express.name', '/api/users/:id');
        s.end();
        return s;
      },
      official: () => {
        const s = fTracer.startSpan('request handler - /api/users/:id', internal, fLocal);
        s.setAttribute('express.type', 'request_handler');
        s.setAttribute('express.name', '/api/users/:id');
        s.end();
        return s;
      },
    },
    {
      name: 'span: sampler always_off (non-recording), same calls',
      unit: 'span',
      otelite: () => {
        const s = oOff.startSpan(NAME, opts, ROOT_CONTEXT);
        s.setAttribute('http.response.status_code', 200);
        s.end();
        return s;
      },
      official: () => {
        const s = fOff.startSpan(NAME, opts, api.ROOT_CONTEXT);
        s.setAttribute('http.response.status_code', 200);
        s.end();
        return s;
      },
    },
  ];
}

if (require.main === module) runMain('span start/end', cases);
