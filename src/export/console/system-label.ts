import { SpanKind } from '@opentelemetry/api';
import type { SpanData } from '../../sdk/span-data';
import { attributeOf } from './spans';

/**
 * The system a CLIENT span talks to, for the tree's label: `redis GET`, `fetch GET`, `pg SELECT
 * users`, `pg-pool connect`. Client spans of different libraries share names (`GET`, `connect`);
 * the span's own name is never changed, only the printed label.
 */

/** otelite's instrumentations name their scope `otelite/{instrumentation}` (src/instrument/define.ts). */
const OTELITE_SCOPE = 'otelite/';
/** Instrumentations whose name is not what a developer calls the client. */
const CLIENT_NAMES: Readonly<Record<string, string>> = { undici: 'fetch' };
/** Attributes that name a system, for spans of other tracers (the app's own, a library's). */
const SYSTEM_KEYS = ['db.system.name', 'db.system', 'messaging.system', 'rpc.system'];

const OUTGOING = new Set<SpanKind>([SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER]);

/** The system of an outgoing span (`pg`, `redis`, `fetch`, `http`), or undefined. */
export function systemOf(span: SpanData): string | undefined {
  if (!OUTGOING.has(span.kind)) return undefined;
  const scope = span.scope.name;
  if (scope.startsWith(OTELITE_SCOPE)) {
    const instrumentation = scope.slice(OTELITE_SCOPE.length);
    return CLIENT_NAMES[instrumentation] ?? instrumentation;
  }
  for (const key of SYSTEM_KEYS) {
    const value = attributeOf(span, key);
    if (typeof value === 'string' && value !== '') return value;
  }
  return attributeOf(span, 'http.request.method') === undefined ? undefined : 'http';
}

/**
 * pg names `pool.connect()` and `client.connect()` alike (`connect`, same scope, same
 * attributes). A pool's `connect` that opened a new connection has the client's `connect` as
 * its child, which tells them apart; a pool handing out an idle client cannot be told from a
 * client's own connect, and reads `pg connect`.
 */
function isPoolConnect(span: SpanData, children: readonly SpanData[]): boolean {
  return span.name === 'connect' && children.some((child) => child.name === 'connect' && systemOf(child) === 'pg');
}

/** The printed name of a span: its system before its name, when it has one. */
export function labelOf(span: SpanData, children: readonly SpanData[]): string {
  let system = systemOf(span);
  if (system === undefined) return span.name;
  if (system === 'pg' && isPoolConnect(span, children)) system = 'pg-pool';
  return span.name.toLowerCase().startsWith(system.toLowerCase()) ? span.name : `${system} ${span.name}`;
}
