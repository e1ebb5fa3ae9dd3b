import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freshIccid, startServer, type TestServer } from '../helpers/server.js';
import { assertTwilioError } from '../helpers/spec.js';
import { callerAs, moveSim, registerSims, subaccount, waitForSim } from '../helpers/sims.js';
import type { Account } from '../../src/domain/models.js';

describe('Sims through the SDK', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  /** A fresh subaccount and an SDK client for it, so each test sees only its own SIMs. */
  async function tenant(name: string) {
    const account = await subaccount(server, name);
    return { account, client: server.client(account.sid, account.auth_token) };
  }

  it('fetches a SIM by sid and by unique name', async () => {
    const { account, client } = await tenant('fetcher');
    const [sim] = await registerSims(server, 1, account);
    await client.wireless.v1.sims(sim.sid).update({ uniqueName: 'tracker-1' });
    const bySid = await client.wireless.v1.sims(sim.sid).fetch();
    const byName = await client.wireless.v1.sims('tracker-1').fetch();
    assert.equal(bySid.sid, sim.sid);
    assert.equal(byName.sid, sim.sid);
    assert.equal(byName.uniqueName, 'tracker-1');
    assert.equal(byName.iccid, sim.iccid);
    await assert.rejects(client.wireless.v1.sims('tracker-2').fetch(), { status: 404, code: 20404 });
  });

  it('lists with each filter alone and in combination', async () => {
    const { account, client } = await tenant('lister');
    const alpha = await client.wireless.v1.ratePlans.create({ uniqueName: 'alpha' });
    const beta = await client.wireless.v1.ratePlans.create({ uniqueName: 'beta' });
    const eId = '89049032' + '1'.repeat(23) + '5';
    const iccid = freshIccid();
    await server.admin('POST', '/admin/v1/Inventory/Sims', { sims: [{ iccid, registration_code: 'ESIM-1', e_id: eId }] });
    const esim = await server.wisp.services.sims.register(callerAs(server, account), iccid, 'ESIM-1');
    const [bare, onAlpha, readyAlpha, activeBeta] = await registerSims(server, 4, account);
    await client.wireless.v1.sims(onAlpha.sid).update({ ratePlan: 'alpha' });
    await moveSim(client, readyAlpha.sid, 'ready', alpha.sid);
    await moveSim(client, activeBeta.sid, 'active', 'beta');
    await waitForSim(client, onAlpha.sid, (s) => s.ratePlanSid === alpha.sid);

    const sids = async (filter: Parameters<typeof client.wireless.v1.sims.list>[0]) =>
      (await client.wireless.v1.sims.list(filter)).map((s) => s.sid);
    assert.deepEqual(await sids({}), [esim.sid, bare.sid, onAlpha.sid, readyAlpha.sid, activeBeta.sid], 'in registration order');
    assert.deepEqual(await sids({ status: 'new' }), [esim.sid, bare.sid, onAlpha.sid]);
    assert.deepEqual(await sids({ status: 'ready' }), [readyAlpha.sid]);
    assert.deepEqual(await sids({ status: 'active' }), [activeBeta.sid]);
    assert.deepEqual(await sids({ status: 'suspended' }), []);
    assert.deepEqual(await sids({ iccid: bare.iccid }), [bare.sid]);
    assert.deepEqual(await sids({ iccid: freshIccid() }), []);
    assert.deepEqual(await sids({ ratePlan: alpha.sid }), [onAlpha.sid, readyAlpha.sid]);
    assert.deepEqual(await sids({ ratePlan: 'alpha' }), [onAlpha.sid, readyAlpha.sid], 'a plan by unique name');
    assert.deepEqual(await sids({ ratePlan: beta.sid }), [activeBeta.sid]);
    assert.deepEqual(await sids({ ratePlan: 'no-such-plan' }), [], 'an unknown plan matches nothing');
    assert.deepEqual(await sids({ eId }), [esim.sid]);
    assert.deepEqual(await sids({ simRegistrationCode: 'ESIM-1' }), [esim.sid]);
    assert.deepEqual(await sids({ simRegistrationCode: readyAlpha.registration_code }), [readyAlpha.sid]);
    assert.deepEqual(await sids({ status: 'new', ratePlan: 'alpha' }), [onAlpha.sid]);
    assert.deepEqual(await sids({ status: 'ready', ratePlan: 'alpha', iccid: readyAlpha.iccid }), [readyAlpha.sid]);
    assert.deepEqual(await sids({ status: 'active', ratePlan: 'alpha' }), []);
    assert.deepEqual(await sids({ status: 'new', eId, simRegistrationCode: 'ESIM-1' }), [esim.sid]);
    assert.deepEqual(await sids({ iccid: bare.iccid, simRegistrationCode: 'ESIM-1' }), [], 'filters are combined with and');
  });

  it('keeps the filters in the paging links', async () => {
    const { account, client } = await tenant('links');
    await registerSims(server, 3, account);
    const page = await client.wireless.v1.sims.page({ status: 'new', pageSize: 2 });
    assert.equal(page.instances.length, 2);
    const next = new URL(page.nextPageUrl as string);
    assert.equal(next.searchParams.get('Status'), 'new');
    assert.equal(next.searchParams.get('PageSize'), '2');
    assert.equal(next.searchParams.get('Page'), '1');
    const second = await page.nextPage();
    assert.equal(second?.instances.length, 1);
    assert.equal(second?.nextPageUrl, undefined);
  });

  it('updates every documented parameter and keeps what was not named', async () => {
    const { account, client } = await tenant('updater');
    const plan = await client.wireless.v1.ratePlans.create({ uniqueName: 'upd' });
    const [sim] = await registerSims(server, 1, account);
    const updated = await client.wireless.v1.sims(sim.sid).update({
      uniqueName: 'field-unit',
      friendlyName: 'Field unit 7',
      callbackUrl: 'https://example.com/status',
      callbackMethod: 'GET',
      commandsCallbackUrl: 'https://example.com/commands',
      commandsCallbackMethod: 'GET',
      smsUrl: 'https://example.com/sms',
      smsMethod: 'GET',
      smsFallbackUrl: 'http://example.com/sms-fallback',
      smsFallbackMethod: 'GET',
      voiceUrl: 'https://example.com/voice',
      voiceMethod: 'GET',
      voiceFallbackUrl: 'https://example.com/voice-fallback',
      voiceFallbackMethod: 'GET',
    });
    assert.equal(updated.uniqueName, 'field-unit');
    assert.equal(updated.friendlyName, 'Field unit 7');
    assert.equal(updated.commandsCallbackUrl, 'https://example.com/commands');
    assert.equal(updated.smsUrl, 'https://example.com/sms');
    assert.equal(updated.smsFallbackUrl, 'http://example.com/sms-fallback');
    assert.equal(updated.voiceUrl, 'https://example.com/voice');
    assert.equal(updated.voiceFallbackUrl, 'https://example.com/voice-fallback');
    for (const m of [updated.commandsCallbackMethod, updated.smsMethod, updated.smsFallbackMethod, updated.voiceMethod, updated.voiceFallbackMethod]) {
      assert.equal(m, 'GET');
    }
    assert.ok(updated.dateUpdated.getTime() >= updated.dateCreated.getTime());

    // Methods are case-insensitive on the way in and stored in capitals.
    const lower = await server.request('POST', `/v1/Sims/${sim.sid}`, { auth: [account.sid, account.auth_token], form: { SmsMethod: 'post' } });
    assert.equal(lower.body.sms_method, 'POST');

    const renamed = await client.wireless.v1.sims('field-unit').update({ friendlyName: 'Renamed' });
    assert.equal(renamed.friendlyName, 'Renamed');
    assert.equal(renamed.uniqueName, 'field-unit', 'the unique name is kept');
    assert.equal(renamed.smsUrl, 'https://example.com/sms', 'URLs are kept');

    // Empty values clear the optional settings.
    const cleared = await client.wireless.v1.sims(sim.sid).update({ uniqueName: '', friendlyName: '', smsUrl: '', voiceUrl: '' });
    assert.equal(cleared.uniqueName, null);
    assert.equal(cleared.friendlyName, null);
    assert.equal(cleared.smsUrl, null);
    assert.equal(cleared.voiceUrl, null);
    assert.equal(cleared.commandsCallbackUrl, 'https://example.com/commands');

    // RatePlan by unique name, then Status, then a connectivity reset.
    await client.wireless.v1.sims(sim.sid).update({ ratePlan: 'upd' });
    const planned = await waitForSim(client, sim.sid, (s) => s.ratePlanSid === plan.sid);
    assert.equal(planned.links.rate_plan, `${server.url}/v1/RatePlans/${plan.sid}`);
    await moveSim(client, sim.sid, 'active');
    await client.wireless.v1.sims(sim.sid).update({ resetStatus: 'resetting' });
    const reset = await waitForSim(client, sim.sid, (s) => s.resetStatus === null && s.status === 'active');
    assert.equal(reset.ratePlanSid, plan.sid);

    const fetched = await client.wireless.v1.sims(sim.sid).fetch();
    assert.equal(fetched.commandsCallbackMethod, 'GET');
    assert.equal(fetched.smsFallbackUrl, 'http://example.com/sms-fallback');
  });

  it('moves a new SIM between accounts with master credentials (AccountSid)', async () => {
    const master = server.client();
    const from = await tenant('move-from');
    const to = await tenant('move-to');
    const [sim, planned] = await registerSims(server, 2, from.account);
    await from.client.wireless.v1.ratePlans.create({ uniqueName: 'plan-from' });
    const destPlan = await to.client.wireless.v1.ratePlans.create({ uniqueName: 'plan-to' });
    const fromPlan = await from.client.wireless.v1.ratePlans('plan-from').fetch();
    await from.client.wireless.v1.sims(planned.sid).update({ ratePlan: 'plan-from' });
    await waitForSim(from.client, planned.sid, (s) => s.ratePlanSid === fromPlan.sid && s.status === 'new');

    // A subaccount cannot give its SIM away.
    const refused = await server.request('POST', `/v1/Sims/${sim.sid}`, { auth: [from.account.sid, from.account.auth_token], form: { AccountSid: to.account.sid } });
    assert.equal(refused.status, 403);

    await master.wireless.v1.sims(sim.sid).update({ accountSid: to.account.sid });
    await waitForSim(master, sim.sid, (s) => s.accountSid === to.account.sid && s.status === 'new');
    assert.equal((await to.client.wireless.v1.sims(sim.sid).fetch()).accountSid, to.account.sid);
    await assert.rejects(from.client.wireless.v1.sims(sim.sid).fetch(), { status: 404 });

    // With a rate plan, the move must name a plan of the destination (or none): 33102 when it names
    // none (twilio.com/docs/api/errors/33102; Wisp answered 33108 before), 33108 when it is not there.
    await assert.rejects(master.wireless.v1.sims(planned.sid).update({ accountSid: to.account.sid }), { status: 400, code: 33102 });
    await assert.rejects(master.wireless.v1.sims(planned.sid).update({ accountSid: to.account.sid, ratePlan: 'no-such-plan' }), { status: 400, code: 33108 });
    await master.wireless.v1.sims(planned.sid).update({ accountSid: to.account.sid, ratePlan: destPlan.sid });
    await waitForSim(master, planned.sid, (s) => s.accountSid === to.account.sid && s.ratePlanSid === destPlan.sid && s.status === 'new');

    // And back to the master itself.
    await master.wireless.v1.sims(sim.sid).update({ accountSid: server.accountSid });
    await waitForSim(master, sim.sid, (s) => s.accountSid === server.accountSid);
  });

  it('deletes a new SIM but not an active one', async () => {
    const { account, client } = await tenant('deleter');
    await client.wireless.v1.ratePlans.create({ uniqueName: 'del' });
    const [fresh, busy] = await registerSims(server, 2, account);
    await moveSim(client, busy.sid, 'active', 'del');

    assert.equal(await client.wireless.v1.sims(fresh.sid).remove(), true);
    await assert.rejects(client.wireless.v1.sims(fresh.sid).fetch(), { status: 404, code: 20404 });
    const res = await server.request('DELETE', `/v1/Sims/${busy.sid}`, { auth: [account.sid, account.auth_token] });
    assert.equal(res.status, 409);
    assertTwilioError(res.body, 409, 20409);
    assert.equal((await client.wireless.v1.sims(busy.sid).fetch()).status, 'active');
    assert.deepEqual((await client.wireless.v1.sims.list()).map((s) => s.sid), [busy.sid]);
  });

  it('follows the lifecycle table through the API', async () => {
    const { account, client } = await tenant('lifecycle');
    await client.wireless.v1.ratePlans.create({ uniqueName: 'life' });
    const [sim] = await registerSims(server, 1, account);
    await assert.rejects(client.wireless.v1.sims(sim.sid).update({ status: 'ready' }), { status: 400, code: 33104 });
    await moveSim(client, sim.sid, 'ready', 'life');
    await moveSim(client, sim.sid, 'active');
    await assert.rejects(client.wireless.v1.sims(sim.sid).update({ status: 'ready' }), { status: 400, code: 33105 });
    await moveSim(client, sim.sid, 'suspended');
    await moveSim(client, sim.sid, 'active');
    await moveSim(client, sim.sid, 'deactivated');
    for (const status of ['ready', 'active', 'suspended', 'new'] as const) {
      await assert.rejects(client.wireless.v1.sims(sim.sid).update({ status }), { status: 400, code: 33105 });
    }
  });
});

