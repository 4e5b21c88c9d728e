import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DecodedSpan } from '../kit/otlp-decoder';
import { startReceiver } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { startApp } from '../kit/process';
import type { RunningPostgres } from '../kit/servers';
import { versionSetDir, type VersionSet } from '../kit/versions';
export { KIND_SERVER, KIND_CLIENT, STATUS_UNSET, STATUS_ERROR } from '../kit/otlp-decoder';

/**
 * Runs the pg fixture apps (test/fixtures/pg) against a test's PostgreSQL and reads back what
 * they printed and exported. Shared by the pg integration tests.
 */

// OTLP enum values.

export const PG_SCOPE = 'otelite/pg';
/** Planted by the fixture: only ever a literal in SQL text / only ever a bound value. */
export const SECRETS = ['s3cr3t', 'b0und'];

export type Flavour = 'cjs' | 'esm';

export interface PgRunOptions {
  set: VersionSet;
  /** How the app is written and the agent loaded; `none` runs the CommonJS app without the agent. */
  flavour: Flavour | 'none';
  closedPort: number;
  cases?: string[];
  env?: Record<string, string>;
}

export interface PgRun {
  spans: DecodedSpan[];
  stdout: string;
  stderr: string;
  /** `RESULT <case> <json>` lines: case → json. */
  results: Map<string, string>;
  /** `CTX <case> ok|bad` lines. */
  contexts: Map<string, string>;
  /** The `WRAPPED` and `UNHANDLED` lines. */
  wrapped: string | undefined;
  unhandled: string | undefined;
}

function lines(stdout: string, prefix: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(`${prefix} `)) continue;
    const rest = line.slice(prefix.length + 1);
    const space = rest.indexOf(' ');
    map.set(space < 0 ? rest : rest.slice(0, space), space < 0 ? '' : rest.slice(space + 1));
  }
  return map;
}

export function serverEnv(server: RunningPostgres): Record<string, string> {
  return { PG_HOST: server.host, PG_PORT: String(server.port), PG_USER: server.user, PG_DATABASE: server.database };
}

/** Runs test/fixtures/pg/app.{cjs,mjs} to completion, exporting to a fresh receiver. */
export async function runPgFixture(server: RunningPostgres, options: PgRunOptions): Promise<PgRun> {
  const receiver = await startReceiver({ protocol: 'http/protobuf' });
  const esm = options.flavour === 'esm';
  const app = startApp({
    file: path.join(FIXTURES, 'pg', esm ? 'app.mjs' : 'app.cjs'),
    preload: options.flavour === 'none' ? 'none' : esm ? '--import' : '--require',
    env: {
      OTEL_SERVICE_NAME: `pg-${options.set}-${options.flavour}`,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTELITE_TEST_VERSION_SET_DIR: versionSetDir(options.set),
      CLOSED_PORT: String(options.closedPort),
      CASES: options.cases?.join(','),
      ...serverEnv(server),
      ...options.env,
    },
  });
  const timer = setTimeout(() => app.kill('SIGKILL'), 30_000);
  try {
    const exit = await app.exited;
    assert.equal(exit.code, 0, `app failed:\n${exit.stdout}\n${exit.stderr}`);
    assert.match(exit.stdout, /^DONE$/m);
    assert.doesNotMatch(exit.stderr, /instrumentation "pg" failed/);
    return {
      spans: [...receiver.spans],
      stdout: exit.stdout,
      stderr: exit.stderr,
      results: lines(exit.stdout, 'RESULT'),
      contexts: lines(exit.stdout, 'CTX'),
      wrapped: lines(exit.stdout, 'WRAPPED').keys().next().value,
      unhandled: exit.stdout.match(/^UNHANDLED (.*)$/m)?.[1],
    };
  } finally {
    clearTimeout(timer);
    app.kill('SIGKILL');
    await receiver.close();
  }
}

export function pgSpans(spans: readonly DecodedSpan[]): DecodedSpan[] {
  return spans.filter((s) => s.scope.name === PG_SCOPE);
}

export function caseSpan(run: PgRun, name: string): DecodedSpan {
  const span = run.spans.find((s) => s.name === `case ${name}`);
  assert.ok(span, `no span "case ${name}" exported`);
  return span;
}

/** The spans whose parent is `parent`, in the order they started. */
export function childrenOf(spans: readonly DecodedSpan[], parent: DecodedSpan): DecodedSpan[] {
  return spans
    .filter((s) => s.parentSpanId === parent.spanId && s.traceId === parent.traceId)
    .sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0));
}

/** Every string the span exports: its name, attribute values, event attribute values, status message. */
export function exportedStrings(span: DecodedSpan): string[] {
  const values: unknown[] = [span.name, span.status.message, ...Object.values(span.attributes)];
  for (const event of span.events) values.push(event.name, ...Object.values(event.attributes));
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x))));
}
