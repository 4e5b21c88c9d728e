'use strict';
/**
 * Shared by the benchmark servers: the response body, listening on 127.0.0.1 (a free port) and
 * printing `PORT=<port>`, and a graceful stop.
 *
 * On SIGTERM the server stops accepting, closes its connections and its clients (`closeExtra`),
 * and then lets the event loop drain, so that each agent flushes its queued spans the way it
 * does when an app ends normally (beforeExit) or on SIGTERM. A process still alive 10 s later
 * (something kept the loop busy) exits anyway; so does one alive past BENCH_MAX_LIFETIME_MS.
 */

function userBody(id) {
  return JSON.stringify({ id, name: `User ${id}`, email: `user${id}@example.com`, active: true, roles: ['reader'] });
}

function announce(port) {
  process.stdout.write(`PORT=${port}\n`);
}

function installStop(close) {
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 10_000).unref();
    Promise.resolve()
      .then(close)
      .catch((err) => process.stderr.write(`stop failed: ${err && err.stack}\n`));
  });
  const lifetime = Number(process.env.BENCH_MAX_LIFETIME_MS) || 10 * 60_000;
  setTimeout(() => process.exit(3), lifetime).unref();
}

/** For a node:http server (plain or under express). */
function serveHttp(server, closeExtra) {
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => announce(server.address().port));
  installStop(async () => {
    await new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    if (closeExtra) await closeExtra();
  });
}

module.exports = { userBody, announce, installStop, serveHttp };
