import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freshIccid, startServer, type TestServer } from '../helpers/server.js';
import { assertMatchesSpec, assertTwilioError } from '../helpers/spec.js';
import { withCheckDigit } from '../../src/domain/iccid.js';

describe('SIM registration (POST /v1/Sims)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  /** Registers through the SDK's Super SIM create, which posts the same Iccid and RegistrationCode form. */
  function registrar(user = server.accountSid, secret = server.authToken) {
    const client = server.client(user, secret);
    client.supersim.baseUrl = server.url;
    return client.supersim.v1.sims;
  }

  const count = async (user = server.accountSid, secret = server.authToken) =>
    (await server.request('GET', '/v1/Sims?PageSize=1000', { auth: [user, secret] })).body.sims.length;

  it('registers a stocked SIM card in status new with a fresh DE sid and every default', async () => {
    const [card] = await server.stockSims(1);
    const created = await registrar().create({ iccid: card.iccid, registrationCode: card.code });
    assert.match(created.sid, /^DE[0-9a-f]{32}$/);
    assert.equal(created.iccid, card.iccid);
    assert.equal(created.status, 'new');

    const sim = await server.client().wireless.v1.sims(created.sid).fetch();
    assert.equal(sim.accountSid, server.accountSid);
    assert.equal(sim.iccid, card.iccid);
    assert.equal(sim.status, 'new');
    assert.equal(sim.ratePlanSid, null);
    assert.equal(sim.uniqueName, null);
    assert.equal(sim.friendlyName, null);
    assert.equal(sim.resetStatus, null);
    assert.equal(sim.ipAddress, null);
    for (const method of [sim.commandsCallbackMethod, sim.smsMethod, sim.smsFallbackMethod, sim.voiceMethod, sim.voiceFallbackMethod]) {
      assert.equal(method, 'POST');
    }
    assert.equal(sim.url, `${server.url}/v1/Sims/${sim.sid}`);
    assert.deepEqual(sim.links, {
      data_sessions: `${sim.url}/DataSessions`,
      rate_plan: null,
      usage_records: `${sim.url}/UsageRecords`,
    });
  });

  it('answers 201 with a Sim body that matches the spec, e_id taken from the inventory', async () => {
    const iccid = freshIccid();
    const eId = '8904903200' + '0'.repeat(21) + '7';
    const stocked = await server.admin('POST', '/admin/v1/Inventory/Sims', { sims: [{ iccid, registration_code: 'EID-CARD', e_id: eId }] });
    assert.equal(stocked.body.imported, 1);
    const res = await server.request('POST', '/v1/Sims', { form: { Iccid: iccid, RegistrationCode: 'EID-CARD' } });
    assert.equal(res.status, 201);
    assertMatchesSpec('wireless', 'GET', '/v1/Sims/{Sid}', 200, res.body);
    assert.equal(res.body.e_id, eId);
    assert.match(res.body.date_created, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('gives each failure its own status, code and message, and registers nothing', async () => {
    const [mine, theirs, spare] = await server.stockSims(3);
    const sub = await server.client().api.v2010.accounts.create({ friendlyName: 'other owner' });
    const first = await registrar().create({ iccid: mine.iccid, registrationCode: mine.code });
    await registrar(sub.sid, sub.authToken).create({ iccid: theirs.iccid, registrationCode: theirs.code });
    const before = await count();

    const badLuhn = spare.iccid.slice(0, -1) + String((Number(spare.iccid.at(-1)) + 1) % 10);
    const cases: { name: string; form: Record<string, string>; status: number; code: number; message: RegExp }[] = [
      { name: 'no Iccid', form: { RegistrationCode: spare.code }, status: 400, code: 83001, message: /Iccid/ },
      { name: 'no RegistrationCode', form: { Iccid: spare.iccid }, status: 400, code: 83001, message: /RegistrationCode/ },
      { name: 'empty Iccid', form: { Iccid: '', RegistrationCode: spare.code }, status: 400, code: 83001, message: /Iccid/ },
      { name: 'bad check digit', form: { Iccid: badLuhn, RegistrationCode: spare.code }, status: 400, code: 33101, message: /Luhn/ },
      { name: 'too short', form: { Iccid: '890126000000000003', RegistrationCode: spare.code }, status: 400, code: 33101, message: /19 or 20 digits/ },
      { name: 'letters', form: { Iccid: '89012600000000000AB', RegistrationCode: spare.code }, status: 400, code: 33101, message: /not a valid ICCID/ },
      { name: 'unknown ICCID', form: { Iccid: withCheckDigit('899999999999999999'), RegistrationCode: spare.code }, status: 400, code: 83002, message: /No SIM card with ICCID/ },
      { name: 'wrong code', form: { Iccid: spare.iccid, RegistrationCode: 'WRONG-CODE' }, status: 400, code: 83002, message: /RegistrationCode does not match/ },
      { name: 'already yours', form: { Iccid: mine.iccid, RegistrationCode: mine.code }, status: 409, code: 83003, message: new RegExp(`already registered to your account as ${first.sid}`) },
      { name: 'taken by another account', form: { Iccid: theirs.iccid, RegistrationCode: theirs.code }, status: 400, code: 83002, message: /registered to another account/ },
    ];
    for (const c of cases) {
      const res = await server.request('POST', '/v1/Sims', { form: c.form });
      assert.equal(res.status, c.status, `${c.name}: ${JSON.stringify(res.body)}`);
      assertTwilioError(res.body, c.status, c.code);
      assert.match(res.body.message, c.message, c.name);
    }
    assert.equal(await count(), before, 'no failed registration added a SIM');
    // The spare card is still free after all those attempts.
    const ok = await server.request('POST', '/v1/Sims', { form: { Iccid: spare.iccid, RegistrationCode: spare.code } });
    assert.equal(ok.status, 201);
  });

  it('the distinct registration failures are told apart by code through the SDK', async () => {
    const [card] = await server.stockSims(1);
    await assert.rejects(registrar().create({ iccid: card.iccid, registrationCode: 'NOPE' }), { status: 400, code: 83002 });
    await registrar().create({ iccid: card.iccid, registrationCode: card.code });
    await assert.rejects(registrar().create({ iccid: card.iccid, registrationCode: card.code }), { status: 409, code: 83003 });
  });

  it('a deleted SIM returns its card to the inventory, to be registered again as a new Sim', async () => {
    const [card] = await server.stockSims(1);
    const first = await registrar().create({ iccid: card.iccid, registrationCode: card.code });
    assert.equal(await server.client().wireless.v1.sims(first.sid).remove(), true);
    const sub = await server.client().api.v2010.accounts.create({ friendlyName: 'next owner' });
    const second = await registrar(sub.sid, sub.authToken).create({ iccid: card.iccid, registrationCode: card.code });
    assert.notEqual(second.sid, first.sid);
    assert.equal(second.accountSid, sub.sid);
    await assert.rejects(server.client().wireless.v1.sims(first.sid).fetch(), { status: 404 });
  });

  it('a subaccount registers into itself, and the master acting as it does too', async () => {
    const sub = await server.client().api.v2010.accounts.create({ friendlyName: 'registrar' });
    const [a, b] = await server.stockSims(2);
    const own = await registrar(sub.sid, sub.authToken).create({ iccid: a.iccid, registrationCode: a.code });
    const actAs = await registrar(sub.sid, server.authToken).create({ iccid: b.iccid, registrationCode: b.code });
    assert.equal(own.accountSid, sub.sid);
    assert.equal(actAs.accountSid, sub.sid);
    assert.equal(await count(sub.sid, sub.authToken), 2);
  });
});

describe("The operator's inventory import (POST /admin/v1/Inventory/Sims)", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('imports new cards, reports repeats as unchanged and rejects bad rows with their index', async () => {
    const [a, b, c, d] = [freshIccid(), freshIccid(), freshIccid(), freshIccid()];
    const first = await server.admin('POST', '/admin/v1/Inventory/Sims', {
      sims: [
        { iccid: a, registration_code: 'CODE-A' },
        { iccid: b, registration_code: 'CODE-B', e_id: '1'.repeat(32) },
      ],
    });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { imported: 2, unchanged: 0, rejected: [] });

    const badLuhn = c.slice(0, -1) + String((Number(c.at(-1)) + 1) % 10);
    const second = await server.admin('POST', '/admin/v1/Inventory/Sims', {
      sims: [
        { iccid: a, registration_code: 'CODE-A' },
        { iccid: c, registration_code: 'CODE-C' },
        { iccid: badLuhn, registration_code: 'CODE-X' },
        { iccid: d, registration_code: 'no spaces allowed' },
        { iccid: d, registration_code: 'CODE-D', e_id: '123' },
        { iccid: c, registration_code: 'CODE-C' },
        { iccid: b, registration_code: 'OTHER-B', e_id: '1'.repeat(32) },
        'not an object',
        { registration_code: 'CODE-Y' },
      ],
    });
    assert.equal(second.status, 200);
    assert.equal(second.body.imported, 1, 'only c is new');
    assert.equal(second.body.unchanged, 1, 'a is already there, unchanged');
    const rejected = new Map<number, string>(second.body.rejected.map((r: { index: number; reason: string }) => [r.index, r.reason]));
    assert.deepEqual([...rejected.keys()].sort((x, y) => x - y), [2, 3, 4, 5, 6, 7, 8]);
    assert.match(rejected.get(2)!, /Luhn/);
    assert.match(rejected.get(3)!, /registration_code/);
    assert.match(rejected.get(4)!, /e_id/);
    assert.match(rejected.get(5)!, /earlier in this request/);
    assert.match(rejected.get(6)!, /already in the inventory with a different registration code/);
    assert.match(rejected.get(7)!, /iccid/);
    assert.match(rejected.get(8)!, /iccid/);
    assert.deepEqual(second.body.rejected.map((r: { index: number }) => r.index), [2, 3, 4, 5, 6, 7, 8], 'rejections in row order');

    // A conflict is reported against the row that carried it, not an earlier bad row of the same ICCID.
    const third = await server.admin('POST', '/admin/v1/Inventory/Sims', {
      sims: [{ iccid: b, registration_code: 'x' }, { iccid: b, registration_code: 'OTHER-B' }],
    });
    assert.deepEqual(third.body.rejected.map((r: { index: number }) => r.index), [0, 1]);
    assert.match(third.body.rejected[1].reason, /different registration code/);

    // The imported cards register with their codes; the rejected change to b did not apply.
    const ok = await server.request('POST', '/v1/Sims', { form: { Iccid: c, RegistrationCode: 'CODE-C' } });
    assert.equal(ok.status, 201);
    const old = await server.request('POST', '/v1/Sims', { form: { Iccid: b, RegistrationCode: 'OTHER-B' } });
    assert.equal(old.status, 400);
    const withEid = await server.request('POST', '/v1/Sims', { form: { Iccid: b, RegistrationCode: 'CODE-B' } });
    assert.equal(withEid.body.e_id, '1'.repeat(32));
  });

  it('importing a registered card again leaves its Sim alone', async () => {
    const [card] = await server.stockSims(1);
    const sim = await server.request('POST', '/v1/Sims', { form: { Iccid: card.iccid, RegistrationCode: card.code } });
    const again = await server.admin('POST', '/admin/v1/Inventory/Sims', { sims: [{ iccid: card.iccid, registration_code: card.code }] });
    assert.deepEqual(again.body, { imported: 0, unchanged: 1, rejected: [] });
    const dup = await server.request('POST', '/v1/Sims', { form: { Iccid: card.iccid, RegistrationCode: card.code } });
    assert.equal(dup.status, 409);
    assert.equal((await server.request('GET', `/v1/Sims/${sim.body.sid}`)).body.status, 'new');
  });

  it('refuses a body that is not a list of cards', async () => {
    for (const body of [{}, { sims: 'x' }, []]) {
      const res = await server.admin('POST', '/admin/v1/Inventory/Sims', body);
      assert.equal(res.status, 400);
      assert.match(res.body.error, /"sims"/);
    }
    const tooMany = await server.admin('POST', '/admin/v1/Inventory/Sims', { sims: Array.from({ length: 10_001 }, () => ({})) });
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body.error, /At most 10000/);
  });

  it('answers 401 without the bearer token, with a wrong one, or with Basic credentials', async () => {
    const body = JSON.stringify({ sims: [{ iccid: freshIccid(), registration_code: 'SNEAKY' }] });
    const basic = 'Basic ' + Buffer.from(`${server.accountSid}:${server.authToken}`).toString('base64');
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', basic, `Bearer ${server.adminToken}x`]) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (authorization) headers.authorization = authorization;
      const res = await fetch(`${server.url}/admin/v1/Inventory/Sims`, { method: 'POST', headers, body });
      assert.equal(res.status, 401, String(authorization));
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.equal((await res.json()).status, 401);
    }
    const iccid = JSON.parse(body).sims[0].iccid;
    const res = await server.request('POST', '/v1/Sims', { form: { Iccid: iccid, RegistrationCode: 'SNEAKY' } });
    assert.equal(res.status, 400, 'nothing was imported');
    assert.equal(res.body.code, 83002);
  });
});
