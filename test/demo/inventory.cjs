// The demo's "inventory" service: a fastify 5 app, CommonJS, started with
// `node --require otelite/register inventory.cjs`. It keeps stock in PostgreSQL (DATABASE_URL)
// and queries it with the `pg` driver's Pool. No tracing code at all.
const fastify = require('fastify');
const { Pool } = require('pg');

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
const app = fastify();

app.get('/stock/:id', async (request, reply) => {
  // A non-numeric id makes PostgreSQL fail the query: the demo's error path.
  const { rows } = await pool.query('SELECT name, quantity FROM stock WHERE product_id = $1', [request.params.id]);
  if (rows.length === 0) return reply.code(404).send({ error: 'no such product' });
  return { id: request.params.id, name: rows[0].name, available: rows[0].quantity };
});

app.post('/stock/:id/reservations', async (request, reply) => {
  const { rows } = await pool.query(
    'UPDATE stock SET quantity = quantity - $2 WHERE product_id = $1 AND quantity >= $2 RETURNING quantity',
    [request.params.id, request.body.quantity],
  );
  if (rows.length > 0) return reply.code(201).send({ left: rows[0].quantity });
  const current = await pool.query('SELECT quantity FROM stock WHERE product_id = $1', [request.params.id]);
  return reply.code(409).send({ available: current.rows[0]?.quantity ?? 0 });
});

app.listen({ port: 0, host: '127.0.0.1' }).then(() => console.log(`inventory listening on ${app.server.address().port}`));
