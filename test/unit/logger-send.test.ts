import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { context, ROOT_CONTEXT, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { createBunyanInstrumentation } from '../../instrumentations/bunyan';
import { createPinoInstrumentation } from '../../instrumentations/pino';
import { createWinstonInstrumentation } from '../../instrumentations/winston';
import type { Instrumentation } from '../../src/instrument';
import { AsyncLocalStorageContextManager } from '../../src/context/als-context-manager';
import type { LogRecordData } from '../../src/logs/data';
import { SdkLoggerProvider } from '../../src/logs/logger-provider';
import { versionSetDir } from '../kit/versions';

/**
 * The loggers' sending, in this process: the current version set's pino, winston and bunyan
 * patched by the instrumentations' own targets (as the require hook would), their records
 * emitted into the agent's Logs SDK registered with the Logs API, kept in memory. What the
 * integration tests cannot easily reach: serializers, redaction, an info object logged twice,
 * custom levels, hostile values.
 */
const SET = versionSetDir('current');
const fromSet = createRequire(path.join(SET, 'package.json'));

/** Applies an instrumentation's targets to the package's files, before the package itself loads. */
function instrument(instrumentation: Instrumentation, pkg: string): void {
  const dir = path.join(SET, 'node_modules', pkg);
  const version = (fromSet(`${pkg}/package.json`) as { version: string }).version;
  for (const target of instrumentation.targets) {
    const file = target.file === undefined ? fromSet.resolve(pkg) : path.join(dir, target.file);
    target.patch(fromSet(file), version);
  }
}

const SPAN_A: SpanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
const SPAN_B: SpanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };
const inSpan = <T>(spanContext: SpanContext, fn: () => T): T => context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), fn);

/** A stream that keeps what the logger wrote, parsed. */
function lines(): { stream: Writable & { write(chunk: string): boolean }; lines: Array<Record<string, unknown>> } {
  const out: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line.startsWith('{')) out.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { stream, lines: out };
}

