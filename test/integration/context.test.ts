import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REGISTER, REPO_ROOT } from '../kit/paths';

const run = promisify(execFile);

/**
 * The app's view of the active context under the agent's context manager (one AsyncLocalStorage).
 * Node 24 rebuilt AsyncLocalStorage on AsyncContextFrame (no async_hooks); the agent does not
 * choose anything by that, so every Node line must give the same answers. Each check names the
 * span it expects to be active and records the one it finds.
 */
const SCENARIO = `
const { context, trace } = require('@opentelemetry/api');
const { EventEmitter, once } = require('node:events');
const timersPromises = require('node:timers/promises');
const tracer = trace.getTracer('ctx');
const results = {};
const active = () => trace.getActiveSpan()?.name ?? null;
const check = (name, expected) => { results[name] = { expected, got: active() }; };

async function scenario(tag, delay) {
  return tracer.startActiveSpan(tag, async (span) => {
    check(tag + ': sync', tag);
    await null; check(tag + ': await', tag);
    await new Promise((r) => setTimeout(r, delay)); check(tag + ': setTimeout', tag);
    await new Promise((r) => setImmediate(r)); check(tag + ': setImmediate', tag);
    await new Promise((r) => process.nextTick(r)); check(tag + ': nextTick', tag);
    await new Promise((r) => queueMicrotask(r)); check(tag + ': queueMicrotask', tag);
    await timersPromises.setTimeout(delay); check(tag + ': timers/promises', tag);
    await { then(resolve) { setTimeout(resolve, delay); } }; check(tag + ': thenable', tag);
    await new Promise((r) => setTimeout(() => { check(tag + ': in a setTimeout callback', tag); r(); }, delay));
    const emitter = new EventEmitter();
    setTimeout(() => emitter.emit('go'), delay);
    await once(emitter, 'go'); check(tag + ': events.once', tag);
    const inner = tracer.startSpan(tag + '-inner');
    await context.with(trace.setSpan(context.active(), inner), async () => { await null; check(tag + ': nested with, after await', tag + '-inner'); });
    check(tag + ': back from the nested with', tag);
    inner.end();
    span.end();
  });
}

(async () => {
  check('top level, before', null);
  await Promise.all([scenario('a', 5), scenario('b', 1), scenario('c', 3)]);
  check('top level, after three interleaved scenarios', null);
  try { context.with(trace.setSpan(context.active(), tracer.startSpan('thrower')), () => { throw new Error('x'); }); } catch {}
  check('after a with whose callback threw', null);
  const bound = context.bind(trace.setSpan(context.active(), tracer.startSpan('bound')), () => active());
  results['context.bind, called later from a timer'] = { expected: 'bound', got: await new Promise((r) => setTimeout(() => r(bound()), 1)) };
  const emitter = new EventEmitter();
  tracer.startActiveSpan('registering', (s) => { emitter.on('e', () => check('a listener runs in the context of emit, not of on', 'emitting')); s.end(); });
  tracer.startActiveSpan('emitting', (s) => { emitter.emit('e'); s.end(); });
  console.log(JSON.stringify(results));
})();
`;

describe('context: where the active span goes across async boundaries, the same on every Node line', function () {
  this.timeout(20_000);

  it('follows awaits, timers, ticks, thenables and events, keeps interleaved requests apart, and restores after with()', async () => {
    const { stdout } = await run(process.execPath, ['--require', REGISTER, '-e', SCENARIO], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, OTEL_TRACES_EXPORTER: 'none' },
    });
    const results = JSON.parse(stdout) as Record<string, { expected: string | null; got: string | null }>;
    assert.equal(Object.keys(results).length, 41, stdout);
    const wrong = Object.entries(results).filter(([, r]) => r.expected !== r.got);
    assert.deepEqual(wrong, [], `on Node ${process.versions.node}`);
  });

  it('without the agent the API has no context at all (the checks above are not vacuous)', async () => {
    const { stdout } = await run(process.execPath, ['-e', SCENARIO], { cwd: REPO_ROOT, env: { PATH: process.env.PATH } });
    const results = JSON.parse(stdout) as Record<string, { expected: string | null; got: string | null }>;
    assert.ok(Object.values(results).filter((r) => r.expected !== null && r.got !== r.expected).length >= 30, stdout);
  });
});
