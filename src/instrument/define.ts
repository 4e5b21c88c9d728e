import { trace, type Tracer } from '@opentelemetry/api';
import { VERSION } from '../version';
import { InstrumentationMeter } from './meter';
import { stateOf, type InstrumentationState } from './state';
import type { Instrumentation, PatchTarget } from './types';

/** What every part of an instrumentation shares: its tracer, its meter and its on/off state. */
export interface InstrumentationContext {
  readonly tracer: Tracer;
  /** Undefined when the agent exports no metrics: then nothing is measured, at no cost. */
  readonly meter: InstrumentationMeter | undefined;
  readonly state: InstrumentationState;
}

export interface InstrumentationDefinition<Shared> {
  /** The name used in OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS. */
  readonly name: string;
  /** Whether the agent exports metrics (the instrumentation's config says): only then does it get a meter. */
  readonly metrics?: boolean;
  /** What the targets and the channel subscriptions share (span factories, per-instrumentation state), made once. */
  shared?(ctx: InstrumentationContext): Shared;
  /** The module files to patch (hooks.ts decides when). */
  targets?(ctx: InstrumentationContext, shared: Shared): readonly PatchTarget[];
  /** Subscriptions to the library's own diagnostics channels; called once. */
  enable?(ctx: InstrumentationContext, shared: Shared): void;
}

/** The instrumentation scope of an instrumentation's spans and metrics: `otelite/{name}`. */
function scopeNameOf(name: string): string {
  return `otelite/${name}`;
}

/**
 * Declares an instrumentation once: its tracer and meter (scope `otelite/{name}`, the agent's
 * version) and its state are made here, the one way every instrumentation gets them. The agent
 * builds the instrumentations after it has registered its providers, so they are the agent's own.
 */
export function defineInstrumentation<Shared = undefined>(definition: InstrumentationDefinition<Shared>): Instrumentation {
  const scope = scopeNameOf(definition.name);
  const ctx: InstrumentationContext = {
    tracer: trace.getTracer(scope, VERSION),
    meter: definition.metrics === true ? new InstrumentationMeter(scope, VERSION) : undefined,
    state: stateOf(definition.name),
  };
  const shared = definition.shared?.(ctx) as Shared;
  const enable = definition.enable;
  return {
    name: definition.name,
    targets: definition.targets?.(ctx, shared) ?? [],
    ...(enable === undefined ? {} : { enable: () => enable(ctx, shared) }),
  };
}
