import assert from 'node:assert/strict';
import * as path from 'node:path';
import { serverEnv } from '../integration/pg-kit';
import { FIXTURES, REPO_ROOT } from '../kit/paths';
import { startApp, type ExitInfo } from '../kit/process';
import { startPostgres, startRedis, type RunningPostgres, type RunningServer } from '../kit/servers';
import { versionSetDir } from '../kit/versions';

const STARTUP_ROWS = 20;
const AUTH = { authorization: 'Bearer test' };

/**
 * The console exporter on a real app (test/fixtures/console/app.cjs: fastify 5, a pg pool,
 * node-redis, fetch and http.get, start-up inserts, a hook answering 401, a handler that throws),
 * real PostgreSQL and Redis, printed by the agent in the app's own process.
 */
describe('console exporter in a real app (fastify, pg, redis, fetch)', function () {
  this.timeout(60_000);
  let postgres: RunningPostgres;
  let redis: RunningServer;

  before(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  });
  after(async () => {
    await Promise.all([postgres?.stop(), redis?.stop()]);
  });

  async function run(format: string): Promise<ExitInfo> {
    const app = startApp({
      file: path.join(FIXTURES, 'console', 'app.cjs'),
      preload: '--require',
      cwd: REPO_ROOT,
      env: {
        OTEL_TRACES_EXPORTER: 'console',
        OTELITE_CONSOLE_FORMAT: format,
        OTEL_SERVICE_NAME: 'shop',
        OTELITE_TEST_VERSION_SET_DIR: versionSetDir('current'),
        REDIS_HOST: redis.host,
        REDIS_PORT: String(redis.port),
        STARTUP_ROWS: String(STARTUP_ROWS),
        ...serverEnv(postgres),
      },
    });
    try {
      const [, port] = await app.waitForOutput(/LISTENING (\d+)/, 20_000);
      const base = `http://127.0.0.1:${port}`;
      const statuses = [];
      for (const [url, headers] of [['/users/1', {}], ['/users/1', AUTH], ['/report', AUTH], ['/boom', AUTH]] as const) {
        const response = await fetch(base + url, { headers });
        await response.arrayBuffer();
        statuses.push(response.status);
      }
      assert.deepEqual(statuses, [401, 200, 200, 500]);
    } finally {
      app.kill('SIGTERM');
    }
    const exit = await app.exited;
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stdout, /CLOSED/);
    return exit;
  }

  /** Each printed trace (from its `trace` line) or summary line, in order. */
  function blocks(stdout: string): string[] {
    return stdout.split(/\n(?=trace |outside any request)/).filter((block) => /^(trace |outside any request)/.test(block));
  }

  it('tree: one line for the start-up inserts, client systems named, late hook in its trace, app frames first, short lines', async () => {
    const { stdout } = await run('tree');
    const printed = blocks(stdout);

    // Start-up: a summary instead of one tree per statement (and pool connect).
    const summary = printed.filter((block) => block.startsWith('outside any request'));
    assert.equal(summary.length, 1, stdout);
    assert.match(summary[0], new RegExp(`^outside any request {2}service=shop {2}pg: \\d+ operations in \\d+ traces over \\d+\\.\\d\\d s: .*INSERT console_users ×${STARTUP_ROWS}`));

    // The 401 from the onRequest hook: the hook's span ends after the SERVER span, and is in its tree.
    const unauthorized = printed.find((block) => /http\.response\.status_code=401/.test(block));
    assert.ok(unauthorized, stdout);
    assert.match(unauthorized, /└─ GET \/users\/:id {2}SERVER[^\n]*\n {3}└─ onRequest - authenticate {2}INTERNAL/);
    assert.doesNotMatch(stdout, /not seen|continued/);

    // Client spans read with their system.
    const user = printed.find((block) => /url\.path="\/users\/1" http\.response\.status_code=200/.test(block) && /handler - getUser/.test(block));
    assert.ok(user, stdout);
    assert.match(user, /├─ redis GET {2}CLIENT[^\n]*db\.query\.text="GET user:1"/);
    const report = printed.find((block) => /└─ GET \/report/.test(block));
    assert.ok(report, stdout);
    // The in-process requests nest under the CLIENT spans that made them.
    assert.match(report, /├─ fetch GET {2}CLIENT[^\n]*\n[│ ]+└─ GET \/users\/:id {2}SERVER/);
    assert.match(report, /└─ http GET {2}CLIENT[^\n]*\n[│ ]+└─ GET \/users\/:id {2}SERVER/);
    assert.match(report, /pg SELECT console_users {2}CLIENT/);

    // The exception: the app's frames first, relative to the working directory; the rest counted.
    const boom = printed.find((block) => /└─ GET \/boom/.test(block));
    assert.ok(boom, stdout);
    assert.match(boom, /handler - boom {2}INTERNAL[^\n]*ERROR \(stock cannot be negative: -1\)[^\n]*\n\s+RangeError: stock cannot be negative: -1\n\s+at checkStock \(test\/fixtures\/console\/app\.cjs:\d+:\d+\)\n\s+at Object\.boom \(test\/fixtures\/console\/app\.cjs:\d+:\d+\)\n\s+… \d+ more frames \(.*node_modules \d+/);

    // Default lines: no ids, ports or peer addresses; what is left out is counted.
    const spanLines = stdout.split('\n').filter((line) => /[├└]─ /.test(line));
    assert.ok(spanLines.length > 10);
    for (const line of spanLines) assert.doesNotMatch(line, /id=[0-9a-f]{16}|server\.port|network\.peer|client\.address/, line);
    assert.ok(spanLines.every((line) => / {2}\+\d+ more$/.test(line) || !/CLIENT|SERVER/.test(line)), 'client and server spans have attributes left out, and say so');
  });

  it('tree-verbose: every trace as a tree, with ids, ports and peer addresses', async () => {
    const { stdout } = await run('tree-verbose');
    assert.doesNotMatch(stdout, /outside any request/);
    assert.equal(blocks(stdout).filter((block) => /└─ pg INSERT console_users {2}CLIENT/.test(block)).length, STARTUP_ROWS);
    // The pool's first connect opens a connection: its span has the client's connect under it.
    assert.match(stdout, /└─ pg-pool connect {2}CLIENT[^\n]*id=[0-9a-f]{16}[^\n]*server\.port=\d+\n {3}└─ pg connect {2}CLIENT/);
    assert.match(stdout, /SERVER[^\n]*network\.peer\.address="127\.0\.0\.1"/);
  });
});
