export {
  TRACE_FLAG_RANDOM,
  TRACE_PARENT_HEADER,
  TRACE_STATE_HEADER,
  W3CTraceContextPropagator,
  formatTraceParent,
  parseTraceParent,
} from './tracecontext';
export {
  EMPTY_TRACE_STATE,
  TRACESTATE_MAX_LENGTH,
  TRACESTATE_MAX_MEMBERS,
  TraceState,
  isValidTraceStateKey,
  isValidTraceStateValue,
} from './tracestate';
export {
  BAGGAGE_HEADER,
  BAGGAGE_MAX_BYTES,
  BAGGAGE_MAX_MEMBERS,
  W3CBaggagePropagator,
  decodeBaggageValue,
  encodeBaggageValue,
} from './baggage';
export {
  B3MultiPropagator,
  B3SinglePropagator,
  B3_CONTEXT_HEADER,
  B3_DEBUG_FLAG_KEY,
  B3_SAMPLING_STATE_KEY,
  X_B3_FLAGS,
  X_B3_PARENT_SPAN_ID,
  X_B3_SAMPLED,
  X_B3_SPAN_ID,
  X_B3_TRACE_ID,
  type B3SamplingState,
} from './b3';
export { CompositePropagator, createPropagator, type PropagatorName } from './composite';
