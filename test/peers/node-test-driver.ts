import { availableParallelism } from 'node:os';
import { run } from 'node:test';
import { inspect } from 'node:util';
import { appendOutcome, firstLine, OUTCOMES_ENV, relativeFile } from './outcome-file';

/**
 * Runs a library's node:test suite (plain `node --test` or borp, which wraps the same `run()`)
 * for the peers runner: `node node-test-driver.js [--file-ms N] FILE...` in the suite's folder.
 * Each file runs in its own process, as `node --test` does; each test's outcome goes, one JSON
 * line, to the file named by OTELITE_PEERS_OUTCOMES.
 *
 * `--file-ms N` gives each file its own `run()` with an abort signal that ends the file's process
 * after N ms: a file that hangs (a server left open after a failed assertion) keeps the outcomes
 * it reported and fails as a whole, and the other files are not held up. node:test's `forceExit`
 * would end such a file at its last test, but it loses outcomes still being written (on Node
 * 24.21, 72 to 100 of undici's mock-interceptor.js's 100 tests were reported, run to run).
 *
 * node:test reports a test after its subtests, each with its nesting level; a test's subtests
 * are the deeper ones reported since the last test of its level in the same file, which gives
 * every test its full title.
 */
interface Reported {
  name: string;
  nesting: number;
  file?: string;
  skip?: unknown;
  todo?: unknown;
  details?: { error?: unknown };
}

interface Node {
  name: string;
  nesting: number;
  outcome: 'passed' | 'failed' | 'skipped';
  error?: string;
  parent?: Node;
}

async function main(): Promise<void> {
  const file = process.env[OUTCOMES_ENV];
  if (file === undefined || file === '') throw new Error(`${OUTCOMES_ENV} is not set`);
  const args = process.argv.slice(2);
  const fileMs = args[0] === '--file-ms' ? Number(args[1]) : undefined;
  if (fileMs !== undefined && !(fileMs > 0)) throw new Error(`--file-ms must be a positive number of milliseconds, not ${args[1]}`);
  const files = fileMs === undefined ? args : args.slice(2);
  // borp's defaults: one file fewer at once than there are cores, 30 s a test.
  const concurrency = Math.max(1, availableParallelism() - 1);
  const timeout = 30_000;
  const open = new Map<string, Node[]>();
  const all: { node: Node; file: string }[] = [];
  const record = (event: { type: string; data: Reported }): void => {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') return;
    const data = event.data;
    const testFile = relativeFile(data.file);
    const skipped = Boolean(data.skip) || Boolean(data.todo);
    const node: Node = {
      name: data.name,
      nesting: data.nesting,
      outcome: event.type === 'test:fail' ? 'failed' : skipped ? 'skipped' : 'passed',
      ...(event.type === 'test:fail' ? { error: firstLine(data.details?.error) } : {}),
    };
    const stack = open.get(testFile) ?? [];
    while (stack.length > 0 && stack[stack.length - 1].nesting > node.nesting) (stack.pop() as Node).parent = node;
    stack.push(node);
    open.set(testFile, stack);
    all.push({ node, file: testFile });
    // The log keeps each failure whole; the outcome file only its first line.
    if (node.outcome === 'failed') process.stdout.write(`\nFAILED ${testFile} > ${node.name}\n${inspect(data.details?.error)}\n`);
    else process.stdout.write(node.outcome === 'skipped' ? ',' : '.');
  };
  const events = (stream: unknown): AsyncIterable<{ type: string; data: Reported }> => stream as AsyncIterable<{ type: string; data: Reported }>;
  if (fileMs === undefined) {
    for await (const event of events(run({ files, concurrency, timeout }))) record(event);
  } else {
    // As many files at once as run() would take, each in a run() of its own with its own limit.
    const queue = [...files];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        for await (const event of events(run({ files: [next], timeout, signal: AbortSignal.timeout(fileMs) }))) record(event);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  }
  process.stdout.write('\n');
  for (const { node, file: testFile } of all) {
    const titles: string[] = [];
    for (let at: Node | undefined = node; at !== undefined; at = at.parent) titles.unshift(at.name);
    appendOutcome(file, { id: `${testFile} > ${titles.join(' > ')}`, outcome: node.outcome, ...(node.error === undefined ? {} : { error: node.error }) });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
