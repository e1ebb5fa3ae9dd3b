import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.js';
import { assertTwilioError, rejection } from '../helpers/spec.js';
import { registerSims } from '../helpers/sims.js';


describe('Accounts through the SDK', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('creates a subaccount owned by the master, with its own auth token', async () => {
    const client = server.client();
    const sub = await client.api.v2010.accounts.create({ friendlyName: 'Acme fleet' });
    assert.match(sub.sid, /^AC[0-9a-f]{32}$/);
    assert.match(sub.authToken, /^[0-9a-f]{32}$/);
    assert.notEqual(sub.authToken, server.authToken);
    assert.equal(sub.ownerAccountSid, server.accountSid);
    assert.equal(sub.friendlyName, 'Acme fleet');
    assert.equal(sub.status, 'active');
    assert.equal(sub.uri, `/2010-04-01/Accounts/${sub.sid}.json`);
    assert.equal(sub.subresourceUris.keys, `/2010-04-01/Accounts/${sub.sid}/Keys.json`);

    const fetched = await client.api.v2010.accounts(sub.sid).fetch();
    assert.equal(fetched.friendlyName, 'Acme fleet');
    assert.equal(fetched.dateCreated.getTime(), sub.dateCreated.getTime());
  });

  it('names a subaccount after its creation time when no FriendlyName is given', async () => {
    const sub = await server.client().api.v2010.accounts.create();
    assert.match(sub.friendlyName, /^SubAccount Created at \d{4}-\d{2}-\d{2} \d{2}:\d{2} [ap]m$/);
  });

  it('fetches the master account itself', async () => {
    const master = await server.client().api.v2010.accounts(server.accountSid).fetch();
    assert.equal(master.sid, server.accountSid);
    assert.equal(master.ownerAccountSid, server.accountSid);
    assert.equal(master.status, 'active');
  });

  it('lists accounts with FriendlyName and Status filters, alone and combined', async () => {
    const client = server.client();
    const a = await client.api.v2010.accounts.create({ friendlyName: 'filter-me' });
    const b = await client.api.v2010.accounts.create({ friendlyName: 'filter-me' });
    const c = await client.api.v2010.accounts.create({ friendlyName: 'other-name' });
    await client.api.v2010.accounts(b.sid).update({ status: 'suspended' });

    const all = await client.api.v2010.accounts.list();
    const sids = all.map((x) => x.sid);
    for (const sid of [server.accountSid, a.sid, b.sid, c.sid]) assert.ok(sids.includes(sid), `${sid} is listed`);
    assert.equal(new Set(sids).size, sids.length, 'no account is listed twice');

    const byName = await client.api.v2010.accounts.list({ friendlyName: 'filter-me' });
    assert.deepEqual(byName.map((x) => x.sid).sort(), [a.sid, b.sid].sort());

    const suspended = await client.api.v2010.accounts.list({ status: 'suspended' });
    assert.deepEqual(suspended.map((x) => x.sid), [b.sid]);

    const both = await client.api.v2010.accounts.list({ friendlyName: 'filter-me', status: 'active' });
    assert.deepEqual(both.map((x) => x.sid), [a.sid]);

    const none = await client.api.v2010.accounts.list({ friendlyName: 'filter-me', status: 'closed' });
    assert.deepEqual(none, []);
  });

  it('walks the account list page by page with the SDK', async () => {
    const client = server.client();
    const all = await client.api.v2010.accounts.list();
    const paged = await client.api.v2010.accounts.list({ pageSize: 2 });
    assert.ok(all.length > 2, 'enough accounts to need several pages');
    assert.deepEqual(paged.map((x) => x.sid), all.map((x) => x.sid));
  });

  it('updates FriendlyName and keeps everything else', async () => {
    const client = server.client();
    const sub = await client.api.v2010.accounts.create({ friendlyName: 'before' });
    const updated = await client.api.v2010.accounts(sub.sid).update({ friendlyName: 'after' });
    assert.equal(updated.friendlyName, 'after');
    assert.equal(updated.status, 'active');
    assert.equal(updated.authToken, sub.authToken);
    const fetched = await client.api.v2010.accounts(sub.sid).fetch();
    assert.equal(fetched.friendlyName, 'after');
  });

  it('a suspended subaccount cannot authenticate until it is reactivated', async () => {
    const master = server.client();
    const sub = await master.api.v2010.accounts.create({ friendlyName: 'to suspend' });
    const subClient = server.client(sub.sid, sub.authToken);
    assert.equal((await subClient.wireless.v1.sims.list()).length, 0);

    const suspended = await master.api.v2010.accounts(sub.sid).update({ status: 'suspended' });
    assert.equal(suspended.status, 'suspended');
    const refused = await rejection(() => subClient.wireless.v1.sims.list());
    assert.equal(refused.status, 401);
    assert.equal(refused.code, 20005);
    // Master credentials acting as the suspended subaccount are refused too.
    const asSub = await rejection(() => server.client(sub.sid, server.authToken).wireless.v1.sims.list());
    assert.equal(asSub.status, 401);

    await master.api.v2010.accounts(sub.sid).update({ status: 'active' });
    assert.equal((await subClient.wireless.v1.sims.list()).length, 0);
  });

  it('a closed subaccount cannot authenticate and cannot be reopened', async () => {
    const master = server.client();
    const sub = await master.api.v2010.accounts.create({ friendlyName: 'to close' });
    const closed = await master.api.v2010.accounts(sub.sid).update({ status: 'closed' });
    assert.equal(closed.status, 'closed');

    const refused = await rejection(() => server.client(sub.sid, sub.authToken).wireless.v1.ratePlans.list());
    assert.equal(refused.status, 401);
    assert.equal(refused.code, 20005);

    const reopen = await rejection(() => master.api.v2010.accounts(sub.sid).update({ status: 'active' }));
    assert.equal(reopen.status, 400);
    assert.match(reopen.message, /closed account cannot be reopened/);
    assert.equal((await master.api.v2010.accounts(sub.sid).fetch()).status, 'closed');
  });

  it('the master acts as a subaccount with SubSid:MasterToken', async () => {
    const master = server.client();
    const sub = await master.api.v2010.accounts.create({ friendlyName: 'managed' });
    const [masterSim] = await registerSims(server, 1);
    const actAs = server.client(sub.sid, server.authToken);

    const plan = await actAs.wireless.v1.ratePlans.create({ uniqueName: 'sub-plan' });
    assert.equal(plan.accountSid, sub.sid);
    const [card] = await server.stockSims(1);
    const sim = await server.request('POST', '/v1/Sims', { auth: [sub.sid, server.authToken], form: { Iccid: card.iccid, RegistrationCode: card.code } });
    assert.equal(sim.status, 201);
    assert.equal(sim.body.account_sid, sub.sid);

    const listed = await actAs.wireless.v1.sims.list();
    assert.deepEqual(listed.map((s) => s.sid), [sim.body.sid], 'acting as the subaccount lists only its SIMs');
    const masterOnly = await master.wireless.v1.sims.list();
    assert.ok(masterOnly.some((s) => s.sid === masterSim.sid));
    assert.ok(!masterOnly.some((s) => s.sid === sim.body.sid), "the master's own list holds only its own SIMs");
    assert.equal((await master.wireless.v1.sims(sim.body.sid).fetch()).accountSid, sub.sid, "the master fetches a subaccount's SIM by sid");
  });

  it('a subaccount sees only itself and cannot create subaccounts', async () => {
    const master = server.client();
    const sub = await master.api.v2010.accounts.create({ friendlyName: 'restricted' });
    const sibling = await master.api.v2010.accounts.create({ friendlyName: 'sibling' });
    const subClient = server.client(sub.sid, sub.authToken);

    const visible = await subClient.api.v2010.accounts.list();
    assert.deepEqual(visible.map((a) => a.sid), [sub.sid]);
    for (const other of [server.accountSid, sibling.sid]) {
      const hidden = await rejection(() => subClient.api.v2010.accounts(other).fetch());
      assert.equal(hidden.status, 404);
      assert.equal(hidden.code, 20404);
    }
    const create = await rejection(() => subClient.api.v2010.accounts.create({ friendlyName: 'grandchild' }));
    assert.equal(create.status, 403);
    const suspendSelf = await rejection(() => subClient.api.v2010.accounts(sub.sid).update({ status: 'suspended' }));
    assert.equal(suspendSelf.status, 403);
    assert.equal((await master.api.v2010.accounts(sub.sid).fetch()).status, 'active');
    // It may rename itself.
    assert.equal((await subClient.api.v2010.accounts(sub.sid).update({ friendlyName: 'renamed' })).friendlyName, 'renamed');
  });

  it('refuses to change the master account status', async () => {
    const refused = await rejection(() => server.client().api.v2010.accounts(server.accountSid).update({ status: 'suspended' }));
    assert.equal(refused.status, 400);
    assert.equal((await server.client().api.v2010.accounts(server.accountSid).fetch()).status, 'active');
  });
});

