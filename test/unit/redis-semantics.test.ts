import assert from 'node:assert/strict';
import { DiagLogLevel, diag, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Sampler } from '@opentelemetry/api';
import {
  describeError,
  firstErrorIn,
  MAX_QUERY_TEXT_LENGTH,
  maskedQueryText,
  operationName,
} from '../../instrumentations/shared/redis-semantics';
import { RedisSpans } from '../../instrumentations/shared/redis-spans';
import { suppressTracing } from '../../src/context/suppress';
import { AlwaysOffSampler } from '../../src/sdk/sampler';
import type { SpanData } from '../../src/sdk/span-data';
import { ReplyError } from '../kit/database-errors';
import { dbConfig } from '../kit/instrumentation-config';
import { recordingProvider } from '../kit/recording';

/** db.query.text of a node-redis style argument list (command first). */
const text = (...args: unknown[]): string => maskedQueryText(operationName(args[0]), args, 1);

describe('redis semantics: db.query.text', () => {
  it('keeps the key of single-key commands and masks every value', () => {
    assert.equal(text('SET', 'user:1', 's3cr3t', 'EX', '60'), 'SET user:1 ? ? ?');
    assert.equal(text('GET', 'user:1'), 'GET user:1');
    assert.equal(text('HSET', 'h', 'field', 's3cr3t'), 'HSET h ? ?');
    assert.equal(text('HGET', 'h', 'field'), 'HGET h ?');
    assert.equal(text('LPUSH', 'list', 'a', 'b'), 'LPUSH list ? ?');
    assert.equal(text('ZADD', 'z', '1', 'member'), 'ZADD z ? ?');
    assert.equal(text('GETSET', 'k', 's3cr3t'), 'GETSET k ?');
    assert.equal(text('PUBLISH', 'channel', 's3cr3t'), 'PUBLISH channel ?');
  });

  it('keeps every key of multi-key commands', () => {
    assert.equal(text('DEL', 'a', 'b', 'c'), 'DEL a b c');
    assert.equal(text('MGET', 'a', 'b'), 'MGET a b');
    assert.equal(text('MSET', 'a', '1', 'b', '2'), 'MSET a ? b ?');
    assert.equal(text('RENAME', 'old', 'new'), 'RENAME old new');
    assert.equal(text('LMOVE', 'src', 'dst', 'LEFT', 'RIGHT'), 'LMOVE src dst ? ?');
    assert.equal(text('BLPOP', 'a', 'b', '5'), 'BLPOP a b ?');
  });

  it('masks every argument of commands it does not know, or whose arguments are not keys', () => {
    assert.equal(text('AUTH', 'user', 'p4ssw0rd'), 'AUTH ? ?');
    assert.equal(text('HELLO', '3', 'AUTH', 'default', 'p4ssw0rd'), 'HELLO ? ? ? ?');
    assert.equal(text('EVAL', 'return redis.call("set", KEYS[1], ARGV[1])', '1', 'k', 's3cr3t'), 'EVAL ? ? ? ?');
    assert.equal(text('CONFIG', 'SET', 'requirepass', 's3cr3t'), 'CONFIG ? ? ?');
    assert.equal(text('MY.CUSTOM', 's3cr3t'), 'MY.CUSTOM ?');
    assert.equal(text('PING'), 'PING');
  });

  it('upper-cases ioredis command names and reads arguments without the command', () => {
    assert.equal(operationName('hset'), 'HSET');
    assert.equal(maskedQueryText(operationName('hset'), ['h', 'f', 's3cr3t'], 0), 'HSET h ? ?');
    assert.equal(operationName('client setname'), 'CLIENT');
  });

  it('writes Buffer and number keys as text, and masks other values', () => {
    assert.equal(text('GET', Buffer.from('bin:1')), 'GET bin:1');
    assert.equal(text('DEL', 42, { not: 'a key' }), 'DEL 42 ?');
  });

  it('stops at an argument boundary once the text passes its limit', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `key:${i}`);
    const out = text('DEL', ...keys);
    assert.ok(out.length >= MAX_QUERY_TEXT_LENGTH && out.length < MAX_QUERY_TEXT_LENGTH + 20, `length ${out.length}`);
    assert.match(out, /^DEL key:0 key:1 .* key:\d+$/);
  });
});

