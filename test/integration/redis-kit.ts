import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DecodedSpan } from '../kit/otlp-decoder';
import { startReceiver } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { startApp } from '../kit/process';
import { versionSetDir, type VersionSet } from '../kit/versions';
export { KIND_SERVER, KIND_CLIENT, STATUS_UNSET, STATUS_ERROR } from '../kit/otlp-decoder';

/**
 * Runs the Redis fixture apps (test/fixtures/redis, test/fixtures/ioredis) with the agent
 * exporting OTLP to a fresh receiver, and reads their spans: shared by redis.test.ts and
 * ioredis.test.ts, whose fixtures run the same scenarios through each client.
 */

// OTLP enum values.

/** Every value the fixtures store starts with this; none may ever be exported. */
export const PLANTED = 's3cr3t';

export type Lib = 'redis' | 'ioredis';
export type Flavour = 'cjs' | 'esm';

export interface RedisRun {
  spans: DecodedSpan[];
  stdout: string;
  stderr: string;
  /** What the app printed as `SAW <what> <value>`. */
  saw: Map<string, string>;
}

export interface RunOptions {
  lib: Lib;
  set: VersionSet;
  flavour?: Flavour;
  scenario?: 'main' | 'outside' | 'offline';
  env: Record<string, string>;
  timeoutMs?: number;
}

function parseSaw(stdout: string): Map<string, string> {
  const saw = new Map<string, string>();
  for (const match of stdout.matchAll(/^SAW (\S+) (.*)$/gm)) saw.set(match[1], match[2]);
  return saw;
}

/** Runs a scenario to completion; fails when the app fails, hangs, or an instrumentation failed. */
export async function runRedisFixture(options: RunOptions): Promise<RedisRun> {
  const flavour = options.flavour ?? 'cjs';
  const receiver = await startReceiver({ protocol: 'http/protobuf' });
  const app = startApp({
    file: path.join(FIXTURES, options.lib, flavour === 'esm' ? 'app.mjs' : 'app.cjs'),
    preload: flavour === 'esm' ? '--import' : '--require',
    env: {
      OTEL_SERVICE_NAME: `${options.lib}-${options.set}-${flavour}`,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTELITE_TEST_VERSION_SET_DIR: versionSetDir(options.set),
      SCENARIO: options.scenario ?? 'main',
      ...options.env,
    },
  });
  const timer = setTimeout(() => app.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  try {
    const exit = await app.exited;
    assert.equal(exit.code, 0, `app failed or hung (signal ${exit.signal}):\n${exit.stdout}\n${exit.stderr}`);
    assert.match(exit.stdout, /^DONE$/m, exit.stdout);
    assert.doesNotMatch(exit.stderr, /instrumentation "(redis|ioredis)" failed/, exit.stderr);
    return { spans: [...receiver.spans], stdout: exit.stdout, stderr: exit.stderr, saw: parseSaw(exit.stdout) };
  } finally {
    clearTimeout(timer);
    app.kill('SIGKILL');
    await receiver.close();
  }
}

/** Runs the express fixture, sends it one request, and returns what it exported. */
export async function runExpressFixture(lib: Lib, set: VersionSet, env: Record<string, string>): Promise<RedisRun & { body: unknown }> {
  const receiver = await startReceiver({ protocol: 'http/protobuf' });
  const app = startApp({
    file: path.join(FIXTURES, lib, 'express-app.cjs'),
    preload: '--require',
    env: {
      OTEL_SERVICE_NAME: `${lib}-express-${set}`,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTELITE_TEST_VERSION_SET_DIR: versionSetDir(set),
      ...env,
    },
  });
  const timer = setTimeout(() => app.kill('SIGKILL'), 20_000);
  try {
    const [, port] = await app.waitForOutput(/LISTENING (\d+)/);
    const response = await fetch(`http://127.0.0.1:${port}/users/7`);
    assert.equal(response.status, 200);
    const body: unknown = await response.json();
    const exit = await app.exited;
    assert.equal(exit.code, 0, `app failed or hung:\n${exit.stdout}\n${exit.stderr}`);
    assert.match(exit.stdout, /^DONE$/m, exit.stdout);
    return { spans: [...receiver.spans], stdout: exit.stdout, stderr: exit.stderr, saw: parseSaw(exit.stdout), body };
  } finally {
    clearTimeout(timer);
    app.kill('SIGKILL');
    await receiver.close();
  }
}

/** Spans of the instrumentation's scope (`otelite/redis`, `otelite/ioredis`). */
export function redisSpans(run: RedisRun, lib: Lib): DecodedSpan[] {
  return run.spans.filter((s) => s.scope.name === `otelite/${lib}`);
}

export function spanNamed(run: RedisRun, name: string): DecodedSpan {
  const found = run.spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `expected one span named ${name}, got ${found.length}`);
  return found[0];
}

/** The one span whose `db.query.text` is `text`. */
export function byQuery(spans: DecodedSpan[], text: string): DecodedSpan {
  const found = spans.filter((s) => s.attributes['db.query.text'] === text);
  assert.equal(found.length, 1, `expected one span with db.query.text "${text}", got ${found.length}: ${spans.map((s) => String(s.attributes['db.query.text'])).join(' | ')}`);
  return found[0];
}

export function assertChildOf(span: DecodedSpan, parent: DecodedSpan, what: string): void {
  assert.equal(span.traceId, parent.traceId, `${what}: same trace as ${parent.name}`);
  assert.equal(span.parentSpanId, parent.spanId, `${what}: child of ${parent.name}`);
}

/** Everything an exporter sent about a span, as text: names, attributes, events, status. */
function exportedText(span: DecodedSpan): string {
  return JSON.stringify(
    { name: span.name, attributes: span.attributes, events: span.events, links: span.links, status: span.status },
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value),
  );
}

export function assertNothingPlanted(spans: DecodedSpan[]): void {
  assert.ok(spans.length > 0, 'no spans to check');
  for (const span of spans) {
    assert.ok(!exportedText(span).includes(PLANTED), `a planted value was exported by span ${span.name}: ${exportedText(span)}`);
  }
}
