import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { context, defaultTextMapGetter, defaultTextMapSetter, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '../../src/context/als-context-manager';
import { InMemorySpanExporter } from '../../src/export/memory-exporter';
import { SimpleSpanProcessor } from '../../src/export/simple-processor';
import type { PropagatorName } from '../../src/config/types';
import { createPropagator } from '../../src/propagation';
import { DEFAULTS } from '../../src/config';
import { TracerProvider } from '../../src/sdk/provider';
import { createResource } from '../../src/sdk/resource';
import { createSampler } from '../../src/sdk/sampler';
import { RELIABILITY_FIXTURES, startServerApp } from './kit';

/**
 * Hostile propagation headers by the thousand (a seeded generator: set OTELITE_FUZZ_SEED and
 * OTELITE_FUZZ_ITERATIONS to replay or to go further): traceparent, tracestate, baggage and B3
 * (single and multi) with wrong lengths, bad hex, version ff, all-zero ids, too many members,
 * oversized values, CR/LF, control and non-ASCII characters, repeated headers. Each set goes
 * through the propagators the agent registers (via @opentelemetry/api), a SERVER span is
 * started from the extracted context as the http instrumentation does, and the context is
 * injected into an outgoing carrier. Checked for every set:
 * - nothing throws;
 * - only the configured propagators' fields are written, and each value matches its grammar
 *   strictly, within the specification's limits, printable ASCII only (no CR/LF);
 * - the trace is continued exactly when an independent reading of the input (written here from
 *   the specifications) finds a valid parent, and started afresh otherwise;
 * - nothing is reflected unvalidated: tracestate goes out only if the incoming one was valid
 *   (and then as received, minus duplicates), each baggage entry only if the incoming member was.
 * A last test sends such headers as raw bytes over real connections to an app with the agent
 * that relays each request onward, and checks the headers that arrive downstream.
 */

const SEED = Number(process.env.OTELITE_FUZZ_SEED) || 0x5eed;
const ITERATIONS = Number(process.env.OTELITE_FUZZ_ITERATIONS) || 2500;

// ---- a seeded generator ------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(readonly random: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }
  chars(alphabet: string, n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[Math.floor(this.random() * alphabet.length)];
    return out;
  }
  hex(n: number): string {
    return this.chars('0123456789abcdef', n);
  }
}

const HOSTILE = ['G', 'z', 'A', 'F', '-', ' ', '\t', '\r', '\n', '\r\n', '\0', '\x7f', 'é', '\u00ff', '\u2028', '\u{1f600}', '\ud800', '%', ',', '=', ';', '"', '\\', '@', '_'];
const TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const BAGGAGE_VALUE_CHARS = '!#$&\'()*+-./0123456789:<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~';

/** One of many ways to break a (usually valid) value. */
function mutate(g: Gen, value: string): string {
  switch (g.int(0, 11)) {
    case 0:
      return value.slice(0, g.int(0, Math.max(0, value.length - 1)));
    case 1:
      return value + g.chars('0123456789abcdef-', g.int(1, 8));
    case 2: {
      const at = g.int(0, Math.max(0, value.length - 1));
      return value.slice(0, at) + g.pick(HOSTILE) + value.slice(at + 1);
    }
    case 3:
      return value.toUpperCase();
    case 4:
      return value.replace(/[0-9a-f]{16,}/, (m) => '0'.repeat(m.length));
    case 5:
      return value.replace(/^[0-9a-f]{2}-/, 'ff-');
    case 6:
      return value.replace(/^[0-9a-f]{2}-/, `${g.hex(2)}-`) + (g.chance(0.5) ? `-${g.hex(g.int(0, 6))}` : g.hex(2));
    case 7:
      return value + '\r\nx-injected: 1';
    case 8:
      return ' \t' + value + '\t ';
    case 9:
      return value.repeat(g.int(20, 400));
    case 10:
      return '';
    default: {
      const at = g.int(0, value.length);
      return value.slice(0, at) + g.pick(HOSTILE) + g.pick(HOSTILE) + value.slice(at);
    }
  }
}

function maybeMutate(g: Gen, value: string, p = 0.5): string {
  return g.chance(p) ? mutate(g, value) : value;
}

