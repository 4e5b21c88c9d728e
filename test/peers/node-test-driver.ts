import { availableParallelism } from 'node:os';
import { run } from 'node:test';
import { inspect } from 'node:util';
import { appendOutcome, firstLine, OUTCOMES_ENV, relativeFile } from './outcome-file';

/**
 * Runs a library's node:test suite (plain `node --test` or borp, which wraps the same `run()`)
 * for the peers runner: `node node-test-driver.js [--force-exit] FILE...` in the suite's folder.
 * Each file runs in its own process, as `node --test` does; each test's outcome goes, one JSON
 * line, to the file named by OTELITE_PEERS_OUTCOMES. `--force-exit` ends each file's process once
 * its tests have finished, even with servers or timers still open (node:test's `forceExit`).
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
  const forceExit = args[0] === '--force-exit';
  const files = forceExit ? args.slice(1) : args;
  // borp's defaults: one file fewer at once than there are cores, 30 s a test.
  const stream = run({ files, concurrency: Math.max(1, availableParallelism() - 1), timeout: 30_000, forceExit });
  const open = new Map<string, Node[]>();
  const all: { node: Node; file: string }[] = [];
  for await (const event of stream as AsyncIterable<{ type: string; data: Reported }>) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
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
