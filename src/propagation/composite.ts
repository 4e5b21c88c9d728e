import { diag, type Context, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import { B3MultiPropagator, B3SinglePropagator } from './b3';
import { W3CBaggagePropagator } from './baggage';
import { W3CTraceContextPropagator } from './tracecontext';

/** The OTEL_PROPAGATORS values this agent implements. */
import type { PropagatorName } from '../config/types';

/**
 * Runs its propagators in order: inject writes every format; extract feeds each propagator the
 * context returned by the previous one, so for a span context the last propagator that finds a
 * valid one wins. One propagator failing must not cost the request the others' headers (nor
 * break the request), so each call is isolated and a failure is only logged.
 */
export class CompositePropagator implements TextMapPropagator {
  private readonly propagators: readonly TextMapPropagator[];
  private readonly fieldList: readonly string[];

  constructor(propagators: readonly TextMapPropagator[] = []) {
    this.propagators = propagators.slice();
    // Computed once: `fields()` is what a carrier-clearing caller may ask for per request.
    const fields = new Set<string>();
    for (const propagator of this.propagators) {
      for (const field of propagator.fields()) fields.add(field);
    }
    this.fieldList = Array.from(fields);
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    for (const propagator of this.propagators) {
      try {
        propagator.inject(context, carrier, setter);
      } catch (err) {
        diag.warn(`propagator ${propagator.constructor.name} failed to inject`, err);
      }
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let result = context;
    for (const propagator of this.propagators) {
      try {
        result = propagator.extract(result, carrier, getter);
      } catch (err) {
        diag.warn(`propagator ${propagator.constructor.name} failed to extract`, err);
      }
    }
    return result;
  }

  fields(): string[] {
    return this.fieldList.slice();
  }
}

function createNamed(name: PropagatorName): TextMapPropagator | undefined {
  switch (name) {
    case 'tracecontext':
      return new W3CTraceContextPropagator();
    case 'baggage':
      return new W3CBaggagePropagator();
    case 'b3':
      return new B3SinglePropagator();
    case 'b3multi':
      return new B3MultiPropagator();
    default:
      return undefined;
  }
}

/**
 * Builds the propagator for OTEL_PROPAGATORS, in the given order. A repeated name is used once;
 * an unknown name (config is validated elsewhere, but this must never throw) is skipped with a
 * warning. An empty list gives a composite that injects nothing and returns contexts unchanged.
 */
export function createPropagator(names: readonly PropagatorName[]): TextMapPropagator {
  const seen = new Set<string>();
  const propagators: TextMapPropagator[] = [];
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const propagator = createNamed(name);
    if (propagator === undefined) diag.warn(`unknown propagator "${String(name)}" ignored`);
    else propagators.push(propagator);
  }
  return new CompositePropagator(propagators);
}
