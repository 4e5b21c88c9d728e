import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { cleanEnv } from '../kit/cli';
import { REPO_ROOT } from '../kit/paths';

const run = promisify(execFile);

/** A span line of the demo's printed trees, with the line it hangs under. */
interface PrintedSpan {
  traceId: string;
  service: string;
  name: string;
  kind: string;
  line: string;
  parent?: PrintedSpan;
}

const TRACE_HEADER = /^trace ([0-9a-f]{32}) {2}/;
const SPAN_LINE = /^((?:[│ ] {2})*)[└├]─ \[(\w+)\] (.+?) {2}(SERVER|CLIENT|INTERNAL|PRODUCER|CONSUMER) {2}/;

/** Reads the trees back from the printed text: a span's parent is the nearest line one level up. */
function parseTrees(stdout: string): PrintedSpan[] {
  const spans: PrintedSpan[] = [];
  let traceId = '';
  let stack: PrintedSpan[] = [];
  for (const line of stdout.split('\n')) {
    const header = TRACE_HEADER.exec(line);
    if (header) {
      traceId = header[1];
      stack = [];
      continue;
    }
    const match = SPAN_LINE.exec(line);
    if (!match) continue;
    const depth = match[1].length / 3;
    const span: PrintedSpan = { traceId, service: match[2], name: match[3], kind: match[4], line, parent: stack[depth - 1] };
    stack = [...stack.slice(0, depth), span];
    spans.push(span);
  }
  return spans;
}

function ancestors(span: PrintedSpan): PrintedSpan[] {
  return span.parent === undefined ? [] : [span.parent, ...ancestors(span.parent)];
}

/** The one span matching all of `want` (and `contains` in its line); fails when there is none or several. */
function one(spans: PrintedSpan[], want: Partial<PrintedSpan>, contains = ''): PrintedSpan {
  const found = spans.filter((s) => Object.entries(want).every(([k, v]) => s[k as keyof PrintedSpan] === v) && s.line.includes(contains));
  assert.equal(found.length, 1, `one span like ${JSON.stringify(want)} ${contains} in:\n${spans.map((s) => s.line).join('\n')}`);
  return found[0];
}

describe('demo: shop (express) and inventory (fastify, pg on PGlite) traced as one tree per trace', function () {
  this.timeout(120_000);
  let stdout = '';

  before(async () => {
    ({ stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'build', 'test', 'demo', 'run.js')], { env: cleanEnv() }));
  });

  it('answers each request: a product, an order, an order out of stock, a failed query', () => {
    assert.match(stdout, /GET \/products\/42 -> 200 \{"id":"42","name":"teapot","available":7\}/);
    assert.match(stdout, /POST \/orders \{"productId":42,"quantity":2\} -> 201 \{"productId":42,"quantity":2,"left":5\}/);
    assert.match(stdout, /POST \/orders \{"productId":7,"quantity":1\} -> 409 \{"error":"only 0 left"\}/);
    assert.match(stdout, /GET \/products\/teapot -> 502/);
  });

  it('prints one tree per request, each with spans of both services', () => {
    const spans = parseTrees(stdout);
    const traces = new Set(spans.map((s) => s.traceId));
    assert.equal(traces.size, 4, stdout);
    for (const traceId of traces) {
      const services = new Set(spans.filter((s) => s.traceId === traceId).map((s) => s.service));
      assert.deepEqual([...services].sort(), ['inventory', 'shop'], `trace ${traceId}`);
    }
    assert.doesNotMatch(stdout, /not seen/);
  });

  it('nests express SERVER > fetch CLIENT > fastify SERVER > pg CLIENT under one trace id', () => {
    const spans = parseTrees(stdout);
    const fetchClient = one(spans, { service: 'shop', kind: 'CLIENT' }, '/stock/42"');
    // Each client line names its system, as the console tree does.
    assert.equal(fetchClient.name, 'fetch GET');
    const expressServer = ancestors(fetchClient).at(-1);
    assert.equal(expressServer?.service, 'shop');
    assert.equal(expressServer?.kind, 'SERVER');
    assert.equal(expressServer?.name, 'GET /products/:id');
    assert.match(expressServer.line, /http\.response\.status_code=200/);
    const fastifyServer = one(spans, { service: 'inventory', kind: 'SERVER', parent: fetchClient });
    assert.equal(fastifyServer.name, 'GET /stock/:id');
    const query = one(spans.filter((s) => ancestors(s).includes(fastifyServer)), { kind: 'CLIENT', name: 'pg SELECT stock' });
    assert.equal(query.service, 'inventory');
    assert.match(query.line, /db\.query\.text="SELECT name, quantity FROM stock WHERE product_id = \$1"/);
    for (const span of [fastifyServer, fetchClient, expressServer]) assert.equal(span.traceId, query.traceId);
  });

  it('shows the failed query as errors from the pg span up to the shop', () => {
    const spans = parseTrees(stdout);
    const failed = one(spans, { service: 'inventory', kind: 'CLIENT', name: 'pg SELECT stock' }, 'ERROR');
    assert.match(failed.line, /error\.type="22P02"/, 'PostgreSQL invalid_text_representation');
    const root = ancestors(failed).at(-1);
    assert.equal(root?.name, 'GET /products/:id');
    assert.match(root.line, /ERROR .*http\.response\.status_code=502/);
    // PostgreSQL quotes the refused id in its message; no span prints it, the handler's included.
    const handler = ancestors(failed).find((s) => s.service === 'inventory' && s.kind === 'INTERNAL');
    assert.match(handler?.line ?? '', /ERROR \(invalid input syntax for type integer: \?\)/, stdout);
    assert.match(failed.line, /ERROR \(invalid input syntax for type integer: \?\)/);
    assert.doesNotMatch(stdout, /integer: "teapot"/);
  });
});

