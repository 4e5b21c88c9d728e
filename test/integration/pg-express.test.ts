import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as path from 'node:path';
import { startReceiver } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { startApp } from '../kit/process';
import { startPostgres, type RunningPostgres } from '../kit/servers';
import { versionSetDir, type VersionSet } from '../kit/versions';
import { childrenOf, KIND_CLIENT, KIND_SERVER, pgSpans, serverEnv, STATUS_ERROR } from './pg-kit';

/** A value PostgreSQL refuses as an integer and quotes in its error message. */
const BOUND_VALUE = 'n0t-a-number-4711';

/** One GET, on a fresh connection that closes after it (so the app can close its server). */
function get(port: number, urlPath: string, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, headers: { ...headers, connection: 'close' } }, (response) => {
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
          // A value PostgreSQL refuses, quoting it in its message; the handler passes the error on.
          const failed = await get(Number(port), '/lookup', { 'x-user-id': BOUND_VALUE });
          assert.equal(failed.status, 500);
          const response = await get(Number(port), '/users/7');
          assert.equal(response.status, 200, response.body);
          assert.deepEqual(JSON.parse(response.body), { id: 7, db: server.database });
          const exit = await app.exited;
          assert.equal(exit.code, 0, exit.stderr);

          const serverSpans = receiver.spans.filter((s) => s.kind === KIND_SERVER && s.name === 'GET /users/:id');
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
          assert.equal(pgSpans(receiver.spans).length, 6, 'per request: pool connect, its new connection (pg closes the one whose query failed), the query');

          // The failed query's error, redacted on the pg span, is recorded the same way by the
          // express handler that passed it on: the refused value is nowhere in what was exported.
          const lookup = receiver.spans.find((s) => s.name === 'GET /lookup');
          assert.ok(lookup !== undefined, 'the SERVER span of /lookup');
          const [lookupHandler] = childrenOf(receiver.spans, lookup).filter((s) => s.name === 'request handler - /lookup');
          const [failedQuery] = childrenOf(receiver.spans, lookupHandler).filter((s) => s.name === 'SELECT');
          for (const span of [failedQuery, lookupHandler]) {
            assert.equal(span.status.code, STATUS_ERROR, span.name);
            assert.equal(span.status.message, 'invalid input syntax for type integer: ?', span.name);
            const exception = span.events.find((e) => e.name === 'exception');
            assert.equal(exception?.attributes['exception.message'], 'invalid input syntax for type integer: ?', span.name);
            assert.equal(exception?.attributes['exception.type'], 'DatabaseError', span.name);
          }
          assert.ok(!JSON.stringify(receiver.spans, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)).includes(BOUND_VALUE), 'the refused value is in no exported span');
        } finally {
          app.kill('SIGKILL');
          await receiver.close();
        }
      });
    }
  }
});
