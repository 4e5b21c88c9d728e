/**
 * Micro-benchmark: context propagation as an instrumentation does it around a handler:
 * `contextManager.with(trace.setSpan(active(), span), fn)`, where fn reads the active span back.
 * otelite's AsyncLocalStorageContextManager vs @opentelemetry/context-async-hooks's, each through
 * its own copy of the API's `trace` helpers (both enabled; nothing registered globally).
 *
 *   npx tsc -p tsconfig.json && node build/bench/micro/context.js [--quick] [--json]
 */
import { createContextKey, trace, type Context, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '../../src/context/als-context-manager';
import { EMPTY_CONTEXT } from '../../src/context/linked-context';
import { runMain, type Case } from './harness';
import { officialApi, officialContextManager } from './official';

const SC = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };

const KEY = createContextKey('bench');

function requestContexts(root: Context, api: Pick<typeof trace, 'setSpan' | 'getSpan'>, span: Span): unknown {
  const server = api.setSpan(root, span);
  const valued = server.setValue(KEY, 1);
  const layer = api.setSpan(valued, span);
  return [api.getSpan(layer), api.getSpan(server), layer.getValue(KEY)];
}

function cases(): Case[] {
  const api = officialApi();
  const oCm = new AsyncLocalStorageContextManager().enable();
  const fCm = officialContextManager();
  const oSpan = trace.wrapSpanContext(SC);
  const fSpan = api.trace.wrapSpanContext(SC);
  const oRead = () => trace.getSpan(oCm.active());
  const fRead = () => api.trace.getSpan(fCm.active());
  const oNested = () => oCm.with(trace.setSpan(oCm.active(), oSpan), oRead);
  const fNested = () => fCm.with(api.trace.setSpan(fCm.active(), fSpan), fRead);
  return [
    {
      name: 'context: with(setSpan(active(), span), fn reading it)',
      unit: 'op',
      otelite: () => oCm.with(trace.setSpan(oCm.active(), oSpan), oRead),
      official: () => fCm.with(api.trace.setSpan(fCm.active(), fSpan), fRead),
    },
    {
      name: 'context: two nested with() (server span, then client span)',
      unit: 'op',
      otelite: () => oCm.with(trace.setSpan(oCm.active(), oSpan), oNested),
      official: () => fCm.with(api.trace.setSpan(fCm.active(), fSpan), fNested),
    },
    {
      name: 'context: active span read (getSpan(active())) inside with()',
      unit: 'op',
      otelite: () => oCm.with(trace.setSpan(oCm.active(), oSpan), () => {
        let s;
        for (let i = 0; i < 10; i++) s = trace.getSpan(oCm.active());
        return s;
      }),
      official: () => fCm.with(api.trace.setSpan(fCm.active(), fSpan), () => {
        let s;
        for (let i = 0; i < 10; i++) s = api.trace.getSpan(fCm.active());
        return s;
      }),
      note: 'one with() and 10 reads per op',
    },
    {
      name: "context: a request's contexts (server span, a value, a layer span; three reads)",
      unit: 'op',
      otelite: () => requestContexts(EMPTY_CONTEXT, trace, oSpan),
      official: () => requestContexts(api.ROOT_CONTEXT, api.trace, fSpan),
      note: "otelite's http server starts from its EMPTY_CONTEXT (one link per value); the API's ROOT_CONTEXT copies a Map per value",
    },
  ];
}

if (require.main === module) runMain('context propagation', cases);
