import assert from 'node:assert/strict';
import { mountTemplate, routeInfo, useInfo, usePath } from '../../instrumentations/express/layer-info';
import { joinTemplate, pathTemplate, routeSpanName } from '../../instrumentations/shared/web-route';

const layer = (name: string) => ({ name, handle: () => undefined });

describe('express: route templates and layer names', () => {
  it('writes paths as the app wrote them: strings, RegExps, numbers, arrays', () => {
    assert.equal(pathTemplate('/users/:id'), '/users/:id');
    assert.equal(pathTemplate(/^\/v\d+/), '/^\\/v\\d+/');
    assert.equal(pathTemplate(42), '42');
    assert.equal(pathTemplate(['/a', ['/b', /c/]]), '/a,/b,/c/');
    assert.equal(pathTemplate(undefined), undefined);
    assert.equal(pathTemplate({}), undefined);
  });

  it('joins mount paths and routes into one template', () => {
    assert.equal(joinTemplate('', '/users/:id'), '/users/:id');
    assert.equal(joinTemplate('/api', '/users/:id'), '/api/users/:id');
    assert.equal(joinTemplate('/api/', '/users'), '/api/users');
    assert.equal(joinTemplate('/api', 'users'), '/api/users');
    assert.equal(joinTemplate('/api', '/'), '/api', "a router's `/` route is its mount path");
    assert.equal(joinTemplate('', '/'), '/');
  });

  it('names a SERVER span `{method} {route}` for each pair, past the bound of kept names too', () => {
    assert.equal(routeSpanName('GET', '/users/:id'), 'GET /users/:id');
    assert.equal(routeSpanName('POST', '/users/:id'), 'POST /users/:id', 'each method its own name');
    assert.equal(routeSpanName('GET', '/users/:id'), 'GET /users/:id');
    for (let i = 0; i < 1500; i++) assert.equal(routeSpanName('HTTP', `/r/${i}`), `HTTP /r/${i}`);
    assert.equal(routeSpanName('GET', '/late/:id'), 'GET /late/:id', 'a route first seen past the bound');
  });

  it('gives the layers inside a use() mounted on `/` the same mount template, and drops a trailing slash', () => {
    assert.equal(mountTemplate('', '/'), '');
    assert.equal(mountTemplate('/api', '/'), '/api');
    assert.equal(mountTemplate('', '/api/'), '/api');
    assert.equal(mountTemplate('/api', '/orgs/:orgId/items'), '/api/orgs/:orgId/items');
  });

  it('reads the path argument of use() the way express does', () => {
    const fn = () => undefined;
    assert.equal(usePath([fn]), '/');
    assert.equal(usePath(['/api', fn]), '/api');
    assert.equal(usePath([[fn, fn]]), '/', 'an array of functions is not a path');
    assert.deepEqual(usePath([['/a', '/b'], fn]), ['/a', '/b']);
    assert.deepEqual(usePath([[], fn]), [], 'express too takes an empty array for the path');
  });

  it('names a request handler after its full template, under whatever mount it runs', () => {
    const info = routeInfo('/users/:id');
    info.resolve('/api');
    assert.deepEqual([info.type, info.template, info.spanName, info.expressName], [
      'request_handler',
      '/api/users/:id',
      'request handler - /api/users/:id',
      '/api/users/:id',
    ]);
    info.resolve('/v2');
    assert.equal(info.spanName, 'request handler - /v2/users/:id', 'a router mounted twice gets each mount');
  });

  it('names routers after their mount template and middleware after their function', () => {
    const router = useInfo(layer('router'), '/items');
    router.resolve('/api');
    assert.deepEqual([router.type, router.template, router.spanName, router.expressName], ['router', '/api/items', 'router - /api/items', '/api/items']);
    const root = useInfo(layer('router'), '/');
    root.resolve('');
    assert.equal(root.spanName, 'router - /');
    const middleware = useInfo(layer('jsonParser'), '/');
    middleware.resolve('/api');
    assert.deepEqual([middleware.type, middleware.template, middleware.spanName, middleware.expressName], ['middleware', '/api', 'middleware - jsonParser', 'jsonParser']);
    assert.equal(useInfo(layer(''), '/').functionName, '<anonymous>');
  });
});