function traceparent(g: Gen): string {
  const version = g.chance(0.85) ? '00' : g.hex(2);
  const flags = g.pick(['00', '01', '02', '03', g.hex(2)]);
  return maybeMutate(g, `${version}-${g.hex(32)}-${g.hex(16)}-${flags}`);
}

function tracestateKey(g: Gen, clean: boolean): string {
  if (!clean && g.chance(0.1)) return g.pick(['', 'A', '_x', 'k y', 'ké', 'a'.repeat(257), 'x=', 'tenant@' + 'a'.repeat(20)]);
  const first = g.chars('abcdefghijklmnopqrstuvwxyz0123456789', 1);
  const key = first + g.chars('abcdefghijklmnopqrstuvwxyz0123456789_-*/', g.int(0, 12));
  return g.chance(0.2) ? `${key}@${g.chars('abcdefghijklmnopqrstuvwxyz', g.int(1, 8))}` : key;
}

function tracestateValue(g: Gen, clean: boolean): string {
  if (!clean && g.chance(0.08)) return g.pick(['', ' ', 'a ', 'x,y', 'x=y', 'é', '\r\n', 'v'.repeat(257)]);
  const chars = ' !"#$%&\'()*+-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~';
  let v = g.chars(chars, g.int(0, g.chance(0.1) ? 200 : 16));
  v += g.chars('abcdefghijklmnopqrstuvwxyz0123456789', 1); // the last char may not be a space
  return v;
}

function tracestate(g: Gen): string | string[] {
  // Half the time every member is well-formed, so that long valid lists (33 and more) occur too.
  const clean = g.chance(0.5);
  const n = g.chance(0.15) ? g.int(30, 80) : g.int(0, 8);
  const members: string[] = [];
  for (let i = 0; i < n; i++) {
    if (g.chance(0.05)) members.push(g.pick(['', ' ', '\t']));
    else members.push(`${tracestateKey(g, clean)}=${tracestateValue(g, clean)}`);
  }
  if (n > 1 && g.chance(0.2)) members.push(members[0]!); // a duplicate key
  const sep = () => (g.chance(0.8) ? ',' : g.pick([' ,', ', ', '\t,\t', ',,']));
  let out = members.join(sep());
  if (!clean && g.chance(0.15)) out = mutate(g, out);
  if (g.chance(0.1)) return [out, `${tracestateKey(g, clean)}=${tracestateValue(g, clean)}`];
  return out;
}

function baggageMember(g: Gen, clean = false): string {
  const key = clean || g.chance(0.9) ? g.chars(TOKEN_CHARS, g.int(1, 12)) : g.pick(['', 'k y', 'ké', '(x)', 'a@b', 'k\r\n']);
  let value: string;
  switch (clean ? g.pick([0, 3]) : g.int(0, 5)) {
    case 0:
      value = encodeURIComponent(g.pick(['héllo wörld', '\u{1f600}', '日本語', '%', 'a,b;c=d', ' '])); // valid percent-encoding
      break;
    case 1:
      value = g.pick(['%ZZ', '%E2%82', '%', '%%', '%C3%28', '%ED%A0%80']); // broken or invalid UTF-8
      break;
    case 2:
      value = g.pick(['é', 'a b', 'x,y', 'x;y', '"q"', '\\', '\r\n', '\x7f']); // not baggage-octets
      break;
    default:
      value = g.chars(BAGGAGE_VALUE_CHARS, g.int(0, g.chance(0.05) ? 9000 : 20));
  }
  const ows = () => (g.chance(0.1) ? g.pick([' ', '\t', '  ']) : '');
  let member = `${ows()}${key}${ows()}=${ows()}${value}${ows()}`;
  const props = !clean && g.chance(0.2) ? g.int(1, 3) : 0;
  for (let i = 0; i < props; i++) {
    member += `;${ows()}${g.pick([g.chars(TOKEN_CHARS, g.int(1, 6)), `${g.chars(TOKEN_CHARS, g.int(1, 6))}=${g.chars(BAGGAGE_VALUE_CHARS, g.int(0, 6))}`, '', 'k y', 'p=é'])}${ows()}`;
  }
  return member;
}

