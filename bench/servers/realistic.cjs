'use strict';
/**
 * A realistic express 5 route: GET /users/:id queries PostgreSQL (pg Pool, parameterized SELECT),
 * reads Redis (node-redis GET), calls a second service with fetch, then answers JSON.
 *
 * Env: BENCH_PG_HOST, BENCH_PG_PORT, BENCH_PG_USER, BENCH_PG_DATABASE, BENCH_REDIS_URL,
 * BENCH_BACKEND_URL (all on 127.0.0.1, started by the suite).
 */
const http = require('node:http');
const express = require('express');
const { Pool } = require('pg');
const { createClient } = require('redis');
const { serveHttp } = require('./common.cjs');

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const pool = new Pool({
  host: env('BENCH_PG_HOST'),
  port: Number(env('BENCH_PG_PORT')),
  user: env('BENCH_PG_USER'),
  database: env('BENCH_PG_DATABASE'),
  max: 10,
});
const redis = createClient({ url: env('BENCH_REDIS_URL') });
redis.on('error', (err) => process.stderr.write(`redis: ${err.message}\n`));
const backend = env('BENCH_BACKEND_URL');

// Requests still running when the suite stops the server finish before the clients close.
let inFlight = 0;
const idle = async () => {
  for (let i = 0; i < 200 && inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10));
};

const app = express();
app.get('/users/:id', async (req, res, next) => {
  inFlight++;
  try {
    const id = Number(req.params.id);
    const { rows } = await pool.query('SELECT id, name, email FROM users WHERE id = $1', [id]);
    const visits = await redis.get(`user:${id}:visits`);
    const response = await fetch(`${backend}/profiles/${id}`);
    const profile = await response.json();
    res.json({ user: rows[0] ?? null, visits: Number(visits), profile });
  } catch (err) {
    next(err);
  } finally {
    inFlight--;
  }
});

redis.connect().then(
  () =>
    serveHttp(http.createServer(app), async () => {
      await idle();
      await redis.quit();
      await pool.end();
    }),
  (err) => {
    process.stderr.write(`redis connect failed: ${err && err.stack}\n`);
    process.exit(1);
  },
);
