import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.js';
import { type Receiver, assertCallback, assertSigned, newSim, refusal, settledAt, simAt, simEvents, simNow, startFastServer, startReceiver, until } from '../helpers/lifecycle.js';

describe('connectivity reset', () => {
  let server: TestServer;
  let hook: Receiver;
  before(async () => {
    server = await startFastServer({ WISP_ROLE: 'api' });
    hook = await startReceiver();
  });
  after(async () => {
    await server.close();
    await hook.close();
  });
  const runDue = () => server.admin('POST', '/admin/v1/Clock', { advance_seconds: 0 });

  it('shows `resetting` until the operator has reset the SIM, then null; a second reset meanwhile is a 409', async () => {
    const client = server.client();
    const sid = await newSim(server);
    const plan = await client.wireless.v1.ratePlans.create({});
    await client.wireless.v1.sims(sid).update({ ratePlan: plan.sid, status: 'active' });
    await runDue();
    const answer = await client.wireless.v1.sims(sid).update({ resetStatus: 'resetting', callbackUrl: `${hook.url}/reset` });
    assert.equal(answer.resetStatus, 'resetting');
    assert.equal(answer.status, 'active', 'a reset does not change the status');
    const again = await refusal(() => client.wireless.v1.sims(sid).update({ resetStatus: 'resetting' }));
    assert.equal(again.status, 409);
    assert.equal(again.code, 33120, 'SIM connectivity reset in progress');
    await runDue();
    const sim = await client.wireless.v1.sims(sid).fetch();
    assert.equal(sim.resetStatus, null);
    const [call] = await hook.waitFor('/reset', 1);
    assertSigned(call, server.authToken);
    assertCallback(call, await simNow(server, sid), 'active');
    // Reset again once the first one is done.
    await client.wireless.v1.sims(sid).update({ resetStatus: 'resetting' });
    await runDue();
    assert.equal((await simNow(server, sid)).reset_status, null);
  });

  it('resets only a SIM that can attach (ready or active)', async () => {
    const client = server.client();
    for (const status of ['new', 'suspended'] as const) {
      const sid = await newSim(server);
      const plan = await client.wireless.v1.ratePlans.create({});
      await client.wireless.v1.sims(sid).update({ ratePlan: plan.sid, ...(status === 'suspended' ? { status: 'active' } : {}) });
      await runDue();
      if (status === 'suspended') {
        await client.wireless.v1.sims(sid).update({ status: 'suspended' });
        await runDue();
      }
      const refused = await refusal(() => client.wireless.v1.sims(sid).update({ resetStatus: 'resetting' }));
      assert.equal(refused.status, 400, status);
      assert.equal(refused.code, 33119, 'SIM connectivity reset not allowed');
      assert.match(refused.message, /ready or active/);
      assert.equal((await simNow(server, sid)).reset_status, null);
    }
    const mixed = await server.request('POST', `/v1/Sims/${await newSim(server)}`, { form: { ResetStatus: 'resetting', Status: 'active' } });
    assert.equal(mixed.status, 400);
    assert.equal(mixed.body.code, 33121);
  });

  it('waits for the operator during an outage, and an operator refusal ends the reset with an error callback', async () => {
    const client = server.client();
    const sid = await newSim(server);
    const plan = await client.wireless.v1.ratePlans.create({});
    await client.wireless.v1.sims(sid).update({ ratePlan: plan.sid, status: 'ready' });
    await runDue();
    await server.admin('POST', '/admin/v1/Network', { available: false });
    await client.wireless.v1.sims(sid).update({ resetStatus: 'resetting', callbackUrl: `${hook.url}/reset-refused` });
    await runDue();
    assert.equal((await simNow(server, sid)).reset_status, 'resetting');
    await server.admin('POST', '/admin/v1/Network', { available: true, failure_rate: 1 });
    await runDue();
    assert.equal((await simNow(server, sid)).reset_status, null);
    const [call] = await hook.waitFor('/reset-refused', 1);
    assertCallback(call, await simNow(server, sid), 'ready', { code: 33105 });
    await server.admin('POST', '/admin/v1/Network', { failure_rate: 0 });
  });
});

