/**
 * What the agent knows about one root pino logger from its options, kept on the mixin the agent
 * gave it (child loggers inherit the mixin, hence the settings).
 */
export interface PinoLoggerSettings {
  /** False when the app already sends this logger's records (pino-opentelemetry-transport). */
  readonly send: boolean;
  /** Top-level keys the app redacts: their fields are not sent (`*` paths: no fields at all). */
  readonly redacted: ReadonlySet<string>;
  readonly redactAll: boolean;
  /**
   * How the ids get into the line: a fragment after the timestamp (fragment.ts, the fast way), or
   * the agent's mixin chained with the app's when the app has a mixin (whose fields the agent
   * must not double) or a stream that reads pino's per-line metadata (`pino.multistream`: its
   * `lastTime` is cut from the timestamp's text).
   */
  readonly fragment: boolean;
}

const OTEL_TRANSPORT = 'pino-opentelemetry-transport';

export const DEFAULT_SETTINGS: PinoLoggerSettings = { send: true, redacted: new Set(), redactAll: false, fragment: false };

/** pino's flag on a stream that wants each line's level, object and time besides the line. */
const NEEDS_METADATA = Symbol.for('pino.metadata');

/** Reads the settings from pino's normalized options (`transport`, `redact`, `mixin`) and destination. */
export function settingsFromOptions(opts: Record<string, unknown>, stream: unknown): PinoLoggerSettings {
  const redact = redactPaths(opts.redact);
  const redacted = new Set<string>();
  let redactAll = false;
  for (const path of redact) {
    const top = topKey(path);
    if (top === '*' || top === '') redactAll = true;
    else redacted.add(top);
  }
  const metadata = stream !== null && typeof stream === 'object' && (stream as Record<symbol, unknown>)[NEEDS_METADATA] === true;
  return { send: !routesToOpenTelemetry(opts.transport), redacted, redactAll, fragment: typeof opts.mixin !== 'function' && !metadata };
}

/** Whether a `transport` option (a target, `targets` or a `pipeline`) names the OpenTelemetry transport. */
function routesToOpenTelemetry(transport: unknown): boolean {
  if (transport === null || typeof transport !== 'object') return false;
  const t = transport as { target?: unknown; targets?: unknown; pipeline?: unknown };
  if (typeof t.target === 'string' && t.target.includes(OTEL_TRANSPORT)) return true;
  for (const list of [t.targets, t.pipeline]) {
    if (Array.isArray(list) && list.some((entry) => routesToOpenTelemetry(entry))) return true;
  }
  return false;
}

function redactPaths(redact: unknown): string[] {
  const paths = Array.isArray(redact) ? redact : redact !== null && typeof redact === 'object' ? (redact as { paths?: unknown }).paths : undefined;
  return Array.isArray(paths) ? paths.filter((p): p is string => typeof p === 'string') : [];
}

/** `a.b`, `a[0]`, `["a-b"].c`, `*.password` → `a`, `a`, `a-b`, `*`. */
function topKey(path: string): string {
  const bracket = /^\[\s*(["'])(.*?)\1\s*\]/.exec(path);
  if (bracket !== null) return bracket[2];
  const end = path.search(/[.[]/);
  return (end === -1 ? path : path.slice(0, end)).trim();
}
