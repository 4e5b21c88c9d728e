import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as path from 'node:path';
import { startReceiver } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { startApp } from '../kit/process';
import { startPostgres, type RunningPostgres } from '../kit/servers';
import { versionSetDir, type VersionSet } from '../kit/versions';
import { childrenOf, KIND_CLIENT, KIND_SERVER, pgSpans, serverEnv } from './pg-kit';

/** One GET, on a fresh connection that closes after it (so the app can close its server). */
function get(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, headers: { connection: 'close' } }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
}

/**
 * Nesting: an express app (express 4 from `previous`, 5 from `current`) whose handler queries
 * through a pg pool. The query's spans are children of the express handler span, itself a child of
 * the HTTP SERVER span of the request.
 */
describe('pg inside an express request (real PostgreSQL, real processes)', function () {
  this.timeout(60_000);
  let server: RunningPostgres;

  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  for (const set of ['previous', 'current'] as VersionSet[]) {
    for (const flavour of ['cjs', 'esm'] as const) {
      it(`${set} express and pg, ${flavour === 'esm' ? 'ES module (--import)' : 'CommonJS (--require)'}: pg spans are children of the handler span, under the server span`, async () => {
        const receiver = await startReceiver({ protocol: 'http/protobuf' });
        const app = startApp({
          file: path.join(FIXTURES, 'pg', flavour === 'esm' ? 'express-app.mjs' : 'express-app.cjs'),
          preload: flavour === 'esm' ? '--import' : '--require',
          env: {
            OTEL_SERVICE_NAME: `pg-express-${set}-${flavour}`,
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
            OTEL_BSP_SCHEDULE_DELAY: '50',
            OTELITE_TEST_VERSION_SET_DIR: versionSetDir(set),
            ...serverEnv(server),
          },
        });
        try {
          const [, port] = await app.waitForOutput(/LISTENING (\d+)/, 15_000);
          const response = await get(Number(port), '/users/7');
          assert.equal(response.status, 200, response.body);
          assert.deepEqual(JSON.parse(response.body), { id: 7, db: server.database });
          const exit = await app.exited;
          assert.equal(exit.code, 0, exit.stderr);

          const serverSpans = receiver.spans.filter((s) => s.kind === KIND_SERVER);
          assert.equal(serverSpans.length, 1, `one SERVER span; got: ${receiver.spans.map((s) => `${s.name} (${s.kind})`).join(', ')}`);
          const [serverSpan] = serverSpans;
          assert.equal(serverSpan.name, 'GET /users/:id');
          // Work in a handler is a child of the express request-handler span, under the server span.
          const handlers = childrenOf(receiver.spans, serverSpan).filter((s) => s.name === 'request handler - /users/:id');
          assert.equal(handlers.length, 1, `one handler span under the server span; got: ${receiver.spans.map((s) => s.name).join(', ')}`);
          const children = childrenOf(receiver.spans, handlers[0]).filter((s) => s.kind === KIND_CLIENT);
          assert.deepEqual(
            children.map((s) => s.name),
            ['connect', 'SELECT'],
          );
          assert.equal(children[1].attributes['db.query.text'], 'SELECT $1::int AS id, current_database() AS db');
          assert.equal(pgSpans(receiver.spans).length, 3, 'pool connect, its new connection, the query');
        } finally {
          app.kill('SIGKILL');
          await receiver.close();
        }
      });
    }
  }
});
