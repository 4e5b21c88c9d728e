/**
 * Micro-benchmark, A/B between two builds of otelite: a span's whole life up to its OTLP bytes, as
 * a traced server request makes them under the protobuf exporter: a SERVER span (11 attributes at
 * start, the status code before its end) and a child of another instrumentation scope (a
 * framework's handler, 2 attributes), both started and ended through the real Tracer and each
 * encoded when it ends (`writeSpan`, what the protobuf batch processor does in `onEnd`).
 *
 *   node build/bench/micro/span-bytes-ab.js --base <other checkout, built> [--runs N]
 *
 * Runs each build in its own process, alternately (N each, default 4), and prints the median ns
 * per request (the two spans). The other checkout is another commit's worktree, built with
 * `npx tsc -p tsconfig.json` (its `build/src` is what is loaded).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { ArgReader } from '../lib/argv';
import { median } from '../lib/stats';

const WARMUP = 300_000;
const MEASURED = 400_000;

/** One build's modules, loaded from its `build/src`. */
function measure(buildSrc: string): number {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { TracerProvider } = require(path.join(buildSrc, 'sdk/provider.js')) as typeof import('../../src/sdk/provider');
  const { createSampler } = require(path.join(buildSrc, 'sdk/sampler.js')) as typeof import('../../src/sdk/sampler');
  const { DEFAULTS } = require(path.join(buildSrc, 'config/defaults.js')) as typeof import('../../src/config/defaults');
  const { ProtoWriter } = require(path.join(buildSrc, 'export/otlp/protobuf-writer.js')) as typeof import('../../src/export/otlp/protobuf-writer');
  const { writeSpan } = require(path.join(buildSrc, 'export/otlp/encode-protobuf.js')) as typeof import('../../src/export/otlp/encode-protobuf');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const writer = new ProtoWriter(1 << 20);
  const provider = new TracerProvider({
    resource: { attributes: { 'service.name': 'bench' }, schemaUrl: undefined },
    sampler: createSampler({ name: 'parentbased_always_on', ratio: 1 }),
    limits: DEFAULTS.limits,
    processor: {
      keepsNothingAfterEnd: true,
      onEnd(span) {
        if (writer.pos > (1 << 20) - 8192) writer.reset();
        writeSpan(writer, span);
      },
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    },
  });
  const http = provider.getTracer('otelite/http', '1');
  const framework = provider.getTracer('otelite/fastify', '1');
  const start = {
    kind: api.SpanKind.SERVER,
    attributes: {
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'url.path': '/users/42',
      'http.route': '/users/:id',
      'server.address': '127.0.0.1',
      'server.port': 8080,
      'network.protocol.version': '1.1',
      'client.address': '127.0.0.1',
      'network.peer.address': '127.0.0.1',
      'network.peer.port': 50_000,
      'user_agent.original': 'wrk',
    },
  };
  const handler = { attributes: { 'fastify.type': 'request-handler', 'http.route': '/users/:id' } };
  const request = (): void => {
    const server = http.startSpan('GET /users/:id', start, api.ROOT_CONTEXT);
    framework.startSpan('handler', handler, api.trace.setSpan(api.ROOT_CONTEXT, server)).end();
    server.setAttribute('http.response.status_code', 200);
    server.end();
  };
  for (let i = 0; i < WARMUP; i++) request();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < MEASURED; i++) request();
  return Number(process.hrtime.bigint() - t0) / MEASURED;
}

function main(): void {
  const reader = new ArgReader(process.argv.slice(2));
  let base: string | undefined;
  let runs = 4;
  let child: string | undefined;
  for (let arg = reader.next(); arg !== undefined; arg = reader.next()) {
    if (arg === '--base') base = reader.value(arg);
    else if (arg === '--runs') runs = reader.count(arg);
    else if (arg === '--child') child = reader.value(arg);
    else throw new Error(`unknown option ${arg}`);
  }
  if (child !== undefined) {
    console.log(JSON.stringify({ ns: measure(child) }));
    return;
  }
  if (base === undefined) throw new Error('--base <checkout> is required');
  const builds = { current: path.resolve(__dirname, '../../src'), base: path.resolve(base, 'build/src') };
  const results: Record<string, number[]> = { current: [], base: [] };
  for (let run = 0; run < runs; run++) {
    for (const [name, buildSrc] of [['base', builds.base], ['current', builds.current]] as const) {
      const out = execFileSync(process.execPath, [__filename, '--child', buildSrc], { encoding: 'utf8' });
      results[name]!.push((JSON.parse(out) as { ns: number }).ns);
    }
  }
  for (const [name, values] of Object.entries(results)) {
    console.log(`${name.padEnd(8)} ${median(values).toFixed(0)} ns per request (server span + child, to bytes); runs: ${values.map((v) => v.toFixed(0)).join(' / ')}`);
  }
}

main();
