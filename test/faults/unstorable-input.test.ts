import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newSim, startFastServer } from '../helpers/lifecycle.js';
import { assertTwilioError } from '../helpers/spec.js';
import type { TestServer } from '../helpers/server.js';

// Text a database cannot store alike (a NUL: PostgreSQL's text refuses it, SQLite keeps it),
// other control characters, lone surrogates and numbers beyond any id are refused at the wire
// with a 400, on both stores, wherever they come: form fields, query filters, path segments,
// Basic-auth user names, admin JSON fields. Nothing changes, and the Sim is never wedged.

describe('values the database cannot store', () => {
  let server: TestServer;
  let sid: string;
  let callback: string;

  before(async () => {
    server = await startFastServer();
    sid = await newSim(server);
    callback = 'http://127.0.0.1:9/hook';
  });
  after(() => server.close());

  const snapshot = async () => ({
    sim: (await server.request('GET', `/v1/Sims/${sid}`)).body,
    jobs: (await server.admin('GET', '/admin/v1/Jobs?limit=1000')).body.jobs.length,
    callbacks: (await server.admin('GET', '/admin/v1/Callbacks?limit=1000')).body.callbacks.length,
  });

  it('refuses a NUL in CallbackUrl with a Twilio 400 and leaves the Sim as it was', async () => {
    const was = await snapshot();
    const res = await server.request('POST', `/v1/Sims/${sid}`, { form: { Status: 'deactivated', CallbackUrl: `${callback}\u0000x` } });
    assertTwilioError(res.body, 400, 33101);
    assert.match(res.body.message, /CallbackUrl must not contain control characters \(found U\+0000\)/);
    assert.deepEqual(await snapshot(), was, 'nothing changed: the Sim, its jobs and callbacks');
    // Not wedged: a good change goes through and lands.
    const ok = await server.request('POST', `/v1/Sims/${sid}`, { form: { UniqueName: 'still-fine' } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.unique_name, 'still-fine');
  });

  it('refuses control characters and lone surrogates everywhere, with 400s only', async () => {
    const was = await snapshot();
    const basic = (user: string) => 'Basic ' + Buffer.from(`${user}:${server.authToken}`).toString('base64');
    // Twilio's dictionary: an invalid value is 33101 on the Wireless resources, 20001 elsewhere.
    const WIRELESS = 33101;
    const OTHER = 20001;
    const twilioCases: { what: string; code: number; res: () => Promise<{ status: number; body: any }> }[] = [
      { what: 'a form field', code: WIRELESS, res: () => server.request('POST', `/v1/Sims/${sid}`, { form: { UniqueName: 'a\u0001b' } }) },
      { what: 'a NUL in FriendlyName', code: WIRELESS, res: () => server.request('POST', `/v1/Sims/${sid}`, { form: { FriendlyName: '\u0000' } }) },
      { what: 'a parameter name', code: WIRELESS, res: () => server.request('POST', `/v1/Sims/${sid}`, { form: { 'Unique\u0000Name': 'x' } }) },
      { what: 'a query filter', code: WIRELESS, res: () => server.request('GET', `/v1/Sims?Status=active%00`) },
      { what: 'an event filter', code: OTHER, res: () => server.request('GET', `/v1/Events?ResourceSid=DE%00`) },
      { what: 'a path segment', code: WIRELESS, res: () => server.request('GET', `/v1/Sims/DE%00abc`) },
      { what: 'a path segment of an update', code: WIRELESS, res: () => server.request('POST', `/v1/Sims/%1B`, { form: { UniqueName: 'x' } }) },
      { what: 'a DEL in a key name', code: OTHER, res: () => server.request('POST', `/2010-04-01/Accounts/${server.accountSid}/Keys.json`, { form: { FriendlyName: 'k\u007f' } }) },
      {
        what: 'a Basic-auth user name',
        // Refused with the credentials, before any resource is looked at.
        code: OTHER,
        res: async () => {
          const r = await fetch(`${server.url}/v1/Sims`, { headers: { authorization: basic(`${server.accountSid}\u0000`) } });
          return { status: r.status, body: await r.json() };
        },
      },
    ];
    for (const { what, code, res } of twilioCases) {
      const answer = await res();
      assert.equal(answer.status, 400, `${what}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.code, code, `${what}: ${JSON.stringify(answer.body)}`);
      assertTwilioError(answer.body, 400, code);
    }
    const adminCases: { what: string; method: string; path: string; body?: unknown }[] = [
      { what: 'an admin JSON field', method: 'POST', path: '/admin/v1/Inventory/Sims', body: { sims: [{ iccid: '8901\u0000', registration_code: 'x' }] } },
      { what: 'a lone surrogate in an admin field', method: 'POST', path: '/admin/v1/Inventory/Sims', body: { sims: [{ iccid: '8901', registration_code: '\ud800' }] } },
      { what: 'a number beyond any id', method: 'POST', path: `/admin/v1/Sims/${sid}/DataSessions`, body: { bytes_uploaded: 1e300, bytes_downloaded: 1 } },
      { what: 'an id beyond 64 bits in a query', method: 'GET', path: '/admin/v1/Jobs?before=123456789012345678901234567890' },
      { what: 'a control character in an admin filter', method: 'GET', path: `/admin/v1/Callbacks?sim_sid=${sid}%07` },
    ];
    for (const { what, method, path, body } of adminCases) {
      const answer = await server.admin(method, path, body);
      assert.equal(answer.status, 400, `${what}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.code, 'invalid_body');
    }
    const ids = await server.admin('POST', '/admin/v1/Jobs/123456789012345678901234567890/Retry');
    assert.ok(ids.status < 500, `an id beyond 64 bits in a path: ${ids.status}`);
    assert.deepEqual(await snapshot(), was, 'nothing changed');
  });
});
