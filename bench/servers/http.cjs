'use strict';
// node:http hello world: GET /users/:id answers a small JSON body.
const http = require('node:http');
const { userBody, serveHttp } = require('./common.cjs');

const PREFIX = '/users/';

const server = http.createServer((req, res) => {
  const url = req.url || '';
  if (req.method === 'GET' && url.startsWith(PREFIX)) {
    const q = url.indexOf('?');
    const id = q === -1 ? url.slice(PREFIX.length) : url.slice(PREFIX.length, q);
    const body = userBody(id);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(404, { 'content-length': 0 });
  res.end();
});

serveHttp(server);