describe('Authentication', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  const paths = ['/v1/Sims', '/v1/RatePlans', '/2010-04-01/Accounts.json'];

  it('answers 401 with code 20003 and WWW-Authenticate when credentials are missing', async () => {
    for (const path of paths) {
      const res = await server.request('GET', path, { auth: null });
      assert.equal(res.status, 401, path);
      assertTwilioError(res.body, 401, 20003);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    }
  });

  it('answers 401 with code 20003 for a wrong token, an unknown account and a malformed header', async () => {
    const attempts: [string, string][] = [
      [server.accountSid, '0'.repeat(32)],
      [server.accountSid, ''],
      ['AC' + '0'.repeat(32), server.authToken],
      ['SK' + '0'.repeat(32), server.authToken],
      ['not-a-sid', 'whatever'],
    ];
    for (const auth of attempts) {
      const res = await server.request('GET', '/v1/Sims', { auth });
      assert.equal(res.status, 401, auth.join(':'));
      assertTwilioError(res.body, 401, 20003);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic/);
    }
    const res = await fetch(`${server.url}/v1/Sims`, { headers: { authorization: 'Bearer abc' } });
    assert.equal(res.status, 401);
    assertTwilioError(await res.json(), 401, 20003);
  });

  it('the SDK reports a wrong token as a 401 RestException', async () => {
    const error = await rejection(() => server.client(server.accountSid, 'f'.repeat(32)).wireless.v1.sims.list());
    assert.equal(error.status, 401);
    assert.equal(error.code, 20003);
  });

  it("a subaccount's token does not open its master, nor a sibling's token a sibling", async () => {
    const master = server.client();
    const a = await master.api.v2010.accounts.create({ friendlyName: 'a' });
    const b = await master.api.v2010.accounts.create({ friendlyName: 'b' });
    for (const [user, secret] of [[server.accountSid, a.authToken], [b.sid, a.authToken]]) {
      const res = await server.request('GET', '/v1/Sims', { auth: [user, secret] });
      assert.equal(res.status, 401);
      assertTwilioError(res.body, 401, 20003);
    }
  });

  it('/healthz answers 200 without credentials', async () => {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });
});