/** The SDK's maps have no prototype; compared as plain JSON values. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

type Pino = (options: object, stream?: object) => Record<string, (...args: unknown[]) => unknown> & { child(b: object): Record<string, (...args: unknown[]) => unknown> };

describe('loggers sending through the Logs API (in-process)', () => {
  const records: LogRecordData[] = [];
  let pino: Pino;
  let winston: {
    createLogger(o: object): Record<string, (...args: unknown[]) => unknown>;
    format: { json(): unknown };
    transports: { Stream: new (o: object) => unknown };
  };
  let bunyan: { createLogger(o: object): Record<string, (...args: unknown[]) => unknown> };

  before(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const processor = { onEmit: (r: LogRecordData) => records.push(r), forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
    logs.setGlobalLoggerProvider(
      new SdkLoggerProvider({ resource: { attributes: {}, schemaUrl: undefined }, limits: { attributeCountLimit: 128, attributeValueLengthLimit: 1000 }, processor }),
    );
    instrument(createPinoInstrumentation({ send: true }), 'pino');
    instrument(createWinstonInstrumentation({ send: true }), 'winston');
    instrument(createBunyanInstrumentation({ send: true }), 'bunyan');
    pino = fromSet('pino') as Pino;
    winston = fromSet('winston') as typeof winston;
    bunyan = fromSet('bunyan') as typeof bunyan;
  });
  after(() => {
    logs.disable();
    context.disable();
  });
  beforeEach(() => {
    records.length = 0;
  });

  it("pino: fields through the logger's serializers, child bindings, redacted keys left out, err as exception attributes", () => {
    const out = lines();
    const logger = pino({ serializers: { user: (u: { id: number }) => ({ id: u.id }) }, redact: ['password', 'card.number'] }, out.stream).child({ component: 'billing' });
    inSpan(SPAN_A, () => logger.warn({ user: { id: 7, secret: 's' }, password: 'p', card: { number: '4111' }, nested: { a: [1, 'b'] }, err: new RangeError('bad') }, 'charged %d', 3));
    const [record] = records;
    assert.equal(records.length, 1);
    assert.equal(record.body, 'charged 3');
    assert.equal(record.severityNumber, 13);
    assert.equal(record.severityText, 'warn');
    assert.equal(record.traceId, SPAN_A.traceId);
    assert.equal(record.spanId, SPAN_A.spanId);
    assert.deepEqual(plain(record.attributes), {
      component: 'billing',
      user: { id: 7 },
      nested: { a: [1, 'b'] },
      'exception.type': 'RangeError',
      'exception.message': 'bad',
      'exception.stacktrace': (record.attributes['exception.stacktrace'] as string),
    });
    assert.match(String(record.attributes['exception.stacktrace']), /^RangeError: bad\n/);
    // The line is pino's own, with the ids and pino's redaction.
    assert.equal(out.lines[0].trace_id, SPAN_A.traceId);
    assert.equal(out.lines[0].password, '[Redacted]');
  });

  it("pino: the app's serializers run as often as without the agent; the record has what they returned", () => {
    const calls = { user: 0, tenant: 0 };
    const serializers = {
      user: (u: { id: number }) => (calls.user++, { id: u.id, n: calls.user }),
      tenant: (t: { name: string }) => (calls.tenant++, t.name.toUpperCase()),
    };
    const out = lines();
    const logger = pino({ serializers }, out.stream).child({ tenant: { name: 'acme' } });
    assert.equal(calls.tenant, 1, 'pino serializes a binding once, at child()');
    logger.info({ user: { id: 7 }, plain: 1 }, 'one');
    logger.info({ user: { id: 8 } }, 'two');
    assert.deepEqual(calls, { user: 2, tenant: 1 }, 'one call per line for the field, none more for the binding');
    assert.deepEqual(
      records.map((r) => plain(r.attributes)),
      [
        { tenant: 'ACME', user: { id: 7, n: 1 }, plain: 1 },
        { tenant: 'ACME', user: { id: 8, n: 2 } },
      ],
    );
    assert.deepEqual(out.lines.map((l) => l.user), [{ id: 7, n: 1 }, { id: 8, n: 2 }]);
  });

  it('pino: a custom level by its value (35 → INFO3), a record outside any span has no ids', () => {
    const logger = pino({ customLevels: { notice: 35 }, level: 'trace' }, lines().stream);
    logger.notice('n');
    logger.trace('t');
    logger.fatal('f');
    assert.deepEqual(
      records.map((r) => [r.severityNumber, r.severityText, r.traceId]),
      [
        [11, 'notice', undefined],
        [1, 'trace', undefined],
        [21, 'fatal', undefined],
      ],
    );
  });

  it('pino: hostile values never throw from the agent and the record still goes; a getter that throws fails in pino itself, as without the agent', () => {
    const out = lines();
    const logger = pino({}, out.stream);
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    inSpan(SPAN_A, () => logger.info({ circular, big: 2n ** 70n, sym: Symbol('s'), huge: 'x'.repeat(5000), fn: () => 1 }, 'hostile'));
    const [record] = records;
    assert.deepEqual(plain(record.attributes.circular), { a: 1, self: '[Circular]' });
    assert.equal(record.attributes.big, (2n ** 70n).toString());
    assert.equal(record.attributes.sym, 'Symbol(s)');
    assert.equal((record.attributes.huge as string).length, 1000);
    assert.equal(out.lines.length, 1);
    const throwing = {
      get boom(): never {
        throw new Error('getter');
      },
    };
    assert.throws(() => inSpan(SPAN_A, () => logger.info(throwing, 'x')), /getter/);
    // Still on: the next record is correlated and sent.
    inSpan(SPAN_B, () => logger.info('after'));
    assert.equal(out.lines.at(-1)?.span_id, SPAN_B.spanId);
    assert.equal(records.at(-1)?.spanId, SPAN_B.spanId);
  });

  it("winston: an info object the app logs twice gets each time's ids (never the first request's taken for its own), none outside a span", () => {
    const out: Array<Record<string | symbol, unknown>> = [];
    const stream = new Writable({
      objectMode: true,
      write(info: Record<string | symbol, unknown>, _encoding, callback) {
        out.push({ ...info });
        callback();
      },
    });
    const logger = winston.createLogger({ levels: { alarm: 0, error: 1, note: 2, info: 3 }, level: 'info', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
    const info = { level: 'info', message: 'reused' };
    inSpan(SPAN_A, () => logger.log(info));
    inSpan(SPAN_B, () => logger.log(info));
    logger.log(info);
    assert.deepEqual(
      out.map((o) => o.span_id),
      [SPAN_A.spanId, SPAN_B.spanId, undefined],
    );
    assert.deepEqual(
      records.map((r) => r.spanId),
      [SPAN_A.spanId, SPAN_B.spanId, undefined],
    );
    // Custom levels: by the closest named level of the logger's own table (alarm 0 → error 1).
    records.length = 0;
    logger.alarm('a');
    logger.note('n');
    assert.deepEqual(
      records.map((r) => [r.severityNumber, r.severityText]),
      [
        [17, 'alarm'],
        [17, 'note'],
      ],
    );
  });

  it('winston: an Error logged as the message is the exception; a level no transport writes is not sent', () => {
    const logger = winston.createLogger({ level: 'info', format: winston.format.json(), transports: [new winston.transports.Stream({ stream: lines().stream })] });
    logger.error(new TypeError('broken'));
    logger.debug('not written');
    assert.equal(records.length, 1);
    assert.equal(records[0].attributes['exception.type'], 'TypeError');
    assert.equal(records[0].attributes['exception.message'], 'broken');
    assert.equal(records[0].body, 'broken');
  });

  it("bunyan: a cycle and a symbol (bunyan itself cannot write a BigInt), the logger's own fields (hostname, pid, v) left to the resource", () => {
    const out = lines();
    const logger = bunyan.createLogger({ name: 'unit', streams: [{ stream: out.stream }] });
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    inSpan(SPAN_A, () => logger.info({ circular, sym: Symbol('s') }, 'hostile %s', 'x'));
    const [record] = records;
    assert.equal(record.body, 'hostile x');
    assert.equal(record.spanId, SPAN_A.spanId);
    assert.deepEqual(plain(record.attributes), { circular: { a: 1, self: '[Circular]' }, sym: 'Symbol(s)' });
    assert.equal(out.lines[0].span_id, SPAN_A.spanId);
  });

  it('every logger sends fields the app named __proto__, constructor or toString, as its own line writes them', () => {
    // Parsed from JSON: `__proto__` is then an own field of the app's object, as a logger sees it.
    const fields = (): Record<string, unknown> => JSON.parse('{"__proto__":"p","constructor":"c","toString":"t","kind":"odd keys"}') as Record<string, unknown>;
    const names = ['__proto__', 'constructor', 'toString', 'kind'];
    const fromPino = lines();
    pino({}, fromPino.stream).info(fields(), 'pino');
    const fromWinston = lines();
    winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream: fromWinston.stream })] }).info('winston', fields());
    const fromBunyan = lines();
    bunyan.createLogger({ name: 'unit', streams: [{ stream: fromBunyan.stream }] }).info(fields(), 'bunyan');
    assert.deepEqual(
      records.map((r) => r.body),
      ['pino', 'winston', 'bunyan'],
    );
    const only = (o: Record<string, unknown>): unknown => plain(Object.fromEntries(Object.keys(o).filter((k) => names.includes(k)).map((k) => [k, o[k]])));
    const written = [fromPino.lines[0]!, fromWinston.lines[0]!, fromBunyan.lines[0]!];
    records.forEach((record, i) => assert.deepEqual(only(record.attributes), only(written[i]!), String(record.body)));
    // pino writes all four; winston's and bunyan's own record objects, filled by assignment, lose `__proto__`.
    const keysOf = (line: Record<string, unknown>): string[] => Object.keys(only(line) as object).sort();
    assert.deepEqual(keysOf(written[0]!), [...names].sort());
    assert.deepEqual(keysOf(written[1]!), names.slice(1).sort());
    assert.deepEqual(keysOf(written[2]!), names.slice(1).sort());
  });
});