describe('redis semantics: errors', () => {
  class ErrorReply extends Error {}
  class ClientClosedError extends Error {}

  it('maps an error reply to its prefix (ioredis ReplyError, node-redis ErrorReply)', () => {
    for (const error of [new ReplyError('WRONGTYPE Operation against a key'), new ErrorReply('WRONGTYPE Operation against a key')]) {
      assert.deepEqual(describeError(error), { type: 'WRONGTYPE', statusCode: 'WRONGTYPE', message: 'WRONGTYPE Operation against a key' });
    }
  });

  it('drops the arguments Redis echoes in an unknown-command error', () => {
    const info = describeError(new ReplyError("ERR unknown command 'FOO', with args beginning with: 's3cr3t' "));
    assert.equal(info.type, 'ERR');
    assert.equal(info.message, "ERR unknown command 'FOO'");
  });

  it('takes the first failed reply out of a MULTI error, and the socket error out of a reconnect error', () => {
    const multi = Object.assign(new ErrorReply('1 commands failed'), { replies: ['OK', new ErrorReply('WRONGTYPE x')], errorIndexes: [1] });
    assert.equal(describeError(multi).type, 'WRONGTYPE');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.equal(describeError(Object.assign(new Error('gave up'), { socketError: refused })).type, 'ECONNREFUSED');
  });

  it('uses the error code, else the class name, else _OTHER', () => {
    assert.equal(describeError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).type, 'ECONNREFUSED');
    assert.equal(describeError(new ClientClosedError('The client is closed')).type, 'ClientClosedError');
    assert.equal(describeError(new Error('Connection is closed.')).type, 'Error');
    assert.equal(describeError('a string').type, '_OTHER');
  });

  it('finds the first error among replies', () => {
    const error = new ErrorReply('WRONGTYPE x');
    assert.equal(firstErrorIn(['OK', error, new ErrorReply('ERR y')]), error);
    assert.equal(firstErrorIn(['OK', 'QUEUED']), undefined);
    assert.equal(firstErrorIn(null), undefined);
  });
});

const ENDPOINT = { serverAddress: 'h', serverPort: 1, database: 0 };

/** Collects spans as they end. */
function setup(options: { requireParentSpan?: boolean; maxOpen?: number; sampler?: Sampler } = {}) {
  const { provider, ended } = recordingProvider(options.sampler);
  const spans = new RedisSpans(provider.getTracer('otelite/redis'), dbConfig({ requireParentSpan: options.requireParentSpan ?? false }), 'redis', undefined, options.maxOpen);
  return { ended, spans, provider };
}

function attributes(span: SpanData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  span.attributeKeys.forEach((key, i) => (out[key] = span.attributeValues[i]));
  return out;
}

describe('redis semantics: spans', () => {
  it('starts a CLIENT span with db.system.name and records an error reply without its echoed arguments', () => {
    const { ended, spans } = setup();
    const span = spans.start('FOO', ROOT_CONTEXT, ENDPOINT);
    assert.ok(span);
    spans.end(span, Object.assign(new Error("ERR unknown command 'FOO', with args beginning with: 's3cr3t'"), { name: 'ReplyError' }));
    const [data] = ended.spans;
    assert.equal(data.kind, SpanKind.CLIENT);
    assert.equal(data.status.code, SpanStatusCode.ERROR);
    assert.deepEqual(attributes(data), { 'db.system.name': 'redis', 'error.type': 'ERR', 'db.response.status_code': 'ERR' });
    assert.equal(data.events.length, 1);
    assert.ok(!JSON.stringify(data.events).includes('s3cr3t'), JSON.stringify(data.events));
    assert.ok(!String(data.status.message).includes('s3cr3t'));
  });

  it('makes no span outside any span when a parent is required, and one inside', () => {
    const { spans, provider } = setup({ requireParentSpan: true });
    assert.equal(spans.start('GET', ROOT_CONTEXT, ENDPOINT), undefined);
    assert.equal(spans.startConnect(ROOT_CONTEXT, { serverAddress: 'h', serverPort: 1 }), undefined);
    const parent = provider.getTracer('app').startSpan('parent');
    assert.ok(spans.start('GET', trace.setSpan(ROOT_CONTEXT, parent), ENDPOINT));
  });

  it('makes no span where tracing is suppressed or the span is sampled out, and counts none', () => {
    assert.equal(setup().spans.start('GET', suppressTracing(ROOT_CONTEXT), ENDPOINT), undefined);
    const sampledOut = setup({ sampler: new AlwaysOffSampler() }).spans;
    assert.equal(sampledOut.start('GET', ROOT_CONTEXT, ENDPOINT), undefined);
    assert.equal(sampledOut.pending, 0);
  });

  it('keeps at most maxOpen spans open, warns once, and traces again as spans end', () => {
    const warnings: string[] = [];
    diag.setLogger({ error() {}, warn: (m: string) => warnings.push(m), info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
    try {
      const { ended, spans } = setup({ maxOpen: 3 });
      const open = [spans.start('GET', ROOT_CONTEXT, ENDPOINT), spans.start('GET', ROOT_CONTEXT, ENDPOINT), spans.start('GET', ROOT_CONTEXT, ENDPOINT)];
      assert.ok(open.every((s) => s !== undefined));
      assert.equal(spans.start('GET', ROOT_CONTEXT, ENDPOINT), undefined);
      assert.equal(spans.start('GET', ROOT_CONTEXT, ENDPOINT), undefined);
      assert.equal(spans.pending, 3);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /redis: 3 Redis spans are open/);
      // connect spans are not counted: a client has one connection attempt at a time.
      assert.ok(spans.startConnect(ROOT_CONTEXT, { serverAddress: 'h', serverPort: 1 }));

      for (const span of open) spans.end(span!, new Error('gave up'));
      assert.equal(spans.pending, 0);
      assert.equal(ended.spans.length, 3);
      assert.ok(spans.start('GET', ROOT_CONTEXT, ENDPOINT), 'traced again');
    } finally {
      diag.disable();
    }
  });
});