function baggage(g: Gen): string | string[] {
  const clean = g.chance(0.4);
  const n = g.chance(0.1) ? g.int(60, 200) : g.int(0, 10);
  const members = Array.from({ length: n }, () => baggageMember(g, clean));
  let out = members.join(g.chance(0.9) ? ',' : ', ');
  if (!clean && g.chance(0.1)) out = mutate(g, out);
  if (g.chance(0.1)) return [out, baggageMember(g)];
  return out;
}

function b3Single(g: Gen): string {
  if (g.chance(0.15)) return g.pick(['0', '1', 'd', 'x', '', 'true']);
  const traceId = g.chance(0.3) ? g.hex(16) : g.hex(32);
  let v = `${traceId}-${g.hex(16)}`;
  if (g.chance(0.7)) v += `-${g.pick(['0', '1', 'd', 'x', '10'])}`;
  if (g.chance(0.3)) v += `-${g.hex(16)}`;
  return maybeMutate(g, v, 0.4);
}

/** One set of incoming headers (Node's shape: lower-case names, strings or arrays). */
function headers(g: Gen): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = {};
  if (g.chance(0.8)) h['traceparent'] = g.chance(0.05) ? [traceparent(g), traceparent(g)] : traceparent(g);
  if (g.chance(0.6)) h['tracestate'] = tracestate(g);
  if (g.chance(0.6)) h['baggage'] = baggage(g);
  if (g.chance(0.4)) h['b3'] = b3Single(g);
  if (g.chance(0.4)) {
    h['x-b3-traceid'] = maybeMutate(g, g.chance(0.3) ? g.hex(16) : g.hex(32), 0.3);
    h['x-b3-spanid'] = maybeMutate(g, g.hex(16), 0.3);
    if (g.chance(0.7)) h['x-b3-sampled'] = g.pick(['0', '1', 'true', 'false', '', 'yes', ' 1 ']);
    if (g.chance(0.2)) h['x-b3-flags'] = g.pick(['1', '0', 'x']);
    if (g.chance(0.2)) h['x-b3-parentspanid'] = maybeMutate(g, g.hex(16));
  }
  return h;
}

// ---- an independent reading of the input, from the specifications ------------------------------

const OWS_RE = /^[ \t]+|[ \t]+$/g;
const trimOws = (s: string) => s.replace(OWS_RE, '');
const isZero = (s: string) => /^0+$/.test(s);

interface Parent {
  traceId: string;
  from: 'tracecontext' | 'b3';
}

/** W3C Trace Context: the parent, or undefined if traceparent is absent or invalid. */
function readTraceparent(raw: string | string[] | undefined): Parent | undefined {
  if (Array.isArray(raw)) raw = raw.length === 1 ? raw[0] : undefined; // two traceparents: ambiguous
  if (typeof raw !== 'string') return undefined;
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})([^]*)$/.exec(trimOws(raw));
  if (m === null) return undefined;
  const [, version, traceId, spanId, , rest] = m;
  if (version === 'ff' || isZero(traceId!) || isZero(spanId!)) return undefined;
  if (version === '00' ? rest !== '' : rest !== '' && !rest!.startsWith('-')) return undefined;
  return { traceId: traceId!, from: 'tracecontext' };
}

/** B3, single header first, then multi. */
function readB3(h: Record<string, string | string[]>): Parent | undefined {
  const first = (v: string | string[] | undefined) => (typeof v === 'string' ? trimOws(v) : Array.isArray(v) ? trimOws(v[0]!) : undefined);
  const pad = (id: string) => (id.length === 16 ? '0'.repeat(16) + id : id);
  const single = first(h['b3']);
  if (single !== undefined) {
    if (single.length === 1 && '01d'.includes(single)) return undefined; // a decision without ids
    const m = /^([0-9a-f]{32}|[0-9a-f]{16})-([0-9a-f]{16})(?:-([01d])(?:-([0-9a-f]{16}))?)?$/.exec(single);
    if (m !== null && !isZero(m[1]!) && !isZero(m[2]!)) return { traceId: pad(m[1]!), from: 'b3' };
  }
  const traceId = first(h['x-b3-traceid']);
  const spanId = first(h['x-b3-spanid']);
  const sampled = first(h['x-b3-sampled']);
  if (sampled !== undefined && !['0', '1', 'true', 'false'].includes(sampled)) return undefined;
  if (traceId === undefined || spanId === undefined) return undefined;
  if (!/^([0-9a-f]{32}|[0-9a-f]{16})$/.test(traceId) || isZero(traceId)) return undefined;
  if (!/^[0-9a-f]{16}$/.test(spanId) || isZero(spanId)) return undefined;
  return { traceId: pad(traceId), from: 'b3' };
}

