import type { SpanContext, TraceState } from '@opentelemetry/api';
import { TRACE_FLAG_RANDOM } from '../propagation/tracecontext';
import { EMPTY_TRACE_STATE } from '../propagation/tracestate';

/*
 * OpenTelemetry consistent probability sampling (specification "TraceState: Probability
 * Sampling", status Development): a 56-bit randomness R (the trace id's right-most 7 bytes when
 * the W3C level-2 random flag is set, or an explicit `rv` in the `ot` tracestate entry) and a
 * 56-bit rejection threshold T: a span is sampled when R >= T. The threshold used is written as
 * `ot=th:<hex>` (1 to 14 hex digits, trailing zeros removed; `th:0` is 100%), so that a backend
 * can compute the adjusted count 2^56 / (2^56 - T).
 */

const TWO_POW_56 = 2n ** 56n;
const TWO_POW_28 = 2 ** 28;
const MASK_28 = BigInt(TWO_POW_28 - 1);
const HEX_14 = /^[0-9a-f]{14}$/;
const TH_VALUE = /^[0-9a-f]{1,14}$/;

/** A 56-bit threshold split in two 28-bit halves: a float64 holds neither R nor T exactly. */
export interface Threshold {
  readonly high: number;
  readonly low: number;
  /** The `th` value: 1 to 14 hex digits, trailing zeros removed. */
  readonly th: string;
}

function fromBigInt(t: bigint): Threshold {
  const th = t.toString(16).padStart(14, '0').replace(/0+$/, '') || '0';
  return { high: Number(t >> 28n), low: Number(t & MASK_28), th };
}

/**
 * T = 2^56 - round(ratio * 2^56). `ratio * 2^56` is exact in float64 (a power-of-two scale),
 * so only the final rounding happens; `(1 - ratio) * 2^56` would round twice (0.1 gives
 * e6666666666668 instead of e6666666666666, the value the Collector's sampling package writes).
 */
export function ratioThreshold(ratio: number): Threshold {
  const r = Math.min(1, Math.max(0, ratio));
  return fromBigInt(TWO_POW_56 - BigInt(Math.round(r * 2 ** 56)));
}

/** The threshold a `th` value stands for, or undefined when it is malformed. */
export function parseTh(th: string): Threshold | undefined {
  if (!TH_VALUE.test(th)) return undefined;
  return fromBigInt(BigInt(`0x${th.padEnd(14, '0')}`));
}

/** Whether the randomness given as two 28-bit halves reaches the threshold (R >= T: sampled). */
export function reaches(high: number, low: number, t: Threshold): boolean {
  return high > t.high || (high === t.high && low >= t.low);
}

/** R as two 28-bit halves from 14 hex digits at `from` (the trace id's right-most 7 bytes, or `rv`). */
function halves(hex: string, from: number): [number, number] {
  return [parseInt(hex.substring(from, from + 7), 16), parseInt(hex.substring(from + 7, from + 14), 16)];
}

export function traceIdRandomness(traceId: string): [number, number] {
  return halves(traceId, 18);
}

/** The sub-keys of the `ot` tracestate entry (`th:8;rv:...`), or undefined when there is none. */
function otEntry(traceState: TraceState | undefined): string | undefined {
  return traceState?.get('ot');
}

function subKey(ot: string, key: string): string | undefined {
  for (const part of ot.split(';')) {
    if (part.startsWith(`${key}:`)) return part.slice(key.length + 1);
  }
  return undefined;
}

/**
 * The randomness of a trace continued from `parent`: an explicit `rv`, else the trace id when
 * the random flag says it is random, else undefined (no consistent decision can be claimed).
 */
export function randomnessOf(traceId: string, parent: SpanContext | undefined): [number, number] | undefined {
  const ot = otEntry(parent?.traceState);
  if (ot !== undefined) {
    const rv = subKey(ot, 'rv');
    if (rv !== undefined && HEX_14.test(rv)) return halves(rv, 0);
  }
  if (parent === undefined || (parent.traceFlags & TRACE_FLAG_RANDOM) !== 0) return traceIdRandomness(traceId);
  return undefined;
}

/** The incoming threshold, if the parent's tracestate carries a well-formed one. */
export function incomingThreshold(traceState: TraceState | undefined): Threshold | undefined {
  const ot = otEntry(traceState);
  if (ot === undefined) return undefined;
  const th = subKey(ot, 'th');
  return th === undefined ? undefined : parseTh(th);
}

/** `traceState` with `th` set to `th` (first in the `ot` entry) or removed (undefined); other sub-keys kept. */
export function withTh(traceState: TraceState | undefined, th: string | undefined): TraceState {
  const base = traceState ?? EMPTY_TRACE_STATE;
  const ot = base.get('ot');
  const others = ot === undefined ? [] : ot.split(';').filter((part) => part !== '' && !part.startsWith('th:'));
  const parts = th === undefined ? others : [`th:${th}`, ...others];
  return parts.length === 0 ? base.unset('ot') : base.set('ot', parts.join(';'));
}