describe('demo: scripts/build-if-stale.mjs', () => {
  const SCRIPT = path.join(REPO_ROOT, 'scripts', 'build-if-stale.mjs');
  let root: string;

  /** Writes `file` under the fake checkout with its mtime `secondsAgo` in the past. */
  function write(file: string, secondsAgo: number): void {
    const full = path.join(root, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, '');
    const time = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(full, time, time);
  }

  async function check(): Promise<{ status: number; said: string }> {
    try {
      const { stdout } = await run(process.execPath, [SCRIPT, '--check'], { cwd: root });
      return { status: 0, said: stdout.trim() };
    } catch (error) {
      const failed = error as { code: number; stdout: string };
      return { status: failed.code, said: failed.stdout.trim() };
    }
  }

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'otelite-stale-'));
    for (const file of ['src/agent.ts', 'instrumentations/pg/index.ts', 'test/demo/run.ts', 'tsconfig.json', 'package.json']) write(file, 100);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is stale while the bundle is missing', async () => {
    write('build/test/demo/run.js', 50);
    assert.deepEqual(await check(), { status: 1, said: 'build is stale: build/src/agent-bundle.js is missing' });
  });

  it('is up to date when both outputs are newer than every source', async () => {
    write('build/test/demo/run.js', 50);
    write('build/src/agent-bundle.js', 40);
    assert.deepEqual(await check(), { status: 0, said: 'build is up to date' });
  });

  it('is stale when a source is newer than the older output, and names it', async () => {
    write('build/test/demo/run.js', 50);
    write('build/src/agent-bundle.js', 40);
    write('instrumentations/pg/index.ts', 45);
    assert.deepEqual(await check(), { status: 1, said: 'build is stale: instrumentations/pg/index.ts is newer than build/test/demo/run.js' });
  });

  it('does not count .ts files of installed packages', async () => {
    write('build/test/demo/run.js', 50);
    write('build/src/agent-bundle.js', 40);
    write('test/versions/current/node_modules/pg/index.d.ts', 1);
    write('node_modules/x/index.d.ts', 1);
    write('test/fixtures/esm-hooks/node_modules/y/index.d.ts', 1);
    assert.deepEqual(await check(), { status: 0, said: 'build is up to date' });
  });
});
