/**
 * The surface instrumentations build on. An instrumentation imports only this module,
 * `@opentelemetry/api` and `src/semconv`: never the SDK, so it works under any OpenTelemetry SDK.
 */
export type { Instrumentation, PatchTarget } from './types';
export { InstrumentationState } from './state';
export { defineInstrumentation } from './define';
export type { InstrumentationMeter, LazyHistogram } from './meter';
export { wrapMethod, disguise, isWrapped, type AnyFunction } from './wrap';
export { callInContext, invoke } from './in-context';
export { storeContractHolds, subscribeGuarded } from './channels';
export { callAround, isThenable, observeThenCall, whenSettled } from './call-around';
export { rememberRedacted, redactedFormOf, type SafeException } from './redacted-errors';
export { isTracingSuppressed, suppressTracing } from '../context/suppress';
export { EMPTY_CONTEXT } from '../context/linked-context';
export { monotonicNow } from '../monotonic-clock';
export type { DbInstrumentationConfig, HttpConfig, HttpInstrumentationConfig, RuntimeInstrumentationConfig } from '../config/types';
