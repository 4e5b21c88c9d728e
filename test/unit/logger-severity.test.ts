import assert from 'node:assert/strict';
import { bunyanSeverity } from '../../instrumentations/bunyan/levels';
import { pinoSeverity } from '../../instrumentations/pino/levels';
import { settingsFromOptions } from '../../instrumentations/pino/settings';
import { winstonSeverity } from '../../instrumentations/winston/levels';
import { readConfig } from '../../src/config';

/** The loggers' level → severity tables (README, "Logs: correlation and sending") and pino's options read. */
describe('logger severity maps', () => {
  it('pino and bunyan: the six levels to the start of each range, a custom value by where it falls', () => {
    const cases: Array<[number, number]> = [
      [10, 1], [20, 5], [30, 9], [40, 13], [50, 17], [60, 21], // built-in
      [5, 1], [12, 1], [15, 3], [25, 7], [35, 11], [38, 12], [45, 15], [55, 19], [65, 23], [70, 24], [1000, 24], [Number.NaN, 1],
    ];
    for (const [level, severity] of cases) {
      assert.equal(pinoSeverity(level), severity, `pino ${level}`);
      assert.equal(bunyanSeverity(level), severity, `bunyan ${level}`);
    }
  });

  it("winston: npm, syslog and cli names as @opentelemetry/winston-transport maps them", () => {
    const npm = { error: 17, warn: 13, info: 9, http: 8, verbose: 7, debug: 5, silly: 1 };
    const syslog = { emerg: 24, alert: 22, crit: 21, error: 17, warning: 13, notice: 10, info: 9, debug: 5 };
    for (const table of [npm, syslog]) for (const [name, severity] of Object.entries(table)) assert.equal(winstonSeverity(name, undefined), severity, name);
    assert.equal(winstonSeverity('help', undefined), 9);
  });

  it("winston: a custom level takes the closest named level of the logger's own table, more severe on a tie; none named: UNSPECIFIED", () => {
    const levels = { panic: 0, error: 1, chatty: 4, info: 5, trace2: 9, debug: 8 };
    assert.equal(winstonSeverity('panic', levels), 17);
    assert.equal(winstonSeverity('chatty', levels), 9);
    assert.equal(winstonSeverity('trace2', levels), 5);
    assert.equal(winstonSeverity('loud', { loud: 0, quiet: 1 }), 0);
    assert.equal(winstonSeverity('unknown', levels), 0);
  });
});

describe('logger settings', () => {
  it('pino: the OpenTelemetry transport (target, targets, pipeline) means the app sends itself', () => {
    const target = 'pino-opentelemetry-transport';
    assert.equal(settingsFromOptions({ transport: { target } }, undefined).send, false);
    assert.equal(settingsFromOptions({ transport: { targets: [{ target: 'pino/file' }, { target }] } }, undefined).send, false);
    assert.equal(settingsFromOptions({ transport: { pipeline: [{ target: 'x' }, { target }] } }, undefined).send, false);
    assert.equal(settingsFromOptions({ transport: { target: 'pino-pretty' } }, undefined).send, true);
    assert.equal(settingsFromOptions({}, undefined).send, true);
  });

  it("pino: redact paths' top-level keys; a wildcard first segment means no fields at all", () => {
    const a = settingsFromOptions({ redact: ['password', 'req.headers.cookie', '["x-key"].v', 'a[0]'] }, undefined);
    assert.deepEqual([...a.redacted].sort(), ['a', 'password', 'req', 'x-key']);
    assert.equal(a.redactAll, false);
    assert.equal(settingsFromOptions({ redact: { paths: ['*.secret'] } }, undefined).redactAll, true);
  });

  it("pino: the ids go in as a fragment unless the app has a mixin or a metadata stream", () => {
    assert.equal(settingsFromOptions({}, {}).fragment, true);
    assert.equal(settingsFromOptions({ mixin: () => ({}) }, {}).fragment, false);
    assert.equal(settingsFromOptions({}, { [Symbol.for('pino.metadata')]: true }).fragment, false);
  });

  it('OTELITE_LOGS_SEND_LOGGERS and OTELITE_LOGS_CONSOLE: booleans of the config, a malformed value warned once', () => {
    const defaults = readConfig({});
    assert.equal(defaults.config.logs.sendLoggers, true);
    assert.equal(defaults.config.logs.captureConsole, false);
    assert.equal(readConfig({ OTELITE_LOGS_SEND_LOGGERS: ' FALSE ' }).config.logs.sendLoggers, false);
    assert.equal(readConfig({ OTELITE_LOGS_CONSOLE: 'true' }).config.logs.captureConsole, true);
    const bad = readConfig({ OTELITE_LOGS_SEND_LOGGERS: 'nope' });
    assert.equal(bad.config.logs.sendLoggers, true);
    assert.equal(bad.warnings.length, 1);
    assert.match(bad.warnings[0], /OTELITE_LOGS_SEND_LOGGERS/);
  });
});
