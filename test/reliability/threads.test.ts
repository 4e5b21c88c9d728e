import assert from 'node:assert/strict';
import * as path from 'node:path';
import { startReceiver } from '../kit/otlp-receiver';
import { REGISTER } from '../kit/paths';
import { runApp, type AppOptions } from '../kit/process';
import { RELIABILITY_FIXTURES } from './kit';

/**
 * Worker threads and child_process.fork() children inherit the agent through NODE_OPTIONS (as the
 * `otelite` CLI sets it) or the parent's execArgv: each thread and process registers one agent of
 * its own (its own provider and service name), wraps each http function exactly once even when
 * the agent is named twice (command line and NODE_OPTIONS), installs its exit hooks once, and
 * exports its spans under its own service name.
 */

const APP = path.join(RELIABILITY_FIXTURES, 'threads-app.cjs');

interface Report {
  role: 'main' | 'worker' | 'child';
  pid: number;
  threadId: number;
  agent: boolean;
  serviceName: string | null;
  depth: { request: number; get: number; serverEmit: number; responseEmit: number };
  listeners: { beforeExit: number; SIGTERM: number | null };
}

const LAUNCHES: Array<{ name: string; preload: AppOptions['preload']; nodeOptions: string }> = [
  { name: 'NODE_OPTIONS=--require', preload: 'none', nodeOptions: `--require ${REGISTER}` },
  { name: 'NODE_OPTIONS=--import', preload: 'none', nodeOptions: `--import ${REGISTER}` },
  { name: 'both --require on the command line and --import in NODE_OPTIONS', preload: '--require', nodeOptions: `--import ${REGISTER}` },
];

describe('reliability: worker threads and forked children inherit the agent once', function () {
  this.timeout(30_000);

  for (const launch of LAUNCHES) {
    it(launch.name, async () => {
      const receiver = await startReceiver({ protocol: 'http/protobuf' });
      try {
        const exit = await runApp(
          {
            file: APP,
            preload: launch.preload,
            env: {
              NODE_OPTIONS: launch.nodeOptions,
              OTEL_SERVICE_NAME: 'threads-main',
              OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
            },
          },
          20_000,
        );
        assert.equal(exit.code, 0, exit.stderr);
        assert.match(exit.stdout, /DONE/);
        assert.doesNotMatch(exit.stderr, /otelite (error|warn)/);

        const reports = [...exit.stdout.matchAll(/^REPORT (.*)$/gm)].map((m) => JSON.parse(m[1]!) as Report);
        assert.deepEqual(reports.map((r) => r.role).sort(), ['child', 'main', 'worker']);
        const byRole = Object.fromEntries(reports.map((r) => [r.role, r])) as Record<Report['role'], Report>;
        assert.notEqual(byRole.child.pid, byRole.main.pid, 'the child is another process');
        assert.equal(byRole.worker.pid, byRole.main.pid, 'the worker is a thread of the main process');
        for (const r of reports) {
          assert.ok(r.agent, `an agent in ${r.role}`);
          assert.deepEqual(r.depth, { request: 1, get: 1, serverEmit: 1, responseEmit: 1 }, `http wrapped once in ${r.role}`);
          assert.equal(r.listeners.beforeExit, 1, `one beforeExit hook in ${r.role}`);
          if (r.listeners.SIGTERM !== null) assert.equal(r.listeners.SIGTERM, 1, `one SIGTERM hook in ${r.role}`);
        }
        assert.equal(byRole.main.serviceName, 'threads-main');
        assert.equal(byRole.worker.serviceName, 'threads-worker');
        assert.equal(byRole.child.serviceName, 'threads-child');

        // Each one's spans, under its own service name and its own provider (service.instance.id).
        const instances = new Set<unknown>();
        for (const [role, service] of [['main', 'threads-main'], ['worker', 'threads-worker'], ['child', 'threads-child']] as const) {
          const spans = receiver.spans.filter((s) => s.resource.attributes['service.name'] === service);
          const server = spans.filter((s) => s.kind === 2 && s.attributes['url.path'] === `/from-${role}`);
          const client = spans.filter((s) => s.kind === 3);
          assert.equal(server.length, 1, `one SERVER span from ${role}`);
          assert.equal(client.length, 1, `one CLIENT span from ${role}`);
          assert.equal(server[0]!.parentSpanId, client[0]!.spanId, `${role}: the server span is the client span's child`);
          assert.equal(spans.length, 2, `${role} made exactly two spans (no double instrumentation)`);
          const pid = spans[0]!.resource.attributes['process.pid'];
          assert.equal(pid, byRole[role].pid);
          for (const s of spans) instances.add(s.resource.attributes['service.instance.id']);
        }
        assert.equal(instances.size, 3, 'three providers, one per thread or process');
      } finally {
        await receiver.close();
      }
    });
  }
});
