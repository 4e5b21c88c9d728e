import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { satisfies } from 'semver';
import type { DecodedSpan } from '../kit/otlp-decoder';
import { startReceiver } from '../kit/otlp-receiver';
import { FIXTURES } from '../kit/paths';
import { startApp } from '../kit/process';
import { closedPort } from '../kit/servers';
import { versionSetDir } from '../kit/versions';
import { startTargetServer, type TargetServer } from './undici-target';
import { KIND_INTERNAL, KIND_CLIENT, STATUS_UNSET, STATUS_ERROR } from '../kit/otlp-decoder';

// OTLP enum values.

const EXISTING_TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const SECRETS = ['SIGSECRET', 'TOKSECRET', 'PWSECRET'];
/** A path pattern and a full-URL pattern, each excluding one of the `excluded` case's two calls. */
const EXCLUDED_URLS = '/*/excluded,http://127.0.0.1:*/*/excluded-full';

type Flavour = 'esm' | 'cjs';

interface Run {
  label: string;
  spans: DecodedSpan[];
  stdout: string;
}

interface RunOptions {
  flavour: Flavour;
  lib: string;
  cases?: string[];
  env?: Record<string, string>;
}

let runs = 0;

/** Runs the fixture app with the agent exporting OTLP to a fresh receiver; returns what it exported. */
async function runFixture(target: TargetServer, refusedPort: number, options: RunOptions): Promise<Run> {
  const label = `${options.flavour}-${options.lib}-${runs++}`;
  const receiver = await startReceiver({ protocol: 'http/protobuf' });
  const app = startApp({
    file: path.join(FIXTURES, 'undici', options.flavour === 'esm' ? 'client-app.mjs' : 'client-app.cjs'),
    preload: options.flavour === 'esm' ? '--import' : '--require',
    env: {
      OTEL_SERVICE_NAME: label,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_NODE_EXCLUDED_URLS: EXCLUDED_URLS,
      OTEL_INSTRUMENTATION_HTTP_CLIENT_CAPTURE_REQUEST_HEADERS: 'x-request-id',
      OTEL_INSTRUMENTATION_HTTP_CLIENT_CAPTURE_RESPONSE_HEADERS: 'content-type',
      ...libraryEnv(options.lib),
      TARGET_BASE: target.base,
      CLOSED_PORT: String(refusedPort),
      LABEL: label,
      CASES: options.cases?.join(','),
      ...options.env,
    },
  });
  try {
    await app.waitForOutput(/^DONE$/m, 15_000);
    // The `unread` responses hold their connections open; dropping them lets the app exit.
    target.releaseHeld();
    const exit = await app.exited;
    assert.equal(exit.code, 0, `app failed:\n${exit.stdout}\n${exit.stderr}`);
    assert.doesNotMatch(exit.stdout, /^CASE .* failed/m, exit.stdout);
    assert.doesNotMatch(exit.stderr, /instrumentation "undici" failed/);
    return { label, spans: [...receiver.spans], stdout: exit.stdout };
  } finally {
    app.kill('SIGKILL');
    await receiver.close();
  }
}

function pathOf(span: DecodedSpan): string {
  return new URL(String(span.attributes['url.full'])).pathname;
}

function clientSpans(run: Run, caseName: string): DecodedSpan[] {
  return run.spans.filter((s) => s.kind === KIND_CLIENT && pathOf(s) === `/${run.label}/${caseName}`);
}

/** The one CLIENT span of a case (fails when there is none or more than one). */
function clientSpan(run: Run, caseName: string): DecodedSpan {
  const spans = clientSpans(run, caseName);
  assert.equal(spans.length, 1, `${caseName}: expected one CLIENT span, got ${spans.length}`);
  return spans[0];
}

function caseSpan(run: Run, caseName: string): DecodedSpan {
  const span = run.spans.find((s) => s.kind === KIND_INTERNAL && s.name === `case ${caseName}`);
  assert.ok(span, `no span "case ${caseName}" exported`);
  return span;
}

/** The traceparent the server received must name this very span. */
function assertPropagated(target: TargetServer, run: Run, caseName: string, span: DecodedSpan): void {
  const calls = target.callsTo(`/${run.label}/${caseName}`);
  assert.equal(calls.length, 1, `${caseName}: server calls`);
  assert.equal(calls[0].traceparents.length, 1, `${caseName}: one traceparent header, got ${calls[0].traceparents.join(' | ')}`);
  const [version, traceId, spanId, flags] = calls[0].traceparents[0].split('-');
  assert.equal(version, '00');
  assert.equal(traceId, span.traceId);
  assert.equal(spanId, span.spanId);
  assert.equal(parseInt(flags, 16) & 1, 1, 'sampled');
}

const GLOBAL_OK_CASES = ['fetch'];
const UNDICI_OK_CASES = ['fetch', 'request', 'client', 'pool', 'agent', 'stream', 'pipeline'];

