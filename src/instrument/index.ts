/**
 * The surface instrumentations build on. An instrumentation imports only this module,
 * `@opentelemetry/api` and `src/semconv`: never the SDK, so it works under any OpenTelemetry SDK.
 */
export type { Instrumentation, PatchTarget } from './types';
export { InstrumentationState, stateOf } from './state';
export { wrapMethod, disguise, invoke, isWrapped, unwrapped, type AnyFunction } from './wrap';
export { subscribeGuarded } from './channels';
export { callAround, isThenable, whenSettled } from './call-around';
export { isTracingSuppressed, suppressTracing } from '../context/suppress';
export type { DbInstrumentationConfig, HttpInstrumentationConfig } from '../config/types';
export { VERSION } from '../version';
