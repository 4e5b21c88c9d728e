import * as path from 'node:path';
import { REPO_ROOT } from '../kit/paths';
import { startApp, type RunningApp } from '../kit/process';
import { freePort } from '../kit/servers';
import { databaseUrl, startDatabase } from './database';
import { formatTraces, spansIn } from './trace-tree';

/**
 * `npm run demo`: two services with no tracing code, run with the agent, answer a few requests,
 * and the traces they printed are shown as one tree per trace across both.
 *
 *   runner ──HTTP──► shop (express 5, ES module, --import) ──fetch──► inventory (fastify 5,
 *   CommonJS, --require) ──pg──► PostgreSQL (PGlite in this process, over the wire protocol)
 *
 * Each service prints its spans as JSON lines (console exporter, OTELITE_CONSOLE_FORMAT=json);
 * at the end the runner stops both (the agent flushes on SIGTERM), joins the lines by trace id
 * and prints the trees (trace-tree.ts).
 */
const DEMO = path.join(REPO_ROOT, 'test', 'demo');
const AGENT_ENV = { OTEL_TRACES_EXPORTER: 'console', OTELITE_CONSOLE_FORMAT: 'json', OTEL_LOG_LEVEL: 'warn' };
/** A loaded machine (a CI run beside other work) can take many seconds to start two Node services. */
const STARTUP_TIMEOUT_MS = 60_000;

const REQUESTS: { method: 'GET' | 'POST'; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/products/42' },
  { method: 'POST', path: '/orders', body: { productId: 42, quantity: 2 } },
  { method: 'POST', path: '/orders', body: { productId: 7, quantity: 1 } },
  { method: 'GET', path: '/products/teapot' },
];

async function send(shopUrl: string, request: (typeof REQUESTS)[number]): Promise<string> {
  const response = await fetch(`${shopUrl}${request.path}`, {
    method: request.method,
    headers: request.body === undefined ? {} : { 'content-type': 'application/json' },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
  });
  const sent = request.body === undefined ? '' : ` ${JSON.stringify(request.body)}`;
  return `${request.method} ${request.path}${sent} -> ${response.status} ${await response.text()}`;
}

async function main(): Promise<void> {
  const dbPort = await freePort();
  // The database and the services start side by side: the pool connects at the first query.
  const database = startDatabase(dbPort);
  database.catch(() => undefined); // reported where it is awaited, not as an unhandled rejection
  const inventory = startApp({
    file: path.join(DEMO, 'inventory.cjs'),
    preload: '--require',
    env: { ...AGENT_ENV, OTEL_SERVICE_NAME: 'inventory', DATABASE_URL: databaseUrl(dbPort) },
  });
  const services: [string, RunningApp][] = [['inventory', inventory]];
  try {
    const [, inventoryPort] = await inventory.waitForOutput(/inventory listening on (\d+)/, STARTUP_TIMEOUT_MS);
    const shop = startApp({
      file: path.join(DEMO, 'shop.mjs'),
      preload: '--import',
      env: { ...AGENT_ENV, OTEL_SERVICE_NAME: 'shop', INVENTORY_URL: `http://127.0.0.1:${inventoryPort}` },
    });
    services.push(['shop', shop]);
    const [, shopPort] = await shop.waitForOutput(/shop listening on (\d+)/, STARTUP_TIMEOUT_MS);
    await database;

    console.log('Requests to the shop:\n');
    for (const request of REQUESTS) console.log(`  ${await send(`http://127.0.0.1:${shopPort}`, request)}`);
  } finally {
    for (const [, service] of services) service.kill('SIGTERM');
    const exits = await Promise.all(services.map(async ([name, service]) => ({ name, ...(await service.exited) })));
    const spans = exits.flatMap((exit) => spansIn(exit.stdout));
    console.log('\nTraces, one tree per trace across both services:\n');
    console.log(formatTraces(spans));
    // Metrics (a table per service) and log lines (correlated by trace id) go here once the
    // agent exports those signals: the services' JSON lines will carry them too.
    for (const { name, stderr } of exits) if (stderr.trim() !== '') console.log(`${name} wrote to stderr:\n${stderr}`);
    await (await database).stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
