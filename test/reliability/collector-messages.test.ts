import assert from 'node:assert/strict';
import { diag } from '@opentelemetry/api';
import type { OtlpProtocol } from '../../src/config/types';
import { OtlpTraceExporter } from '../../src/export/otlp/exporter';
import type { SpanData } from '../../src/sdk/span-data';
import { startReceiver, type Reply } from '../kit/otlp-receiver';
import { spanData } from '../kit/recording';

/**
 * What a collector (or a proxy in front of it) answers ends up in the agent's diagnostics: an
 * error body, a grpc-message, a partial success message. A hostile or careless one must not
 * forge log lines (newlines), flood the log (length), or make the agent print the OTLP header
 * values it echoes, not even part of one where the message is cut short.
 */

const SECRET = 'zq-echoed-header-value-5c81e2d7';
/** The secret at the 200-character cut, then a forged log line and a lot more. */
const HOSTILE = `${'x'.repeat(185)}${SECRET}\notelite error: forged line\r\n${'y'.repeat(5000)}`;

const span: SpanData = spanData({ name: 'one', traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), scope: { name: 's', version: undefined, schemaUrl: undefined } });

const CASES: Array<{ name: string; protocol: OtlpProtocol; reply: Reply }> = [
  { name: 'an HTTP error body (text)', protocol: 'http/protobuf', reply: { status: 400, body: HOSTILE, contentType: 'text/plain' } },
  { name: 'an HTTP error body (JSON status)', protocol: 'http/json', reply: { status: 400, body: JSON.stringify({ code: 3, message: HOSTILE }) } },
  { name: 'a grpc-message', protocol: 'grpc', reply: { grpcStatus: 3, grpcMessage: HOSTILE } },
  { name: 'a partial success message (protobuf)', protocol: 'http/protobuf', reply: { partialSuccess: { rejectedSpans: 1, errorMessage: HOSTILE } } },
  { name: 'a partial success message (JSON)', protocol: 'http/json', reply: { partialSuccess: { rejectedSpans: 1, errorMessage: HOSTILE } } },
  { name: 'a partial success message (gRPC)', protocol: 'grpc', reply: { partialSuccess: { rejectedSpans: 1, errorMessage: HOSTILE } } },
];

describe('reliability: what the collector says cannot forge, flood or leak diagnostics', function () {
  this.timeout(20_000);
  /** Every line the agent says at info and above, and its level. */
  const said: Array<{ level: string; text: string }> = [];
  beforeEach(() => {
    said.length = 0;
    const at = (level: string) => (text: string) => void said.push({ level, text });
    diag.setLogger({ error: at('error'), warn: at('warn'), info: at('info'), debug() {}, verbose() {} });
  });
  afterEach(() => diag.disable());

  for (const c of CASES) {
    it(`${c.name} (${c.protocol}): one line, short, the echoed header value masked`, async () => {
      const receiver = await startReceiver({ protocol: c.protocol, respond: () => c.reply });
      const exporter = new OtlpTraceExporter({
        protocol: c.protocol,
        endpoint: receiver.endpoint,
        headers: { 'x-api-key': SECRET },
        timeoutMs: 5000,
        compression: 'none',
        certificateFile: undefined,
        clientKeyFile: undefined,
        clientCertificateFile: undefined,
      });
      try {
        const result = await exporter.export([span]);
        // One warning or error: the one carrying the collector's text. A partial success is a
        // success, so info also says the first export went out (it holds no collector text).
        const problems = said.filter((l) => l.level !== 'info');
        assert.equal(problems.length, 1, said.map((l) => `${l.level} ${l.text}`).join('\n---\n'));
        const infos = said.filter((l) => l.level === 'info').map((l) => l.text);
        assert.deepEqual(
          infos.map((t) => t.replace(/ in \d+ ms$/, ' in N ms')),
          result.ok ? [`first traces export succeeded: 1 span to ${receiver.endpoint} in N ms`] : [],
        );
        const texts = [...said.map((l) => l.text), result.error?.message ?? ''];
        for (const text of texts) {
          assert.ok(!/[\r\n\u2028\u2029]/.test(text), `one line: ${JSON.stringify(text.slice(0, 400))}`);
          assert.ok(text.length < 700, `short: ${text.length} characters`);
          // no piece of the secret of 6 characters or more, even cut
          for (let i = 0; i + 6 <= SECRET.length; i++) assert.ok(!text.includes(SECRET.slice(i, i + 6)), `part of the header value in: ${text}`);
        }
        assert.match(problems[0]!.text, /xxxxx/, 'the message itself is still shown');
      } finally {
        await exporter.shutdown();
        await receiver.close();
      }
    });
  }
});
