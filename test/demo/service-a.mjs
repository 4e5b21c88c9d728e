// Service A (ES module, started with --import otelite/register): a shop front that asks
// service B for stock, once with fetch and once with http.get. No tracing code at all.
import { get, createServer } from 'node:http';

const inventory = process.env.INVENTORY_URL;

function stockWithHttpGet(id) {
  return new Promise((resolve, reject) => {
    get(`${inventory}/stock/${id}`, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk) => (body += chunk)).on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

const server = createServer(async (req, res) => {
  const match = /^\/products\/(\d+)$/.exec(req.url ?? '');
  if (!match) {
    res.writeHead(404).end('not found');
    return;
  }
  try {
    const viaFetch = await (await fetch(`${inventory}/stock/${match[1]}`)).json();
    const viaHttp = await stockWithHttpGet(match[1]);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: match[1], available: viaFetch.available, checked: viaHttp.available === viaFetch.available }));
  } catch (error) {
    res.writeHead(502).end(String(error));
  }
});
server.listen(0, '127.0.0.1', () => console.log(`service-a listening on ${server.address().port}`));
