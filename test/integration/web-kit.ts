import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DecodedMetric, DecodedSpan } from '../kit/otlp-decoder';
import { startReceiver } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { startApp } from '../kit/process';
import { versionSetDir, type VersionSet } from '../kit/versions';
import { KIND_CLIENT, KIND_INTERNAL, KIND_SERVER, STATUS_ERROR, STATUS_UNSET } from '../kit/otlp-decoder';

export { KIND_CLIENT, KIND_INTERNAL, KIND_SERVER, STATUS_ERROR, STATUS_UNSET };

/**
 * What the express and fastify integration tests share: running a framework fixture app with the
 * agent and collecting what it exported.
 */

// OTLP enum values.

export type Flavour = 'cjs' | 'esm';

export interface Sent {
  method: string;
  path: string;
  status: number;
  body: string;
}

export interface Run {
  spans: DecodedSpan[];
  /** The metrics exported by the app (its final collection at exit included). */
  metrics: DecodedMetric[];
  sent: Sent[];
  port: number;
  stderr: string;
}

export interface WebAppOptions {
  framework: 'express' | 'fastify';
  set: VersionSet;
  flavour: Flavour;
  /** Method, path, and the request's own headers (a `traceparent`...) where given. */
  requests: ReadonlyArray<readonly [string, string, Record<string, string>?]>;
  env?: Record<string, string>;
  /** The body of each POST, sent as JSON; none when absent. */
  postBody?: unknown;
  /** `none` runs the app without the agent, for a comparison. */
  preload?: 'none';
}

/**
 * Runs test/fixtures/<framework> (the previous major from the `previous` set, the current one
 * from `current`; CommonJS with --require or ESM with --import), sends it every request one after
 * the other, then stops it with SIGTERM (the agent flushes before the process ends) and returns
 * what it exported.
 */
export async function runWebApp(options: WebAppOptions): Promise<Run> {
  const { framework, set, flavour } = options;
  const receiver = await startReceiver({ protocol: 'http/protobuf' });
  const app = startApp({
    file: path.join(FIXTURES, framework, flavour === 'esm' ? 'app.mjs' : 'app.cjs'),
    preload: options.preload ?? (flavour === 'esm' ? '--import' : '--require'),
    env: {
      OTEL_SERVICE_NAME: `${framework}-${set}-${flavour}`,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: receiver.metricsEndpoint,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTELITE_TEST_VERSION_SET_DIR: versionSetDir(set),
      ...options.env,
    },
  });
  try {
    const [, port] = await app.waitForOutput(/LISTENING (\d+)/, 15_000);
    const sent: Sent[] = [];
    for (const [method, urlPath, headers] of options.requests) {
      const withBody = method === 'POST' && options.postBody !== undefined;
      const response = await fetch(`http://127.0.0.1:${port}${urlPath}`, {
        method,
        headers: withBody ? { 'content-type': 'application/json', ...headers } : { ...headers },
        body: withBody ? JSON.stringify(options.postBody) : undefined,
      });
      sent.push({ method, path: urlPath, status: response.status, body: await response.text() });
    }
    app.kill('SIGTERM');
    const exit = await app.exited;
    assert.doesNotMatch(exit.stderr, /instrumentation "[^"]+" failed/, exit.stderr);
    return { spans: [...receiver.spans], metrics: [...receiver.metrics], sent, port: Number(port), stderr: exit.stderr };
  } finally {
    app.kill('SIGKILL');
    await receiver.close();
  }
}

/**
 * How many requests `http.server.request.duration` counted per `{method} {route}` (`-` for no
 * route), summed over the other attributes (status code, error type) from the last point of each
 * attribute set (the temporality is cumulative). Every server of the app process is counted.
 */
export function measuredRoutes(run: Run): Map<string, number> {
  const lastCount = new Map<string, { route: string; count: number }>();
  for (const metric of run.metrics) {
    if (metric.name !== 'http.server.request.duration') continue;
    for (const point of metric.points) {
      const attributes = point.attributes;
      const route = typeof attributes['http.route'] === 'string' ? attributes['http.route'] : '-';
      const series = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)));
      lastCount.set(series, { route: `${String(attributes['http.request.method'])} ${route}`, count: point.count ?? 0 });
    }
  }
  const counts = new Map<string, number>();
  for (const { route, count } of lastCount.values()) counts.set(route, (counts.get(route) ?? 0) + count);
  return counts;
}

/** The one SERVER span of a request the run sent. */
export function serverSpan(run: Run, method: string, urlPath: string): DecodedSpan {
  const found = run.spans.filter(
    (s) => s.kind === KIND_SERVER && s.attributes['url.path'] === urlPath && s.attributes['http.request.method'] === method && s.attributes['server.port'] === run.port,
  );
  assert.equal(found.length, 1, `one SERVER span for ${method} ${urlPath}; got ${found.length}`);
  return found[0];
}
