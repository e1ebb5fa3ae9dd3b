import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.js';
import { assertTwilioError } from '../helpers/spec.js';
import { rawRequest } from '../helpers/raw-http.js';

// One error shape everywhere: whatever a client sends that Wisp cannot take (a body that is not
// form-encoded, bad percent-encoding, a URL or headers too long, bytes that are not HTTP) is
// answered in Twilio's error format on the Twilio surfaces and in the admin catalog's format on
// /admin/, never in Fastify's own, never read as an empty request, and it changes nothing.

function assertAdminError(body: any, status: number, code: string): void {
  assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'status'], JSON.stringify(body));
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.ok(typeof body.error === 'string' && body.error.length > 0);
}

describe('error shapes', () => {
  let server: TestServer;
  let basic: string;
  let bearer: string;
  before(async () => {
    server = await startServer();
    basic = 'Basic ' + Buffer.from(`${server.accountSid}:${server.authToken}`).toString('base64');
    bearer = `Bearer ${server.adminToken}`;
    await server.client().wireless.v1.ratePlans.create({ uniqueName: 'existing' });
  });
  after(() => server.close());

  const ratePlans = async () => (await server.request('GET', '/v1/RatePlans')).body.rate_plans.map((p: { unique_name: string }) => p.unique_name);
  const network = async () => (await server.admin('GET', '/admin/v1/Network')).body;

  /** POSTs `body` to a Wireless form endpoint and checks the Twilio error and that no rate plan appeared. */
  async function refusedOnForm(contentType: string | null, body: string | Buffer, status: number): Promise<any> {
    const before = await ratePlans();
    const headers: Record<string, string> = { authorization: basic };
    if (contentType !== null) headers['content-type'] = contentType;
    const res = await fetch(`${server.url}/v1/RatePlans`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
    const answer = await res.json();
    assert.equal(res.status, status, JSON.stringify(answer));
    assertTwilioError(answer, status, 33101);
    assert.deepEqual(await ratePlans(), before, 'nothing was created');
    return answer;
  }

  it('refuses bodies that are not form-encoded with 415, never reading them as an empty request', async () => {
    const json = await refusedOnForm('application/json', JSON.stringify({ UniqueName: 'from-json' }), 415);
    assert.match(json.message, /form-encoded.*application\/json/);
    await refusedOnForm('application/json', JSON.stringify([{ UniqueName: 'from-array' }]), 415);
    await refusedOnForm('text/plain', 'UniqueName=from-text', 415);
    await refusedOnForm('multipart/form-data; boundary=xx', '--xx\r\nContent-Disposition: form-data; name="UniqueName"\r\n\r\nfrom-multipart\r\n--xx--\r\n', 415);
    await refusedOnForm('application/xml', '<UniqueName>x</UniqueName>', 415);
    // A body with no Content-Type at all (fetch would add one).
    const untyped = await rawRequest(server.url, `POST /v1/RatePlans HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic}\r\nConnection: close\r\nContent-Length: 21\r\n\r\nUniqueName=no-type-xx`);
    assert.equal(untyped.status, 415);
    assertTwilioError(JSON.parse(untyped.body), 415, 33101);
    assert.deepEqual(await ratePlans(), ['existing']);
  });

  it('refuses bad percent-encoding in a body, a query or a path with 400, never taking it literally', async () => {
    for (const body of ['UniqueName=%E0%A4%A', 'UniqueName=%zz', 'UniqueName=50%', 'UniqueName=%C3%28']) {
      const answer = await refusedOnForm('application/x-www-form-urlencoded', body, 400);
      assert.match(answer.message, /percent-encoding/);
    }
    await refusedOnForm('application/x-www-form-urlencoded', Buffer.from([0x55, 0x3d, 0xc3, 0x28]), 400);
    const query = await server.request('GET', '/v1/Sims?Status=%E0%A4%A');
    assertTwilioError(query.body, 400, 33101);
    assert.match(query.body.message, /query string/);
    const accounts = await server.request('GET', '/2010-04-01/Accounts.json?FriendlyName=%zz');
    assertTwilioError(accounts.body, 400, 20001);
    const path = await server.request('GET', '/v1/Sims/%E0%A4%A');
    assertTwilioError(path.body, 400, 33101);
    const adminQuery = await fetch(`${server.url}/admin/v1/Jobs?state=%zz`, { headers: { authorization: bearer } });
    assertAdminError(await adminQuery.json(), 400, 'invalid_body');
  });

  it('answers a URL longer than WISP_HTTP_MAX_URL_BYTES with 414, and headers beyond their limit with 431', async () => {
    for (const length of [9_000, 20_000]) {
      const twilio = await rawRequest(server.url, `GET /v1/Sims?FriendlyName=${'a'.repeat(length)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic}\r\nConnection: close\r\n\r\n`);
      assert.equal(twilio.status, 414, `${length}: ${twilio.body}`);
      assertTwilioError(JSON.parse(twilio.body), 414, 33101);
      const admin = await rawRequest(server.url, `GET /admin/v1/Jobs?kind=${'a'.repeat(length)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${bearer}\r\nConnection: close\r\n\r\n`);
      assert.equal(admin.status, 414);
      assertAdminError(JSON.parse(admin.body), 414, 'uri_too_long');
    }
    const twilio = await rawRequest(server.url, `GET /2010-04-01/Accounts.json HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'x'.repeat(20_000)}\r\nConnection: close\r\n\r\n`);
    assert.equal(twilio.status, 431);
    assertTwilioError(JSON.parse(twilio.body), 431, 20001);
    const admin = await rawRequest(server.url, `GET /admin/v1/Network HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'x'.repeat(20_000)}\r\nConnection: close\r\n\r\n`);
    assert.equal(admin.status, 431);
    assertAdminError(JSON.parse(admin.body), 431, 'headers_too_large');
  });

  it("answers what Node.js's parser refuses in the surface's format", async () => {
    const badLength = await rawRequest(server.url, `POST /v1/RatePlans HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 12x\r\n\r\nUniqueName=y`);
    assert.equal(badLength.status, 400);
    assertTwilioError(JSON.parse(badLength.body), 400, 33101);
    const twoLengths = await rawRequest(server.url, `POST /admin/v1/Network HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${bearer}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`);
    assert.equal(twoLengths.status, 400);
    assertAdminError(JSON.parse(twoLengths.body), 400, 'invalid_body');
    const notHttp = await rawRequest(server.url, 'HELLO THERE\r\n\r\n');
    assert.equal(notHttp.status, 400);
    assertTwilioError(JSON.parse(notHttp.body), 400, 20001);
    assert.deepEqual(await ratePlans(), ['existing']);
  });

  it('answers the admin API in its own format: bad JSON, another type, an unknown endpoint', async () => {
    const before = await network();
    const post = (contentType: string, body: string) => fetch(`${server.url}/admin/v1/Network`, { method: 'POST', headers: { authorization: bearer, 'content-type': contentType }, body });
    assertAdminError(await (await post('application/json', '{"available": fals')).json(), 400, 'invalid_body');
    assertAdminError(await (await post('application/json', '')).json(), 400, 'invalid_body');
    assertAdminError(await (await post('application/json', '[false]')).json(), 400, 'invalid_body');
    assertAdminError(await (await post('text/plain', '{"available":false}')).json(), 415, 'unsupported_media_type');
    assertAdminError(await (await post('application/x-www-form-urlencoded', 'available=false')).json(), 415, 'unsupported_media_type');
    assert.deepEqual(await network(), before, 'the network settings are unchanged');
    const unknown = await fetch(`${server.url}/admin/v1/Nothing`, { headers: { authorization: bearer } });
    assert.equal(unknown.status, 404);
    assertAdminError(await unknown.json(), 404, 'not_found');
  });

  it('answers HEAD exactly as GET, without a body', async () => {
    const [sim] = await server.stockSims(1);
    const registered = await server.request('POST', '/v1/Sims', { form: { Iccid: sim.iccid, RegistrationCode: sim.code } });
    const paths: [string, Record<string, string>][] = [
      ['/v1/Sims', { authorization: basic }],
      [`/v1/Sims/${registered.body.sid}`, { authorization: basic }],
      ['/v1/RatePlans?PageSize=1', { authorization: basic }],
      ['/2010-04-01/Accounts.json', { authorization: basic }],
      ['/v1/Sims', {}],
      ['/v1/Nothing', { authorization: basic }],
      ['/v1/Sims?Status=%zz', { authorization: basic }],
      ['/admin/v1/Network', { authorization: bearer }],
      ['/admin/v1/Network', {}],
      ['/admin/v1/Nothing', { authorization: bearer }],
      ['/healthz', {}],
      ['/openapi.json', {}],
    ];
    // The same bytes but the method, each on a connection of its own.
    const send = (method: string, path: string, headers: Record<string, string>) =>
      rawRequest(server.url, `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Connection: close\r\n\r\n`);
    const comparable = (headers: Record<string, string>) => Object.entries(headers).filter(([name]) => name !== 'date');
    for (const [path, headers] of paths) {
      const get = await send('GET', path, headers);
      const head = await send('HEAD', path, headers);
      assert.equal(head.status, get.status, `HEAD ${path}`);
      assert.deepEqual(comparable(head.headers), comparable(get.headers), `HEAD ${path}`);
      assert.equal(Number(head.headers['content-length']), Buffer.byteLength(get.body), `HEAD ${path} announces GET's length`);
      assert.equal(head.body, '', `HEAD ${path} has no body`);
    }
  });
});