function libraryTests(
  flavour: Flavour,
  lib: string,
  state: { target: TargetServer | undefined; refusedPort: number },
): void {
  const isGlobal = lib === 'global';
  const okCases = isGlobal ? GLOBAL_OK_CASES : UNDICI_OK_CASES;

  describe(`${isGlobal ? 'global fetch' : lib} from ${flavour === 'esm' ? 'an ES module (--import)' : 'CommonJS (--require)'}`, () => {
    let run: Run;
    let target: TargetServer;
    before(async () => {
      target = state.target!;
      run = await runFixture(target, state.refusedPort, { flavour, lib });
    });

    it(`makes one CLIENT span per call (${okCases.join(', ')}), named GET, child of the active span`, () => {
      for (const name of okCases) {
        const span = clientSpan(run, name);
        const parent = caseSpan(run, name);
        assert.equal(span.name, 'GET', name);
        assert.equal(span.traceId, parent.traceId, `${name}: same trace as the active span`);
        assert.equal(span.parentSpanId, parent.spanId, `${name}: child of the active span`);
        assert.equal(span.status.code, STATUS_UNSET, name);
        assert.equal(span.scope.name, 'otelite/undici');
      }
    });

    it('sets the stable HTTP client attributes', () => {
      for (const name of okCases) {
        const span = clientSpan(run, name);
        assert.equal(span.attributes['http.request.method'], 'GET', name);
        assert.equal(span.attributes['url.full'], `${target.base}/${run.label}/${name}`, name);
        assert.equal(span.attributes['server.address'], '127.0.0.1', name);
        assert.equal(span.attributes['server.port'], target.port, name);
        assert.equal(span.attributes['http.response.status_code'], 200, name);
        assert.equal(span.attributes['network.protocol.version'], '1.1', name);
        assert.equal(span.attributes['network.peer.address'], '127.0.0.1', name);
        assert.equal(span.attributes['error.type'], undefined, name);
        assert.equal(span.attributes['http.request.method_original'], undefined, name);
      }
    });

    it('sends the client span as traceparent, once', () => {
      for (const name of okCases) assertPropagated(target, run, name, clientSpan(run, name));
    });

    it('names a POST span POST and captures the configured headers', () => {
      const span = clientSpan(run, 'post');
      assert.equal(span.name, 'POST');
      assert.equal(span.attributes['http.request.method'], 'POST');
      assert.deepEqual(span.attributes['http.request.header.x-request-id'], ['post-1']);
      assert.deepEqual(span.attributes['http.response.header.content-type'], ['text/plain']);
      assertPropagated(target, run, 'post', span);
      assert.equal(target.callsTo(`/${run.label}/post`)[0].method, 'POST');
    });

    it('makes a request outside any span a root span', () => {
      const span = clientSpan(run, 'root');
      assert.equal(span.parentSpanId, undefined);
      assertPropagated(target, run, 'root', span);
    });

    it('marks a 404 as an error with error.type 404', () => {
      const span = clientSpan(run, 'notfound');
      assert.equal(span.status.code, STATUS_ERROR);
      assert.equal(span.attributes['http.response.status_code'], 404);
      assert.equal(span.attributes['error.type'], '404');
    });

    it('records a refused connection: ERROR, error.type ECONNREFUSED, the exception', () => {
      const span = clientSpan(run, 'refused');
      assert.equal(span.status.code, STATUS_ERROR);
      assert.equal(span.attributes['error.type'], 'ECONNREFUSED');
      assert.equal(span.attributes['http.response.status_code'], undefined);
      assert.equal(span.events[0]?.name, 'exception');
      assert.match(String(span.events[0].attributes['exception.message']), /ECONNREFUSED/);
      assert.equal(span.parentSpanId, caseSpan(run, 'refused').spanId);
    });

    // undici 5 rejects an aborted request() with its own RequestAbortedError (code UND_ERR_ABORTED);
    // later majors and every fetch with a DOMException named AbortError.
    const abortType = lib === 'undici5' ? 'UND_ERR_ABORTED' : 'AbortError';
    it(`ends an aborted request with ERROR and error.type ${abortType}`, () => {
      const span = clientSpan(run, 'abort');
      assert.equal(span.status.code, STATUS_ERROR);
      assert.equal(span.attributes['error.type'], abortType);
      assert.ok(span.endTimeUnixNano >= span.startTimeUnixNano);
    });

    it('ends and exports the span of a response whose body is never read', () => {
      const span = clientSpan(run, 'unread');
      assert.equal(span.attributes['http.response.status_code'], 200);
      // Ended at the headers: the connection the test dropped afterwards left no error on it.
      assert.equal(span.status.code, STATUS_UNSET);
      assert.equal(span.events.length, 0);
      assertPropagated(target, run, 'unread', span);
    });

    it('redacts url.full, and no secret appears in any exported attribute', () => {
      const span = clientSpan(run, 'redact');
      assert.equal(span.attributes['url.full'], `${target.base}/${run.label}/redact?sig=REDACTED&token=REDACTED&keep=1`);
      const exported = JSON.stringify(run.spans.map((s) => [s.attributes, s.events.map((e) => e.attributes)]));
      for (const secret of SECRETS) assert.ok(!exported.includes(secret), `${secret} was exported`);
    });

    it('keeps a traceparent the caller set, without adding a second one', () => {
      clientSpan(run, 'existing');
      const calls = target.callsTo(`/${run.label}/existing`);
      assert.equal(calls.length, 1);
      assert.deepEqual(calls[0].traceparents, [EXISTING_TRACEPARENT]);
    });

    it('leaves URLs excluded by OTEL_NODE_EXCLUDED_URLS untraced and unpropagated (path and full-URL patterns)', () => {
      for (const name of ['excluded', 'excluded-full']) {
        assert.equal(clientSpans(run, name).length, 0, `${name}: no span`);
        const calls = target.callsTo(`/${run.label}/${name}`);
        assert.equal(calls.length, 1, `${name}: the request was made`);
        assert.deepEqual(calls[0].traceparents, [], `${name}: no traceparent`);
      }
    });

    if (!isGlobal) {
      it('names a span HTTP for an unknown method, keeping the original', () => {
        const span = clientSpan(run, 'other');
        assert.equal(span.name, 'HTTP');
        assert.equal(span.attributes['http.request.method'], '_OTHER');
        assert.equal(span.attributes['http.request.method_original'], 'PURGE');
      });
    }

    it('exports no CLIENT span that does not belong to a case', () => {
      const known = new Set([...okCases, 'post', 'root', 'notfound', 'refused', 'abort', 'unread', 'redact', 'existing', 'other']);
      for (const span of run.spans.filter((s) => s.kind === KIND_CLIENT)) {
        const name = pathOf(span).split('/').pop() ?? '';
        assert.ok(known.has(name), `unexpected CLIENT span for ${pathOf(span)}`);
      }
    });
  });
}

