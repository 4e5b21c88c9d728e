export {
  TRACE_FLAG_RANDOM,
  W3CTraceContextPropagator,
  parseTraceParent,
} from './tracecontext';
export {
  TRACESTATE_MAX_LENGTH,
  TraceState,
  isValidTraceStateKey,
  isValidTraceStateValue,
} from './tracestate';
export {
  BAGGAGE_MAX_BYTES,
  BAGGAGE_MAX_MEMBERS,
  W3CBaggagePropagator,
  decodeBaggageValue,
  encodeBaggageValue,
} from './baggage';
export {
  B3MultiPropagator,
  B3SinglePropagator,
  B3_DEBUG_FLAG_KEY,
  B3_SAMPLING_STATE_KEY,
} from './b3';
export { CompositePropagator, createPropagator } from './composite';
