import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request } from 'undici';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startServer, type TestServer } from '../helpers/server.js';

// Links (`url`, `links`, `next_page_url`…) are built on a trusted origin, never on a Host header
// the client made up: the SDK follows next_page_url with its credentials.

async function getWithHost(server: TestServer, path: string, host: string) {
  const authorization = 'Basic ' + Buffer.from(`${server.accountSid}:${server.authToken}`).toString('base64');
  const res = await request(server.url + path, { headers: { host, authorization } });
  return { status: res.statusCode, text: await res.body.text() };
}

/** An HTTP/1.0 request with no Host header at all. */
async function http10(server: TestServer, path: string): Promise<string> {
  const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
  const authorization = 'Basic ' + Buffer.from(`${server.accountSid}:${server.authToken}`).toString('base64');
  socket.write(`GET ${path} HTTP/1.0\r\nAuthorization: ${authorization}\r\n\r\n`);
  let data = '';
  for await (const chunk of socket) data += String(chunk);
  return data.slice(data.indexOf('\r\n\r\n') + 4);
}

const PATHS = ['/v1/Sims?PageSize=1', '/v1/RatePlans?PageSize=1', '/v1/Commands?PageSize=1', '/v1/Events?PageSize=1', '/2010-04-01/Accounts.json?PageSize=1'];

describe('links without WISP_PUBLIC_URL', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
    const client = server.client();
    await client.wireless.v1.ratePlans.create({ uniqueName: 'one' });
    await client.wireless.v1.ratePlans.create({ uniqueName: 'two' });
    const [card] = await server.stockSims(2);
    await server.request('POST', '/v1/Sims', { form: { Iccid: card.iccid, RegistrationCode: card.code } });
  });
  after(() => server.close());

  it('never reflect an unknown Host header', async () => {
    for (const host of ['evil.example', 'evil.example:80', `evil.example:${new URL(server.url).port}`, '127.0.0.1.evil.example', `127.0.0.1:1`]) {
      for (const path of PATHS) {
        const res = await getWithHost(server, path, host);
        assert.equal(res.status, 200, `${path} with Host ${host}`);
        assert.doesNotMatch(res.text, /evil\.example|127\.0\.0\.1:1\//, `${path} with Host ${host}`);
        // The 2010 API's links are relative; the v1 ones are on the address the request came in on.
        if (path.startsWith('/v1/')) assert.match(res.text, new RegExp(server.url.replace(/\./g, '\\.')), path);
      }
    }
  });

  it('never reflect an unknown Host on any surface: errors, the admin API, the API descriptions, redirects', async () => {
    const sim = (await getWithHost(server, '/v1/Sims?PageSize=1', '127.0.0.1')).text;
    const simSid = JSON.parse(sim).sims[0].sid as string;
    const plans = JSON.parse((await getWithHost(server, '/v1/RatePlans?PageSize=1', '127.0.0.1')).text);
    const documents = JSON.parse((await getWithHost(server, '/openapi/twilio', '127.0.0.1')).text).documents as { name: string }[];
    const basic = 'Basic ' + Buffer.from(`${server.accountSid}:${server.authToken}`).toString('base64');
    const bearer = `Bearer ${server.adminToken}`;
    const cases: [method: string, path: string, authorization?: string][] = [
      ...['/v1/Sims', `/v1/Sims/${simSid}`, `/v1/Sims/${simSid}/UsageRecords`, `/v1/Sims/${simSid}/DataSessions`, '/v1/RatePlans', `/v1/RatePlans/${plans.rate_plans[0].sid}`,
        '/v1/Commands', '/v1/Events', '/v1/UsageRecords', '/2010-04-01/Accounts.json', `/2010-04-01/Accounts/${server.accountSid}.json`, `/2010-04-01/Accounts/${server.accountSid}/Keys.json`,
        '/v1/Nothing', '/v1/Sims?PageSize=5000', '/v1/Sims?Status=%zz', `/v1/Sims/DE${'0'.repeat(32)}`].map((path): [string, string, string] => ['GET', path, basic]),
      ['GET', '/v1/Sims'], ['DELETE', `/2010-04-01/Accounts/${server.accountSid}.json`, basic], ['POST', '/v1/RatePlans', basic],
      ...['/admin/v1/Network', '/admin/v1/Clock', '/admin/v1/Jobs', '/admin/v1/Callbacks', '/admin/v1/Snapshots', '/admin/v1/Nothing', '/metrics'].map((path): [string, string, string] => ['GET', path, bearer]),
      ['GET', '/admin/v1/Network'],
      ...['/healthz', '/readyz', '/openapi.json', '/docs', '/docs/', '/docs/static/index.html', '/docs/json', '/openapi/twilio', ...documents.map((d) => `/openapi/twilio/${d.name}.json`)].map((path): [string, string] => ['GET', path]),
    ];
    for (const [method, path, authorization] of cases) {
      const res = await request(server.url + path, { method, headers: { host: 'evil.example', ...(authorization ? { authorization } : {}) } });
      const text = await res.body.text();
      assert.doesNotMatch(JSON.stringify(res.headers), /evil/, `${method} ${path}: headers`);
      assert.doesNotMatch(text, /evil/, `${method} ${path} (${res.statusCode}): body`);
    }
  });

  it('follows a loopback Host on the port Wisp listens on', async () => {
    const port = new URL(server.url).port;
    const res = await getWithHost(server, '/v1/RatePlans?PageSize=1', `localhost:${port}`);
    const body = JSON.parse(res.text);
    assert.match(body.meta.next_page_url, new RegExp(`^http://localhost:${port}/v1/RatePlans\\?`));
  });

  it('gives valid URLs to an HTTP/1.0 request without Host', async () => {
    const body = JSON.parse(await http10(server, '/v1/RatePlans?PageSize=1'));
    assert.equal(new URL(body.meta.url).origin, server.url);
    assert.equal(new URL(body.rate_plans[0].url).origin, server.url);
  });
});