describe('Sims across accounts', () => {
  let server: TestServer;
  let sub: Account;
  let sibling: Account;
  before(async () => {
    server = await startServer();
    sub = await subaccount(server, 'sub');
    sibling = await subaccount(server, 'sibling');
  });
  after(() => server.close());

  it("a subaccount gets 404 for its master's and its sibling's SIMs, whatever it tries", async () => {
    const [masterSim] = await registerSims(server, 1);
    const [siblingSim] = await registerSims(server, 1, sibling);
    await server.client().wireless.v1.sims(masterSim.sid).update({ uniqueName: 'shared-name' });
    const subClient = server.client(sub.sid, sub.auth_token);
    for (const sid of [masterSim.sid, siblingSim.sid, 'shared-name']) {
      await assert.rejects(subClient.wireless.v1.sims(sid).fetch(), { status: 404, code: 20404 });
      await assert.rejects(subClient.wireless.v1.sims(sid).update({ friendlyName: 'mine now' }), { status: 404, code: 20404 });
      await assert.rejects(subClient.wireless.v1.sims(sid).remove(), { status: 404, code: 20404 });
    }
    assert.deepEqual(await subClient.wireless.v1.sims.list(), []);
    assert.deepEqual(await subClient.wireless.v1.sims.list({ iccid: masterSim.iccid }), []);
    assert.equal((await server.client().wireless.v1.sims(masterSim.sid).fetch()).friendlyName, null);
    assert.equal((await server.client().wireless.v1.sims(siblingSim.sid).fetch()).friendlyName, null);
  });

  it("the master fetches and updates a subaccount's SIM by sid", async () => {
    const [subSim] = await registerSims(server, 1, sub);
    const master = server.client();
    const fetched = await master.wireless.v1.sims(subSim.sid).fetch();
    assert.equal(fetched.accountSid, sub.sid);
    const updated = await master.wireless.v1.sims(subSim.sid).update({ friendlyName: 'managed by master' });
    assert.equal(updated.friendlyName, 'managed by master');
    assert.equal(updated.accountSid, sub.sid);
    assert.equal((await server.client(sub.sid, sub.auth_token).wireless.v1.sims(subSim.sid).fetch()).friendlyName, 'managed by master');
  });
});
