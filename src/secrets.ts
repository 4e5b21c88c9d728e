/**
 * Everything the agent prints that may carry a secret goes through here: OTLP header values
 * (API keys, bearer tokens) and the credentials an endpoint URL may hold. Used by the config's
 * warnings, the exporter, both transports and `otelite doctor`, so each masks the same planted
 * value the same way.
 */

const MASK = '***';

/**
 * Values shorter than this are not treated as secrets: masking a one- or two-character value
 * would garble every message it happens to occur in (`x=y` would mask every `y`).
 */
const MIN_SECRET_LENGTH = 3;

/** The values to mask: strings of at least 3 characters, each once, longest first (so a value containing another is masked whole). */
export function secretsOf(values: Iterable<unknown>): string[] {
  const found = new Set<string>();
  for (const value of values) if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) found.add(value);
  return [...found].sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of each secret replaced by `***`. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  for (const secret of secrets) if (text.includes(secret)) text = text.split(secret).join(MASK);
  return text;
}

/**
 * Text a server sent (an error body, a grpc-message, a partial success message) made fit for one
 * diagnostic line: secrets it echoes masked first (before the cut, which could otherwise leave
 * part of one), control characters (a newline would let the server forge log lines) turned into
 * spaces, and cut at 200 characters.
 */
export function printable(text: string, secrets: readonly string[] = []): string {
  const clean = maskSecrets(text, secrets).replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
  return clean.length > 200 ? clean.slice(0, 200) + '…' : clean;
}

/**
 * A URL as it may be printed: user info and query parameter values masked (`***`), the rest
 * kept. Works on malformed URLs too (it is used for warnings about them): an endpoint may carry
 * a password or an API key, and printing it would leak the secret into logs.
 */
export function maskUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, `$1${MASK}@`).replace(/([?&][^=&#]*)=[^&#]*/g, `$1=${MASK}`);
}

/** An endpoint as the exporter names it in diagnostics: scheme, host and path only. */
export function printableEndpoint(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(invalid endpoint)';
  }
}
