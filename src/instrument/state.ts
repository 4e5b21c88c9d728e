import { diag } from '@opentelemetry/api';

/**
 * Whether an instrumentation is still on. A patched function checks `active` first and, once
 * the instrumentation has failed, passes straight through to the original: patches are never
 * removed (removing them races with code holding references), they just stop doing anything.
 */
export class InstrumentationState {
  active = true;

  constructor(readonly name: string) {}

  /** The agent's own code failed: say so once, and switch this instrumentation off. */
  fail(error: unknown): void {
    if (!this.active) return;
    this.active = false;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    diag.error(`instrumentation "${this.name}" failed and is now off (the app is unaffected): ${reason}`);
  }
}

const states = new Map<string, InstrumentationState>();

/** The one state object of an instrumentation, shared by its patches and subscribers. */
export function stateOf(name: string): InstrumentationState {
  let state = states.get(name);
  if (state === undefined) {
    state = new InstrumentationState(name);
    states.set(name, state);
  }
  return state;
}