function disabledTests(flavour: Flavour, lib: string, state: { target: TargetServer | undefined; refusedPort: number }): void {
  const cases = lib === 'global' ? ['fetch'] : ['fetch', 'request'];
  it(`OTEL_NODE_DISABLED_INSTRUMENTATIONS=undici: no CLIENT span and no traceparent (${lib}, ${flavour})`, async () => {
    const target = state.target!;
    const run = await runFixture(target, state.refusedPort, {
      flavour,
      lib,
      cases,
      env: { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'undici' },
    });
    for (const name of cases) {
      caseSpan(run, name); // the app's own spans are still exported
      const calls = target.callsTo(`/${run.label}/${name}`);
      assert.equal(calls.length, 1, `${name}: the request was made`);
      assert.deepEqual(calls[0].traceparents, [], `${name}: no traceparent`);
    }
    assert.deepEqual(run.spans.filter((s) => s.kind === KIND_CLIENT), []);
  });
}

/**
 * undici 5-7 are npm aliases among the root devDependencies. undici 8 declares `engines.node
 * >=22.19`, so it is not one of them (`npm ci` on Node 20 would warn EBADENGINE): it is the
 * `current` version set's undici, which the app loads from there under its real name.
 */
const UNDICI8_DIR = path.join(versionSetDir('current'), 'node_modules', 'undici');

function libraryEnv(lib: string): Record<string, string> {
  if (lib !== 'undici8') return { UNDICI_LIB: lib };
  return { UNDICI_LIB: 'undici', OTELITE_TEST_VERSION_SET_DIR: versionSetDir('current') };
}

/** undici 8's own Node requirement; on an older Node it does not even load. */
function undici8Engines(): string {
  const manifest = JSON.parse(readFileSync(path.join(UNDICI8_DIR, 'package.json'), 'utf8')) as {
    version: string;
    engines?: { node?: string };
  };
  assert.equal(manifest.version.split('.')[0], '8', `test/versions/current has undici ${manifest.version}, not 8`);
  return manifest.engines?.node ?? '*';
}

describe('undici instrumentation: fetch and undici in real processes', function () {
  this.timeout(60_000);
  const state: { target: TargetServer | undefined; refusedPort: number } = { target: undefined, refusedPort: 0 };
  before(async () => {
    state.refusedPort = await closedPort();
    state.target = await startTargetServer();
  });
  after(async () => {
    await state.target?.close();
  });

  const libs = ['global', 'undici5', 'undici6', 'undici7'];
  const undici8Range = undici8Engines();
  if (satisfies(process.versions.node, undici8Range)) libs.push('undici8');
  else console.log(`  (undici8 tests not run: undici 8 needs Node ${undici8Range}, this is Node ${process.versions.node})`);

  for (const lib of libs) {
    for (const flavour of ['esm', 'cjs'] as const) libraryTests(flavour, lib, state);
  }

  describe('switched off', () => {
    disabledTests('esm', 'global', state);
    disabledTests('cjs', 'undici7', state);
  });
});
