import assert from 'node:assert/strict';
import { bodySnippet } from '../../src/export/otlp/response';
import { maskSecrets, maskUrl, printable, printableEndpoint, secretsOf } from '../../src/secrets';

const TOKEN = 'tok-PLANTED-5f1c';

describe('secrets: one module masks what the agent prints', () => {
  it('takes strings of 3 characters or more as secrets, each once, longest first', () => {
    assert.deepEqual(secretsOf(['ab', 'abc', TOKEN, 'abc', 42, undefined]), [TOKEN, 'abc']);
  });

  it('masks the same planted header value the same way on every path', () => {
    const secrets = secretsOf([TOKEN, `Bearer ${TOKEN}`]);
    const echoed = `rejected: authorization was Bearer ${TOKEN}`;
    const expected = 'rejected: authorization was ***';
    // The exporter's own messages, a server's message made printable, and an HTTP error body.
    assert.equal(maskSecrets(echoed, secrets), expected);
    assert.equal(printable(echoed, secrets), expected);
    assert.equal(bodySnippet(Buffer.from(echoed), 'text/plain', secrets), expected);
  });

  it('masks before cutting, so no part of a secret survives the 200-character cut', () => {
    const text = `${'x'.repeat(195)}${TOKEN}`;
    const out = printable(text, [TOKEN]);
    assert.ok(!out.includes(TOKEN.slice(0, 5)), out);
    assert.ok(out.endsWith('***'), out);
  });

  it('turns control characters into spaces, so a server cannot forge log lines', () => {
    assert.equal(printable('bad\nINFO: all good\r\u2028done'), 'bad INFO: all good done');
  });

  it('masks user info and query values of an endpoint, even a malformed one', () => {
    assert.equal(maskUrl(`https://user:${TOKEN}@collector:4318/v1/traces?api_key=${TOKEN}&x=1`), 'https://***@collector:4318/v1/traces?api_key=***&x=***');
    assert.equal(maskUrl(`http://user:${TOKEN}@/?api_key=${TOKEN}`), 'http://***@/?api_key=***');
    assert.equal(printableEndpoint(`https://user:${TOKEN}@collector:4318/v1/traces?api_key=${TOKEN}`), 'https://collector:4318/v1/traces');
    assert.equal(printableEndpoint('not a url'), '(invalid endpoint)');
  });
});
