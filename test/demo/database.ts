import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { REPO_ROOT } from '../kit/paths';

/**
 * The demo's PostgreSQL: PGlite (PostgreSQL compiled to WebAssembly) served over the wire
 * protocol by pglite-socket, so the inventory service talks to it with the real `pg` driver, as
 * it would to a PostgreSQL server, and nothing has to be installed.
 *
 * Creating a database (initdb) takes PGlite 4 to 17 s on 2 cores; opening one takes 1 to 3 s.
 * So the first run makes a template, the database with its table and rows, in .cache/demo (one
 * per PGlite version: the on-disk format may change with it), and each run opens a copy of it in
 * a temporary directory: every run starts from the same rows, and runs at the same time (a test
 * and a person) never share a data directory.
 */
export interface DemoDatabase {
  stop(): Promise<void>;
}

/** Where the database listens; known before it is up, so the services can start meanwhile. */
export function databaseUrl(port: number): string {
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

// Read from the file: the package's exports do not include its package.json.
const PGLITE_PACKAGE = path.join(REPO_ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json');
const PGLITE_VERSION = (JSON.parse(readFileSync(PGLITE_PACKAGE, 'utf8')) as { version: string }).version;
const TEMPLATE_DIR = path.join(REPO_ROOT, '.cache', 'demo', `pglite-${PGLITE_VERSION}`);

const SCHEMA = `
  CREATE TABLE stock (product_id integer PRIMARY KEY, name text NOT NULL, quantity integer NOT NULL);
  INSERT INTO stock VALUES (42, 'teapot', 7), (7, 'kettle', 0);
`;

/** Makes the template once; built in a directory of its own and renamed, so it is never half made. */
async function ensureTemplate(): Promise<void> {
  if (existsSync(TEMPLATE_DIR)) return;
  console.log('Creating the demo database in .cache/demo (first run only, a few seconds) ...');
  mkdirSync(path.dirname(TEMPLATE_DIR), { recursive: true });
  const building = `${TEMPLATE_DIR}.${process.pid}`;
  const db = await PGlite.create({ dataDir: building });
  await db.exec(SCHEMA);
  await db.close();
  try {
    renameSync(building, TEMPLATE_DIR);
  } catch (error) {
    // Another run made it first: use theirs.
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(TEMPLATE_DIR)) throw error;
  }
}

export async function startDatabase(port: number): Promise<DemoDatabase> {
  await ensureTemplate();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'otelite-demo-db-'));
  await cp(TEMPLATE_DIR, dataDir, { recursive: true });
  // The default shared_buffers doubles the time to open (about 1 s on 2 cores, zeroing the
  // buffers); the demo's one table needs a few pages, and 128kB is PostgreSQL's minimum.
  const db = await PGlite.create({ dataDir, postgresqlconf: ['shared_buffers=128kB'] });
  // PGlite runs one query at a time; the server queues the connections' queries.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 4 });
  await server.start();
  return {
    async stop() {
      await server.stop();
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
