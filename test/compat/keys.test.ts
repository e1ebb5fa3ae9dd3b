import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.js';
import { assertTwilioError, rejection } from '../helpers/spec.js';
import { registerSims } from '../helpers/sims.js';


describe('API keys through the SDK', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('creates a key whose secret is shown once, then never again', async () => {
    const client = server.client();
    const key = await client.api.v2010.accounts(server.accountSid).newKeys.create({ friendlyName: 'deploy bot' });
    assert.match(key.sid, /^SK[0-9a-f]{32}$/);
    assert.equal(key.friendlyName, 'deploy bot');
    assert.match(key.secret, /^[0-9a-f]{64}$/);

    const fetched = await server.request('GET', `/2010-04-01/Accounts/${server.accountSid}/Keys/${key.sid}.json`);
    assert.equal(fetched.status, 200);
    assert.deepEqual(Object.keys(fetched.body).sort(), ['date_created', 'date_updated', 'friendly_name', 'sid']);
    const listed = await server.request('GET', `/2010-04-01/Accounts/${server.accountSid}/Keys.json`);
    assert.ok(listed.body.keys.every((k: Record<string, unknown>) => !('secret' in k)), 'no listed key carries a secret');
  });

  it('lists, fetches, renames and deletes keys', async () => {
    const keys = server.client().api.v2010.accounts(server.accountSid);
    const a = await keys.newKeys.create({ friendlyName: 'a' });
    const b = await keys.newKeys.create();
    assert.equal(b.friendlyName, null);

    const listed = await keys.keys.list();
    assert.ok(listed.some((k) => k.sid === a.sid) && listed.some((k) => k.sid === b.sid));
    const paged = await keys.keys.list({ pageSize: 1 });
    assert.deepEqual(paged.map((k) => k.sid), listed.map((k) => k.sid), 'walking one key per page sees the same keys');

    const fetched = await keys.keys(a.sid).fetch();
    assert.equal(fetched.friendlyName, 'a');
    const renamed = await keys.keys(a.sid).update({ friendlyName: 'renamed' });
    assert.equal(renamed.friendlyName, 'renamed');
    assert.equal((await keys.keys(a.sid).fetch()).friendlyName, 'renamed');

    assert.equal(await keys.keys(b.sid).remove(), true);
    const gone = await rejection(() => keys.keys(b.sid).fetch());
    assert.equal(gone.status, 404);
    assert.equal(gone.code, 20404);
    assert.ok(!(await keys.keys.list()).some((k) => k.sid === b.sid));
  });

  it('a key authenticates as its account; once deleted it no longer does', async () => {
    const master = server.client();
    const key = await master.api.v2010.accounts(server.accountSid).newKeys.create({ friendlyName: 'short-lived' });
    const [sim] = await registerSims(server, 1);
    const byKey = server.client(key.sid, key.secret, server.accountSid);

    assert.equal((await byKey.wireless.v1.sims(sim.sid).fetch()).sid, sim.sid);
    const plan = await byKey.wireless.v1.ratePlans.create({ friendlyName: 'made with a key' });
    assert.equal(plan.accountSid, server.accountSid);

    const wrongSecret = await server.request('GET', '/v1/Sims', { auth: [key.sid, 'f'.repeat(64)] });
    assert.equal(wrongSecret.status, 401);
    assertTwilioError(wrongSecret.body, 401, 20003);

    await master.api.v2010.accounts(server.accountSid).keys(key.sid).remove();
    const res = await server.request('GET', '/v1/Sims', { auth: [key.sid, key.secret] });
    assert.equal(res.status, 401);
    assertTwilioError(res.body, 401, 20003);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Basic/);
  });

  it("a subaccount's key sees only the subaccount's resources", async () => {
    const master = server.client();
    const sub = await master.api.v2010.accounts.create({ friendlyName: 'keyed' });
    // The master manages the subaccount's keys with its own credentials.
    const key = await master.api.v2010.accounts(sub.sid).newKeys.create({ friendlyName: 'sub key' });
    const [masterSim] = await registerSims(server, 1);
    const byKey = server.client(key.sid, key.secret, sub.sid);

    assert.deepEqual(await byKey.wireless.v1.sims.list(), []);
    const hidden = await rejection(() => byKey.wireless.v1.sims(masterSim.sid).fetch());
    assert.equal(hidden.status, 404);
    const plan = await byKey.wireless.v1.ratePlans.create({ uniqueName: 'sub-plan' });
    assert.equal(plan.accountSid, sub.sid);

    // The subaccount's own credentials list the key; the master's key list does not hold it.
    const subKeys = await server.client(sub.sid, sub.authToken).api.v2010.accounts(sub.sid).keys.list();
    assert.deepEqual(subKeys.map((k) => k.sid), [key.sid]);
    const masterKeys = await master.api.v2010.accounts(server.accountSid).keys.list();
    assert.ok(!masterKeys.some((k) => k.sid === key.sid));
    const wrongAccount = await rejection(() => master.api.v2010.accounts(server.accountSid).keys(key.sid).fetch());
    assert.equal(wrongAccount.status, 404);
  });

  it('a key cannot manage keys or accounts, and another account cannot see its keys', async () => {
    const master = server.client();
    const key = await master.api.v2010.accounts(server.accountSid).newKeys.create({ friendlyName: 'limited' });
    const byKey = server.client(key.sid, key.secret, server.accountSid);
    const mint = await rejection(() => byKey.api.v2010.accounts(server.accountSid).newKeys.create({ friendlyName: 'minted' }));
    assert.equal(mint.status, 403);
    const read = await rejection(() => byKey.api.v2010.accounts(server.accountSid).keys.list());
    assert.equal(read.status, 403);
    for (const call of [
      () => byKey.api.v2010.accounts.create({ friendlyName: 'by key' }),
      () => byKey.api.v2010.accounts.list(),
      () => byKey.api.v2010.accounts(server.accountSid).fetch(),
      () => byKey.api.v2010.accounts(server.accountSid).update({ friendlyName: 'by key' }),
    ]) {
      const refused = await rejection(call);
      assert.equal(refused.status, 403);
      assert.equal(refused.code, 20403);
    }
    assert.notEqual((await master.api.v2010.accounts(server.accountSid).fetch()).friendlyName, 'by key');

    const sub = await master.api.v2010.accounts.create({ friendlyName: 'nosy' });
    const nosy = server.client(sub.sid, sub.authToken);
    const peek = await rejection(() => nosy.api.v2010.accounts(server.accountSid).keys(key.sid).fetch());
    assert.equal(peek.status, 404);
    const peekList = await rejection(() => nosy.api.v2010.accounts(server.accountSid).keys.list());
    assert.equal(peekList.status, 404);
    // The key still works: nothing above touched it.
    assert.equal((await master.api.v2010.accounts(server.accountSid).keys(key.sid).fetch()).friendlyName, 'limited');
  });

  it('stops authenticating the keys of a suspended account', async () => {
    const master = server.client();
    const sub = await master.api.v2010.accounts.create({ friendlyName: 'suspend my key' });
    const key = await master.api.v2010.accounts(sub.sid).newKeys.create();
    assert.equal((await server.request('GET', '/v1/Sims', { auth: [key.sid, key.secret] })).status, 200);
    await master.api.v2010.accounts(sub.sid).update({ status: 'suspended' });
    const res = await server.request('GET', '/v1/Sims', { auth: [key.sid, key.secret] });
    assert.equal(res.status, 401);
  });
});
