'use strict';
/**
 * The floor under any agent whose context rides on AsyncLocalStorage: each incoming request's
 * 'request' event runs inside `storage.run(store, ...)` with a fresh store object, as the agent's
 * http instrumentation runs it inside the request's context, and nothing else (no span, no id,
 * no export). What a server costs with this preload above no agent is the price of carrying a
 * context through the app's async work: async hooks and promise hooks on Node 20 and 22,
 * AsyncContextFrame on Node 24. The bench agent `context-floor` loads it.
 */
const { AsyncLocalStorage } = require('node:async_hooks');
const http = require('node:http');

const storage = new AsyncLocalStorage();
const emit = http.Server.prototype.emit;

http.Server.prototype.emit = function emitInStore(event, request) {
  if (event !== 'request') return Reflect.apply(emit, this, arguments);
  return storage.run({ request }, Reflect.apply, emit, this, arguments);
};
