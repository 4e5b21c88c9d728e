'use strict';
// express 5 hello world: GET /users/:id answers a small JSON body.
const http = require('node:http');
const express = require('express');
const { userBody, serveHttp } = require('./common.cjs');

const app = express();
app.get('/users/:id', (req, res) => {
  res.type('application/json').send(userBody(req.params.id));
});

serveHttp(http.createServer(app));