const TS_KEY = /^[a-z0-9][a-z0-9_\-*/@]{0,255}$/;
const TS_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/** The members of a valid tracestate (first of each key), or undefined if it is invalid. */
function readTracestate(raw: string | string[] | undefined): Array<[string, string]> | undefined {
  const combined = Array.isArray(raw) ? raw.join(',') : raw;
  if (combined === undefined || combined === '') return [];
  const out: Array<[string, string]> = [];
  let count = 0;
  for (const part of combined.split(',')) {
    const member = trimOws(part);
    if (member === '') continue;
    if (++count > 32) return undefined;
    const eq = member.indexOf('=');
    if (eq < 0) return undefined;
    const key = member.slice(0, eq);
    const value = member.slice(eq + 1);
    if (!TS_KEY.test(key) || !TS_VALUE.test(value)) return undefined;
    if (!out.some(([k]) => k === key)) out.push([key, value]);
  }
  return out;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAGGAGE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;

/** Percent-decoding as the W3C Baggage spec asks: UTF-8, invalid sequences as U+FFFD, a stray % kept. */
function decodeValue(v: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < v.length; i++) {
    if (v[i] === '%' && /^[0-9a-fA-F]{2}$/.test(v.slice(i + 1, i + 3))) {
      bytes.push(parseInt(v.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(v.charCodeAt(i));
  }
  return new TextDecoder('utf-8').decode(Uint8Array.from(bytes));
}

/** Every valid incoming baggage member, as key -> the decoded values seen for it. */
function readBaggage(raw: string | string[] | undefined): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const combined = Array.isArray(raw) ? raw.join(',') : raw;
  if (combined === undefined) return out;
  for (const member of combined.split(',')) {
    const [pair, ...props] = member.split(';');
    const eq = pair!.indexOf('=');
    if (eq < 0) continue;
    const key = trimOws(pair!.slice(0, eq));
    const value = trimOws(pair!.slice(eq + 1));
    if (!TOKEN.test(key) || !BAGGAGE_VALUE.test(value)) continue;
    const propsOk = props.every((p) => {
      const q = p.indexOf('=');
      if (q < 0) return trimOws(p) === '' || TOKEN.test(trimOws(p));
      return TOKEN.test(trimOws(p.slice(0, q))) && BAGGAGE_VALUE.test(trimOws(p.slice(q + 1)));
    });
    if (!propsOk) continue;
    let set = out.get(key);
    if (set === undefined) out.set(key, (set = new Set()));
    set.add(decodeValue(value));
  }
  return out;
}

// ---- strict grammars of what goes out --------------------------------------------------------

const PRINTABLE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
const OUT_TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[0-3]$/;
const OUT_B3 = /^([0-9a-f]{32})-([0-9a-f]{16})-[01d]$/;
const BAGGAGE_OUT_VALUE = /^(?:[\x21\x23-\x24\x26-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]|%[0-9A-F]{2})*$/;

const FIELDS: Record<PropagatorName, string[]> = {
  tracecontext: ['traceparent', 'tracestate'],
  baggage: ['baggage'],
  b3: ['b3'],
  b3multi: ['x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled', 'x-b3-flags'],
};

function checkOutgoing(out: Record<string, string>, names: readonly PropagatorName[], problems: string[]): string | undefined {
  const allowed = new Set(names.flatMap((n) => FIELDS[n]));
  let traceId: string | undefined;
  for (const [name, value] of Object.entries(out)) {
    if (!allowed.has(name)) problems.push(`unexpected header ${name}`);
    if (typeof value !== 'string' || !PRINTABLE.test(value)) problems.push(`${name} is not printable ASCII: ${JSON.stringify(value)}`);
  }
  if (names.includes('tracecontext')) {
    const m = OUT_TRACEPARENT.exec(out['traceparent'] ?? '');
    if (m === null || isZero(m[1]!) || isZero(m[2]!)) problems.push(`traceparent ${JSON.stringify(out['traceparent'])}`);
    else traceId = m[1];
    const ts = out['tracestate'];
    if (ts !== undefined) {
      const members = ts.split(',');
      const keys = members.map((m) => m.slice(0, m.indexOf('=')));
      if (ts.length > 512 || members.length > 32 || new Set(keys).size !== keys.length) problems.push(`tracestate limits: ${ts.length} chars, ${members.length} members`);
      for (const m of members) {
        const eq = m.indexOf('=');
        if (eq < 0 || !TS_KEY.test(m.slice(0, eq)) || !TS_VALUE.test(m.slice(eq + 1))) problems.push(`tracestate member ${JSON.stringify(m)}`);
      }
    }
  }
  if (names.includes('b3')) {
    const m = OUT_B3.exec(out['b3'] ?? '');
    if (m === null || isZero(m[1]!) || isZero(m[2]!)) problems.push(`b3 ${JSON.stringify(out['b3'])}`);
    else if (traceId !== undefined && traceId !== m[1]) problems.push('b3 and traceparent disagree');
    else traceId = m[1];
  }
  if (names.includes('b3multi')) {
    const t = out['x-b3-traceid'] ?? '';
    if (!/^[0-9a-f]{32}$/.test(t) || isZero(t) || !/^[0-9a-f]{16}$/.test(out['x-b3-spanid'] ?? '') || isZero(out['x-b3-spanid'] ?? '0')) {
      problems.push(`x-b3 ids ${JSON.stringify([out['x-b3-traceid'], out['x-b3-spanid']])}`);
    }
    const sampled = out['x-b3-sampled'];
    const flags = out['x-b3-flags'];
    if ((sampled === undefined) === (flags === undefined) || (sampled !== undefined && !/^[01]$/.test(sampled)) || (flags !== undefined && flags !== '1')) {
      problems.push(`x-b3-sampled/flags ${JSON.stringify([sampled, flags])}`);
    }
    if (traceId !== undefined && traceId !== t) problems.push('x-b3-traceid disagrees');
    traceId ??= t;
  }
  const bag = out['baggage'];
  if (bag !== undefined) {
    const members = bag.split(',');
    if (bag.length > 8192 || members.length > 64) problems.push(`baggage limits: ${bag.length} bytes, ${members.length} members`);
    for (const m of members) {
      const [pair, ...props] = m.split(';');
      const eq = pair!.indexOf('=');
      if (eq < 0 || !TOKEN.test(pair!.slice(0, eq)) || !BAGGAGE_OUT_VALUE.test(pair!.slice(eq + 1))) problems.push(`baggage member ${JSON.stringify(m)}`);
      for (const p of props) {
        const q = p.indexOf('=');
        if (q < 0 ? !TOKEN.test(p) : !TOKEN.test(p.slice(0, q)) || !BAGGAGE_VALUE.test(p.slice(q + 1))) problems.push(`baggage property ${JSON.stringify(p)}`);
      }
    }
  }
  return traceId;
}

// ---- the test --------------------------------------------------------------------------------

const CONFIGS: PropagatorName[][] = [
  [...DEFAULTS.propagators],
  ['b3'],
  ['b3multi'],
  ['tracecontext', 'baggage', 'b3', 'b3multi'],
  ['b3', 'tracecontext', 'baggage'],
];

describe('reliability: hostile propagation headers (seeded fuzz)', function () {
  this.timeout(60_000);
  const manager = new AsyncLocalStorageContextManager();
  before(() => context.setGlobalContextManager(manager.enable()));
  after(() => {
    propagation.disable();
    context.disable();
    manager.disable();
  });

  for (const names of CONFIGS) {
    it(`OTEL_PROPAGATORS=${names.join(',')}: ${ITERATIONS} header sets, nothing thrown, only valid headers out, nothing reflected`, () => {
      propagation.disable();
      propagation.setGlobalPropagator(createPropagator(names));
      const provider = new TracerProvider({
        resource: createResource({ serviceName: 'fuzz', attributes: {} }),
        sampler: createSampler(DEFAULTS.sampler),
        limits: { ...DEFAULTS.limits },
        processor: new SimpleSpanProcessor(new InMemorySpanExporter()),
      });
      const tracer = provider.getTracer('fuzz');
      const g = new Gen(mulberry32(SEED + names.length * 7919 + names[0]!.length));
      const failures: string[] = [];
      let continued = 0;
      let tracestatesForwarded = 0;
      let baggageForwarded = 0;

      for (let i = 0; i < ITERATIONS && failures.length < 5; i++) {
        const incoming = headers(g);
        const problems: string[] = [];
        const out: Record<string, string> = {};
        try {
          const extracted = propagation.extract(ROOT_CONTEXT, incoming, defaultTextMapGetter);
          const span = tracer.startSpan('GET', { kind: SpanKind.SERVER }, extracted);
          propagation.inject(trace.setSpan(extracted, span), out, defaultTextMapSetter);
          span.end();
        } catch (error) {
          problems.push(`threw ${(error as Error).stack}`);
        }
        const traceId = checkOutgoing(out, names, problems);

        // The trace is continued exactly when the input holds a valid parent (the last valid one wins).
        let parent: Parent | undefined;
        for (const n of names) {
          const p = n === 'tracecontext' ? readTraceparent(incoming['traceparent']) : n === 'baggage' ? undefined : readB3(incoming);
          if (p !== undefined) parent = p;
        }
        const inputIds = [incoming['traceparent'], incoming['b3'], incoming['x-b3-traceid']].flat().join(' ');
        if (parent !== undefined) {
          continued++;
          if (traceId !== parent.traceId) problems.push(`expected trace ${parent.traceId} continued, got ${traceId}`);
        } else if (traceId !== undefined && inputIds.includes(traceId.replace(/^0{16}/, ''))) {
          problems.push(`an invalid parent was continued: ${traceId}`);
        }

        // tracestate: forwarded only when it came with a valid traceparent that won, and was valid.
        if (out['tracestate'] !== undefined) {
          const members = parent?.from === 'tracecontext' ? readTracestate(incoming['tracestate']) : undefined;
          if (members === undefined) problems.push(`tracestate reflected without a valid one in: ${JSON.stringify(out['tracestate'])}`);
          else {
            tracestatesForwarded++;
            const expected = members.map(([k, v]) => `${k}=${v}`);
            const sent = out['tracestate'].split(',');
            if (expected.join(',').length <= 512 && sent.join(',') !== expected.join(',')) problems.push(`tracestate ${out['tracestate']} != ${expected.join(',')}`);
            let at = 0;
            for (const m of sent) {
              at = expected.indexOf(m, at);
              if (at < 0) problems.push(`tracestate member ${m} not received as such, or out of order`);
            }
          }
        } else if (parent?.from === 'tracecontext') {
          const members = readTracestate(incoming['tracestate']);
          if (members !== undefined && members.length > 0 && members.every(([k, v]) => k.length + v.length < 128)) {
            problems.push(`valid tracestate ${JSON.stringify(incoming['tracestate'])} was not forwarded`);
          }
        }

        // baggage: every entry sent was a valid member received, with the same value.
        if (names.includes('baggage')) {
          const valid = readBaggage(incoming['baggage']);
          const sent = out['baggage'] === undefined ? [] : out['baggage'].split(',');
          for (const m of sent) {
            const pair = m.split(';')[0]!;
            const key = pair.slice(0, pair.indexOf('='));
            const value = decodeValue(pair.slice(pair.indexOf('=') + 1));
            if (!valid.get(key)?.has(value)) problems.push(`baggage ${key}=${JSON.stringify(value)} was not a valid member received`);
          }
          if (sent.length > 0) baggageForwarded++;
          const totalRaw = String(incoming['baggage'] ?? '').length;
          if (valid.size > 0 && valid.size <= 64 && totalRaw <= 4096 && sent.length === 0) problems.push('valid baggage was not forwarded');
        } else if (out['baggage'] !== undefined) {
          problems.push('baggage written by a configuration without it');
        }

        if (problems.length > 0) failures.push(`#${i} ${JSON.stringify(incoming).slice(0, 600)}\n  -> ${JSON.stringify(out).slice(0, 400)}\n  ${problems.join('\n  ')}`);
      }
      assert.deepEqual(failures, [], `seed ${SEED}`);
      // The generator must really have produced both kinds: valid parents, forwarded state and baggage.
      assert.ok(continued > ITERATIONS * 0.1 && continued < ITERATIONS * 0.9, `continued ${continued} of ${ITERATIONS}`);
      if (names[0] === 'tracecontext' && names.length === 2) assert.ok(tracestatesForwarded > ITERATIONS * 0.05, `${tracestatesForwarded} tracestates forwarded`);
      if (names.includes('baggage')) assert.ok(baggageForwarded > ITERATIONS * 0.1, `${baggageForwarded} baggage headers forwarded`);
    });
  }
});

/** Raw HTTP/1.1 request bytes: header values as latin1 (what Node's parser sees byte for byte). */
function rawRequest(h: Record<string, string | string[]>): Buffer {
  let text = 'GET /relay HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n';
  for (const [name, value] of Object.entries(h)) {
    for (const v of Array.isArray(value) ? value : [value]) text += `${name}: ${v}\r\n`;
  }
  return Buffer.from(text + '\r\n', 'latin1');
}

function send(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

describe('reliability: hostile propagation headers over real connections', function () {
  this.timeout(60_000);

  it('300 raw requests to an app with the agent: it keeps serving, and only valid headers go downstream', async () => {
    const names: PropagatorName[] = ['tracecontext', 'baggage', 'b3', 'b3multi'];
    let last: Record<string, string> = {};
    const downstream = http.createServer((req, res) => {
      last = {};
      for (const field of names.flatMap((n) => FIELDS[n])) {
        const v = req.headers[field];
        if (v !== undefined) last[field] = Array.isArray(v) ? v.join(',') : v;
      }
      res.end('ok');
    });
    await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
    const app = await startServerApp({
      file: path.join(RELIABILITY_FIXTURES, 'relay-app.cjs'),
      env: {
        RELAY_TARGET: `http://127.0.0.1:${(downstream.address() as net.AddressInfo).port}/`,
        OTEL_PROPAGATORS: names.join(','),
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'none',
      },
    });
    try {
      const g = new Gen(mulberry32(SEED ^ 0xbeef));
      const failures: string[] = [];
      let relayed = 0;
      for (let i = 0; i < 300; i++) {
        const incoming = headers(g);
        last = {};
        const answer = await send(app.port, rawRequest(incoming));
        const status = /^HTTP\/1\.1 (\d+)/.exec(answer)?.[1];
        // Node itself refuses some byte sequences (400) and headers over 16 KiB (431); whatever
        // it accepts, the app must answer.
        if (status === '400' || status === '431') continue;
        if (status !== '200' || !answer.endsWith('relayed')) {
          failures.push(`#${i} answered ${JSON.stringify(answer.slice(0, 200))}`);
          if (failures.length >= 5) break;
          continue;
        }
        relayed++;
        const problems: string[] = [];
        checkOutgoing(last, names, problems);
        if (problems.length > 0) failures.push(`#${i} ${JSON.stringify(incoming).slice(0, 400)}\n  -> ${JSON.stringify(last)}\n  ${problems.join('\n  ')}`);
        if (failures.length >= 5) break;
      }
      assert.deepEqual(failures, []);
      assert.ok(relayed > 200, `${relayed} requests relayed`);
      const exit = await app.stop('SIGTERM');
      assert.equal(exit.signal, 'SIGTERM', 'the app was still running');
      assert.doesNotMatch(exit.stderr, /otelite (error|warn)/, exit.stderr);
    } finally {
      await app.stop('SIGKILL').catch(() => undefined);
      await new Promise((resolve) => downstream.close(resolve));
    }
  });
});
