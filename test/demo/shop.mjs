// The demo's "shop" service: an express 5 app, an ES module, started with
// `node --import otelite/register shop.mjs`. It asks the inventory service for stock with fetch.
// No tracing code at all: the agent traces express, fetch and the HTTP server by itself.
import express from 'express';

const inventory = process.env.INVENTORY_URL;
const app = express();
app.use(express.json());

async function askInventory(path, init) {
  const response = await fetch(`${inventory}${path}`, init);
  return { status: response.status, body: await response.json() };
}

app.get('/products/:id', async (req, res) => {
  const { status, body } = await askInventory(`/stock/${req.params.id}`);
  if (status >= 500) return res.status(502).json({ error: 'inventory failed' });
  res.status(status).json(body);
});

app.post('/orders', async (req, res) => {
  const { productId, quantity } = req.body;
  const { status, body } = await askInventory(`/stock/${productId}/reservations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ quantity }),
  });
  if (status === 409) return res.status(409).json({ error: `only ${body.available} left` });
  res.status(201).json({ productId, quantity, left: body.left });
});

const server = app.listen(0, '127.0.0.1', () => console.log(`shop listening on ${server.address().port}`));
