/**
 * Micro-benchmark: W3C trace-context headers on an incoming request (extract traceparent +
 * tracestate from Node's headers object) and on an outgoing one (inject them into a plain
 * headers object): a remote span context, and the SDK's own span of an outgoing call. otelite's
 * W3CTraceContextPropagator vs @opentelemetry/core's, each with its own API copy's default
 * getter/setter (and its own SDK's span).
 *
 *   npx tsc -p tsconfig.json && node build/bench/micro/propagation.js [--quick] [--json]
 */
import { ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter, trace } from '@opentelemetry/api';
import { DEFAULTS } from '../../src/config/defaults';
import type { SpanLimits } from '../../src/config/types';
import { W3CTraceContextPropagator } from '../../src/propagation/tracecontext';
import { NOOP_PROCESSOR } from '../../src/sdk/processor';
import { TracerProvider } from '../../src/sdk/provider';
import { createSampler } from '../../src/sdk/sampler';
import { runMain, type Case } from './harness';
import { NOOP_OFFICIAL_PROCESSOR, officialApi, officialResource, officialSdk, officialW3CPropagator } from './official';

const HEADERS = {
  host: 'checkout.internal:8080',
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  accept: 'application/json',
  'accept-encoding': 'gzip, deflate, br',
  connection: 'keep-alive',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
};

/** The headers one inject writes into a fresh carrier. */
function injected<C>(propagator: { inject(ctx: C, carrier: unknown, setter: unknown): void }, ctx: C, setter: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  propagator.inject(ctx, out, setter);
  return out;
}

function cases(): Case[] {
  const api = officialApi();
  const o = new W3CTraceContextPropagator();
  const f = officialW3CPropagator();
  // Contexts holding a span context with a tracestate, as after an extract, for inject.
  const oCtx = o.extract(ROOT_CONTEXT, HEADERS, defaultTextMapGetter);
  const fCtx = f.extract(api.ROOT_CONTEXT, HEADERS, api.defaultTextMapGetter);
  if (trace.getSpanContext(oCtx) === undefined) throw new Error('otelite extract found nothing');
  // An outgoing call's own CLIENT span, child of the extracted context, made by each SDK's tracer.
  const oTracer = new TracerProvider({
    resource: { attributes: {}, schemaUrl: undefined },
    sampler: createSampler({ name: 'parentbased_always_on', ratio: 1 }),
    limits: DEFAULTS.limits as SpanLimits,
    processor: NOOP_PROCESSOR,
  }).getTracer('bench', '1.0.0');
  const fTracer = new (officialSdk().BasicTracerProvider)({ resource: officialResource({}), spanProcessors: [NOOP_OFFICIAL_PROCESSOR] }).getTracer('bench', '1.0.0');
  const oClient = trace.setSpan(oCtx, oTracer.startSpan('GET', {}, oCtx));
  const fClient = api.trace.setSpan(fCtx, fTracer.startSpan('GET', {}, fCtx));
  return [
    {
      name: 'propagation: extract traceparent + tracestate',
      unit: 'op',
      otelite: () => o.extract(ROOT_CONTEXT, HEADERS, defaultTextMapGetter),
      official: () => f.extract(api.ROOT_CONTEXT, HEADERS, api.defaultTextMapGetter),
    },
    {
      name: 'propagation: inject traceparent + tracestate',
      unit: 'op',
      otelite: () => injected(o, oCtx, defaultTextMapSetter),
      official: () => injected(f, fCtx, api.defaultTextMapSetter),
    },
    {
      name: 'propagation: inject an SDK span (an outgoing call)',
      unit: 'op',
      otelite: () => injected(o, oClient, defaultTextMapSetter),
      official: () => injected(f, fClient, api.defaultTextMapSetter),
    },
    {
      name: 'propagation: extract, then inject (a proxying hop)',
      unit: 'op',
      otelite: () => injected(o, o.extract(ROOT_CONTEXT, HEADERS, defaultTextMapGetter), defaultTextMapSetter),
      official: () => injected(f, f.extract(api.ROOT_CONTEXT, HEADERS, api.defaultTextMapGetter), api.defaultTextMapSetter),
    },
  ];
}

if (require.main === module) runMain('header extract/inject', cases);