describe('moving SIMs between accounts', () => {
  let server: TestServer;
  before(async () => {
    server = await startFastServer();
  });
  after(() => server.close());

  it('moves a SIM master → sub → sub → master with master credentials', async () => {
    const master = server.client();
    const a = await master.api.v2010.accounts.create({ friendlyName: 'move a' });
    const b = await master.api.v2010.accounts.create({ friendlyName: 'move b' });
    const sid = await newSim(server);
    for (const target of [a.sid, b.sid, server.accountSid]) {
      const moved = await master.wireless.v1.sims(sid).update({ accountSid: target });
      assert.equal(moved.accountSid, target);
      assert.equal(moved.status, 'new', 'a move without a plan change is immediate');
    }
    const asA = server.client(a.sid, a.authToken);
    assert.equal((await refusal(() => asA.wireless.v1.sims(sid).fetch())).status, 404);
  });

  it('moves a SIM with a plan only with a RatePlan of the new account, applied by the operator', async () => {
    const master = server.client();
    const sub = await master.api.v2010.accounts.create({ friendlyName: 'move with plan' });
    const subClient = server.client(sub.sid, sub.authToken);
    const { sid, plan } = await simAt(server, 'new');
    const subPlan = await subClient.wireless.v1.ratePlans.create({ uniqueName: 'sub-plan' });

    // Without RatePlan, or with a plan of the wrong account: refused, nothing changes.
    const missing = await refusal(() => master.wireless.v1.sims(sid).update({ accountSid: sub.sid }));
    assert.equal(missing.status, 400);
    assert.equal(missing.code, 33102, 'Parameter missing (twilio.com/docs/api/errors/33102)');
    const wrong = await refusal(() => master.wireless.v1.sims(sid).update({ accountSid: sub.sid, ratePlan: plan }));
    assert.equal(wrong.code, 33108);
    let sim = await simNow(server, sid);
    assert.equal(sim.account_sid, server.accountSid);
    assert.equal(sim.rate_plan_sid, plan);
    assert.equal(sim.status, 'new');

    const moved = await master.wireless.v1.sims(sid).update({ accountSid: sub.sid, ratePlan: subPlan.sid });
    assert.equal(moved.accountSid, sub.sid);
    assert.equal(moved.status, 'updating');
    sim = await settledAt(server, sid, 'new');
    assert.equal(sim.rate_plan_sid, subPlan.sid);
    assert.equal(sim.account_sid, sub.sid);
    // The plan change is an event of the account the SIM now belongs to.
    const events = await simEvents(server, sid, subClient);
    assert.deepEqual(events[events.length - 1].properties, { rate_plan_sid: { previous: plan, updated: subPlan.sid } });
    assert.equal(events[events.length - 1].actorSid, server.accountSid);

    // Back to the master, dropping the plan with an empty RatePlan.
    await master.wireless.v1.sims(sid).update({ accountSid: server.accountSid, ratePlan: '' });
    sim = await until('the Sim is back without a plan', () => simNow(server, sid), (s) => s.status === 'new' && s.account_sid === server.accountSid);
    assert.equal(sim.rate_plan_sid, null);
  });

  it('moves the SIM back when the operator rejects the plan change of a move', async () => {
    const master = server.client();
    const sub = await master.api.v2010.accounts.create({ friendlyName: 'move rejected' });
    const subPlan = await server.client(sub.sid, sub.authToken).wireless.v1.ratePlans.create({});
    const { sid, plan } = await simAt(server, 'new');
    await server.admin('POST', '/admin/v1/Network', { failure_rate: 1 });
    try {
      await master.wireless.v1.sims(sid).update({ accountSid: sub.sid, ratePlan: subPlan.sid });
      const sim = await until('the move is undone', () => simNow(server, sid), (s) => s.status === 'new');
      assert.equal(sim.account_sid, server.accountSid);
      assert.equal(sim.rate_plan_sid, plan);
    } finally {
      await server.admin('POST', '/admin/v1/Network', { failure_rate: 0 });
    }
  });

  it('refuses moves with subaccount credentials, and moves of SIMs that are not new', async () => {
    const master = server.client();
    const a = await master.api.v2010.accounts.create({ friendlyName: 'sub mover a' });
    const b = await master.api.v2010.accounts.create({ friendlyName: 'sub mover b' });
    const sid = await newSim(server);
    await master.wireless.v1.sims(sid).update({ accountSid: a.sid });
    const asA = server.client(a.sid, a.authToken);
    const refused = await refusal(() => asA.wireless.v1.sims(sid).update({ accountSid: b.sid }));
    assert.equal(refused.status, 403);
    assert.equal((await simNow(server, sid)).account_sid, a.sid);

    const active = await simAt(server, 'active');
    const notNew = await refusal(() => master.wireless.v1.sims(active.sid).update({ accountSid: a.sid, ratePlan: '' }));
    assert.equal(notNew.status, 403);
    assert.equal(notNew.code, 33201, 'the SIM must be new (twilio.com/docs/api/errors/33201)');
    assert.equal((await simNow(server, active.sid)).account_sid, server.accountSid);
    assert.equal((await simNow(server, active.sid)).status, 'active');
  });
});
