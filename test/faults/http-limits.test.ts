import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startServer, type TestServer } from '../helpers/server.js';
import { assertTwilioError } from '../helpers/spec.js';
import { parseAnswer, rawExchange } from '../helpers/raw-http.js';
import { until } from '../helpers/lifecycle.js';

// The HTTP limits an operator expects (WISP_HTTP_*): a request whose body never comes is
// answered 408 and closed at the request timeout, oversized headers and bodies are refused, and
// none of it reaches the database.

describe('HTTP limits', () => {
  let server: TestServer;

  before(async () => {
    server = await startServer({
      WISP_HTTP_REQUEST_TIMEOUT_MS: '600',
      WISP_HTTP_HEADERS_TIMEOUT_MS: '400',
      WISP_HTTP_MAX_BODY_BYTES: '4096',
      WISP_HTTP_MAX_HEADER_BYTES: '8192',
    });
  });
  after(() => server.close());

  const auth = () => 'Basic ' + Buffer.from(`${server.accountSid}:${server.authToken}`).toString('base64');

  it('answers 408 and closes a request whose body stops after its headers', async () => {
    const head = `POST /v1/Sims HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth()}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nStatus=`;
    const answer = parseAnswer(await rawExchange(server.url, head));
    assert.equal(answer.status, 408);
    assertTwilioError(JSON.parse(answer.body), 408, 33101);
    const admin = `POST /admin/v1/Network HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${server.adminToken}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`;
    const adminAnswer = parseAnswer(await rawExchange(server.url, admin));
    assert.equal(adminAnswer.status, 408);
    assert.deepEqual(JSON.parse(adminAnswer.body), { code: 'request_timeout', error: 'Request Timeout: the request did not arrive in time (WISP_HTTP_REQUEST_TIMEOUT_MS)', status: 408 });
  });

  it('closes a connection whose headers never end', async () => {
    const answer = await rawExchange(server.url, 'GET /v1/Sims HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    assert.match(answer, /^HTTP\/1\.1 408/);
  });

  it('refuses headers beyond WISP_HTTP_MAX_HEADER_BYTES with 431', async () => {
    const answer = await rawExchange(server.url, `GET /v1/Sims HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'x'.repeat(10_000)}\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 431/);
  });

  it('refuses a body beyond WISP_HTTP_MAX_BODY_BYTES with a Twilio 413, and writes nothing', async () => {
    const before = (await server.request('GET', '/v1/Sims')).body.sims.length;
    const res = await fetch(`${server.url}/v1/Sims`, {
      method: 'POST',
      headers: { authorization: auth(), 'content-type': 'application/x-www-form-urlencoded' },
      body: `Iccid=${'1'.repeat(5000)}`,
    });
    assertTwilioError(await res.json(), 413, 20413);
    assert.equal((await server.request('GET', '/v1/Sims')).body.sims.length, before);
  });
});

describe('WISP_HTTP_MAX_CONNECTIONS', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ WISP_HTTP_MAX_CONNECTIONS: '2' });
  });
  after(() => server.close());

  const open = async () => {
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    return socket;
  };

  it('closes connections past the limit as they arrive, and takes new ones once one has closed', async () => {
    const held = [await open(), await open()];
    const refused = await rawExchange(server.url, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    assert.equal(refused, '', 'a third connection is closed unanswered');
    // The held ones are served: the limit counts connections, not requests.
    held[0].write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const answer = await new Promise<string>((resolve) => held[0].once('data', (chunk) => resolve(chunk.toString())));
    assert.match(answer, /^HTTP\/1\.1 200/);
    held[0].destroy();
    const status = () => fetch(`${server.url}/healthz`).then((res) => res.status, () => 'closed');
    await until('a new connection is served once one has closed', status, (s) => s === 200);
    held[1].destroy();
  });
});
