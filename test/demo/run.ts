import * as path from 'node:path';
import { REPO_ROOT } from '../kit/paths';
import { startApp, type RunningApp } from '../kit/process';

/**
 * `npm run demo`: two services run with the agent and the console exporter, the demo sends them
 * a few requests, prints each service's traces as trees, and exits. Service A is an ES module
 * started with --import, service B is CommonJS started with --require; neither has tracing code.
 */
const DEMO = path.join(REPO_ROOT, 'test', 'demo');

function prefixed(name: string, text: string): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `[${name}] ${line}`)
    .join('\n');
}

async function main(): Promise<void> {
  // The verbose tree shows span ids, which tie a service's CLIENT span to the other service's trace.
  const common = { OTEL_TRACES_EXPORTER: 'console', OTELITE_CONSOLE_FORMAT: 'tree-verbose', OTEL_LOG_LEVEL: 'info' };
  const serviceB = startApp({ file: path.join(DEMO, 'service-b.cjs'), preload: '--require', env: { ...common, OTEL_SERVICE_NAME: 'inventory' } });
  const apps: RunningApp[] = [serviceB];
  try {
    const [, portB] = await serviceB.waitForOutput(/service-b listening on (\d+)/);
    const serviceA = startApp({
      file: path.join(DEMO, 'service-a.mjs'),
      preload: '--import',
      env: { ...common, OTEL_SERVICE_NAME: 'shop', INVENTORY_URL: `http://127.0.0.1:${portB}` },
    });
    apps.push(serviceA);
    const [, portA] = await serviceA.waitForOutput(/service-a listening on (\d+)/);

    for (const url of [`/products/42`, `/products/7`, `/nowhere`]) {
      const response = await fetch(`http://127.0.0.1:${portA}${url}`);
      console.log(`GET ${url} -> ${response.status} ${await response.text()}`);
    }
  } finally {
    for (const app of apps) app.kill('SIGTERM');
  }
  const [b, a] = await Promise.all(apps.map((app) => app.exited));
  console.log('\nTraces, as each service printed them (OTEL_TRACES_EXPORTER=console):\n');
  if (a !== undefined) console.log(prefixed('shop', a.stderr + a.stdout) + '\n');
  console.log(prefixed('inventory', b.stderr + b.stdout));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
