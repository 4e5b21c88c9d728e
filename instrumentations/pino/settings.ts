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
}

const OTEL_TRANSPORT = 'pino-opentelemetry-transport';

export const DEFAULT_SETTINGS: PinoLoggerSettings = { send: true, redacted: new Set(), redactAll: false };

/** Reads the settings from pino's normalized options (`transport`, `redact`). */
export function settingsFromOptions(opts: Record<string, unknown>): PinoLoggerSettings {
  const redact = redactPaths(opts.redact);
  const redacted = new Set<string>();
  let redactAll = false;
  for (const path of redact) {
    const top = topKey(path);
    if (top === '*' || top === '') redactAll = true;
    else redacted.add(top);
  }
  return { send: !routesToOpenTelemetry(opts.transport), redacted, redactAll };
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
