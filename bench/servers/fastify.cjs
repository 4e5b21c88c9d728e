'use strict';
// fastify 5 hello world: GET /users/:id answers a small JSON body.
const fastify = require('fastify');
const { userBody, announce, installStop } = require('./common.cjs');

const app = fastify({ logger: false, keepAliveTimeout: 60_000 });
app.get('/users/:id', (req, reply) => {
  reply.type('application/json; charset=utf-8').send(userBody(req.params.id));
});

app.listen({ host: '127.0.0.1', port: 0 }).then(
  () => announce(app.server.address().port),
  (err) => {
    process.stderr.write(`listen failed: ${err && err.stack}\n`);
    process.exit(1);
  },
);
installStop(async () => {
  app.server.closeAllConnections();
  await app.close();
});