describe('WISP_ALLOWED_HOSTS and WISP_PUBLIC_URL', () => {
  it('follow only the listed host names', async () => {
    const server = await startServer({ WISP_ALLOWED_HOSTS: 'wisp.test, api.wisp.test' });
    try {
      await server.client().wireless.v1.ratePlans.create({});
      const listed = JSON.parse((await getWithHost(server, '/v1/RatePlans', 'api.wisp.test:8443')).text);
      assert.match(listed.rate_plans[0].url, /^http:\/\/api\.wisp\.test:8443\/v1\/RatePlans\/WP/);
      const other = await getWithHost(server, '/v1/RatePlans', 'evil.example');
      assert.doesNotMatch(other.text, /evil\.example/);
      const loopback = await getWithHost(server, '/v1/RatePlans', 'localhost');
      assert.doesNotMatch(loopback.text, /localhost/, 'a list replaces the default names');
    } finally {
      await server.close();
    }
  });

  it('build every link on WISP_PUBLIC_URL when it is set', async () => {
    const server = await startServer({ WISP_PUBLIC_URL: 'https://wisp.example.com' });
    try {
      const res = await getWithHost(server, '/v1/Sims', 'evil.example');
      assert.doesNotMatch(res.text, /evil\.example/);
      assert.match(JSON.parse(res.text).meta.url, /^https:\/\/wisp\.example\.com\/v1\/Sims/);
    } finally {
      await server.close();
    }
  });

  it('refuse a setting that is not a list of host names', () => {
    assert.throws(() => loadConfig({ WISP_ALLOWED_HOSTS: 'https://wisp.test' }), ConfigError);
    assert.throws(() => loadConfig({ WISP_ALLOWED_HOSTS: 'wisp.test:443' }), ConfigError);
  });
});
