import { benchRequire } from '../lib/paths';

/**
 * The official OpenTelemetry JS packages, loaded from bench/node_modules. They are required at
 * run time and typed by hand (only what the benchmarks use), so that `npm run build` does not
 * need bench/node_modules.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface OfficialApi {
  ROOT_CONTEXT: any;
  SpanKind: { SERVER: number; CLIENT: number; INTERNAL: number };
  trace: {
    setSpan(ctx: any, span: any): any;
    getSpan(ctx: any): any;
    setSpanContext(ctx: any, sc: any): any;
    wrapSpanContext(sc: any): any;
  };
  defaultTextMapGetter: any;
  defaultTextMapSetter: any;
}

export function officialApi(): OfficialApi {
  return benchRequire('@opentelemetry/api') as OfficialApi;
}

export interface OfficialSdk {
  BasicTracerProvider: new (config: any) => { getTracer(name: string, version?: string): any };
  AlwaysOnSampler: new () => any;
}

export function officialSdk(): OfficialSdk {
  return benchRequire('@opentelemetry/sdk-trace-base') as OfficialSdk;
}

export function officialResource(attributes: Record<string, unknown>): any {
  const { resourceFromAttributes } = benchRequire('@opentelemetry/resources') as { resourceFromAttributes(a: Record<string, unknown>): any };
  return resourceFromAttributes(attributes);
}

export function officialContextManager(): { enable(): any; active(): any; with(ctx: any, fn: () => unknown): unknown } {
  const { AsyncLocalStorageContextManager } = benchRequire('@opentelemetry/context-async-hooks') as {
    AsyncLocalStorageContextManager: new () => any;
  };
  return new AsyncLocalStorageContextManager().enable();
}

export function officialW3CPropagator(): { inject(ctx: any, carrier: any, setter: any): void; extract(ctx: any, carrier: any, getter: any): any } {
  const { W3CTraceContextPropagator } = benchRequire('@opentelemetry/core') as { W3CTraceContextPropagator: new () => any };
  return new W3CTraceContextPropagator();
}

export function officialProtobufSerializer(): { serializeRequest(spans: any[]): Uint8Array | undefined } {
  return (benchRequire('@opentelemetry/otlp-transformer') as { ProtobufTraceSerializer: any }).ProtobufTraceSerializer;
}

/** A span processor that does nothing (the official SDK calls onStart and onEnd on every span). */
export const NOOP_OFFICIAL_PROCESSOR = {
  onStart(): void {},
  onEnd(): void {},
  forceFlush: (): Promise<void> => Promise.resolve(),
  shutdown: (): Promise<void> => Promise.resolve(),
};
