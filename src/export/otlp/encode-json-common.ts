import type { InstrumentationScope, ResourceData } from '../../sdk/span-data';

/**
 * What the OTLP/JSON encoders of every signal share: AnyValue and KeyValue, the proto3 rule of
 * leaving defaults out, doubles (non-finite ones as strings), and the resource and scope objects.
 */

export interface JsonKeyValue {
  key: string;
  value: JsonAnyValue;
}

type JsonAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number | string }
  | { arrayValue: { values: JsonAnyValue[] } }
  | { kvlistValue: { values: JsonKeyValue[] } }
  | { bytesValue: string }
  | Record<string, never>;

export function anyValue(v: unknown): JsonAnyValue | undefined {
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'number':
      if (Number.isSafeInteger(v)) return { intValue: String(v) };
      return { doubleValue: jsonDouble(v) };
    case 'bigint':
      return { intValue: BigInt.asIntN(64, v).toString() };
    case 'object': {
      if (v === null) return undefined;
      if (Array.isArray(v)) return { arrayValue: { values: v.map((e) => anyValue(e) ?? {}) } };
      if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v).toString('base64') };
      return { kvlistValue: { values: keyValues(v as Record<string, unknown>) } };
    }
    default:
      return undefined;
  }
}

export function keyValues(attrs: Record<string, unknown> | undefined): JsonKeyValue[] {
  const out: JsonKeyValue[] = [];
  if (attrs === undefined || attrs === null) return out;
  for (const key of Object.keys(attrs)) {
    const value = anyValue(attrs[key]);
    if (value !== undefined) out.push({ key, value });
  }
  return out;
}

/** Sets `obj[key] = value` unless value is a proto3 default ('' / 0 / undefined / empty list). */
export function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined || value === null || value === '' || value === 0) return;
  if (Array.isArray(value) && value.length === 0) return;
  obj[key] = value;
}

const resourceCache = new WeakMap<ResourceData, Record<string, unknown>>();
const scopeCache = new WeakMap<InstrumentationScope, Record<string, unknown>>();

export function resourceJson(r: ResourceData): Record<string, unknown> {
  let o = resourceCache.get(r);
  if (o === undefined) {
    o = {};
    put(o, 'attributes', keyValues(r.attributes as Record<string, unknown>));
    resourceCache.set(r, o);
  }
  return o;
}

export function scopeJson(s: InstrumentationScope): Record<string, unknown> {
  let o = scopeCache.get(s);
  if (o === undefined) {
    o = {};
    put(o, 'name', s.name);
    put(o, 'version', s.version);
    scopeCache.set(s, o);
  }
  return o;
}

/** A double in proto3 JSON: a number, or "NaN" / "Infinity" / "-Infinity" as strings. */
export function jsonDouble(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}
