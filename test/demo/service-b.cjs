// Service B (CommonJS, started with --require otelite/register): an inventory service.
const http = require('node:http');

const stock = { 42: 7, 7: 0 };
const server = http.createServer((req, res) => {
  const match = /^\/stock\/(\d+)$/.exec(req.url);
  if (!match) {
    res.writeHead(404).end();
    return;
  }
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: match[1], available: stock[match[1]] ?? 0 }));
  }, 5);
});
server.listen(0, '127.0.0.1', () => console.log(`service-b listening on ${server.address().port}`));
