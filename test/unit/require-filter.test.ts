import assert from 'node:assert/strict';
import { HookedPackages, mayLoadPackage, packageOfPath, packageOfRequest } from '../../src/instrument/require-filter';

const TARGETS = new HookedPackages();
TARGETS.add('express', 'lib/router/index.js');
TARGETS.add('express', 'lib/router/layer.js');
TARGETS.add('router', undefined);
TARGETS.add('router', 'lib/layer.js');
TARGETS.add('pg', 'lib/client.js');
TARGETS.add('pg-pool', undefined);
TARGETS.add('@redis/client', 'dist/lib/client/index.js');

describe('require hook narrowing (mayLoadPackage)', () => {
  it('names the package of a path and of a bare request', () => {
    assert.equal(packageOfPath('/app/node_modules/express/lib/router/index.js'), 'express');
    assert.equal(packageOfPath('/app/node_modules/a/node_modules/@redis/client/dist/x.js'), '@redis/client');
    assert.equal(packageOfPath('/app/node_modules/.pnpm/pg@8.11.0/node_modules/pg/lib/client.js'), 'pg');
    assert.equal(packageOfPath('C:\\app\\node_modules\\router\\lib\\layer.js'), 'router');
    assert.equal(packageOfPath('/app/src/server.js'), undefined);
    assert.equal(packageOfRequest('pg/lib/client'), 'pg');
    assert.equal(packageOfRequest('@redis/client/dist/lib/client'), '@redis/client');
    assert.equal(packageOfRequest('@scope'), undefined);
  });

  it('lets through what may load a patched package: its name, or a path inside it', () => {
    const cases: [string, string | undefined, boolean][] = [
      ['express', '/app/server.js', true],
      ['pg/lib/client.js', '/app/server.js', true],
      ['@redis/client', '/app/node_modules/redis/dist/index.js', true],
      ['./layer', '/app/node_modules/router/index.js', true],
      ['./lib/router/index.js', '/app/node_modules/express/lib/express.js', true],
      ['./router', '/app/node_modules/express/lib/application.js', true],
      ['./client', '/app/node_modules/@redis/client/dist/index.js', true],
      ['../client/index.js', '/app/node_modules/@redis/client/dist/lib/x.js', true],
      ['./lib', '/app/node_modules/pg/index.js', false],
      ['./lib/client', '/app/node_modules/pg/lib/index.js', true],
      ['.', '/app/node_modules/pg-pool/x.js', true],
      ['../node_modules/pg', '/app/src/db.js', true],
      ['/app/node_modules/pg/lib/client.js', '/app/src/db.js', true],
      // never the patched packages
      ['lodash', '/app/server.js', false],
      ['@redis/bloom', '/app/node_modules/redis/dist/index.js', false],
      ['./routes', '/app/server.js', false],
      ['./utils', '/app/node_modules/body-parser/index.js', false],
      ['./commands/GET', '/app/node_modules/@redis/client/dist/lib/commands/index.js', false],
      ['./view', '/app/node_modules/express/lib/application.js', false],
      ['node:http', '/app/server.js', false],
      ['fs', '/app/node_modules/express/lib/view.js', false],
      ['./x', undefined, false],
    ];
    for (const [request, parent, expected] of cases) assert.equal(mayLoadPackage(request, parent, TARGETS), expected, `${request} from ${parent}`);
  });

  it('lets the hook decide whatever it cannot read', () => {
    assert.equal(mayLoadPackage(undefined, '/app/server.js', TARGETS), true);
    assert.equal(mayLoadPackage('', '/app/server.js', TARGETS), true);
    assert.equal(mayLoadPackage('@scope', '/app/server.js', TARGETS), true);
  });
});
