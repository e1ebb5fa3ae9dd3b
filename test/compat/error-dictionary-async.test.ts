import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.js';
import { moveSim, registerSims, subaccount, waitForSim } from '../helpers/sims.js';
import { eventually, receiver, simIn } from '../devices/helpers.js';
import type { Account } from '../../src/domain/models.js';

// The pages of Twilio's error dictionary whose causes happen after the request was accepted:
// an asynchronous change or reset canceled, refused or kept only so long. Each checks what the
// customer sees: the Sim, the callback's ErrorCode, the API's answers.

describe("Twilio's error dictionary: asynchronous changes", () => {
  let server: TestServer;
  let hook: Awaited<ReturnType<typeof receiver>>;
  before(async () => {
    server = await startServer();
    hook = await receiver();
  });
  after(async () => {
    await hook.close();
    await server.close();
  });
  const network = async (available: boolean) => {
    const res = await server.admin('POST', '/admin/v1/Network', { available });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };

  it('33010: a status or Rate Plan change while another update is in progress (the SIM is scheduled)', async () => {
    const client = server.client();
    const sim = await simIn(server, 'active');
    await network(false);
    try {
      await client.wireless.v1.sims(sim.sid).update({ status: 'suspended' });
      await eventually(() => client.wireless.v1.sims(sim.sid).fetch(), (s) => s.status === 'scheduled', 'the change waits for the operator');
      await assert.rejects(client.wireless.v1.sims(sim.sid).update({ status: 'deactivated' }), { status: 409, code: 33010 });
      await assert.rejects(client.wireless.v1.sims(sim.sid).update({ ratePlan: '' }), { status: 409, code: 33010 });
    } finally {
      await network(true);
    }
    await waitForSim(client, sim.sid, (s) => s.status === 'suspended');
  });

  it('33120: a connectivity reset requested while another is in progress', async () => {
    const client = server.client();
    const sim = await simIn(server, 'active');
    await network(false);
    try {
      await client.wireless.v1.sims(sim.sid).update({ resetStatus: 'resetting' });
      await assert.rejects(client.wireless.v1.sims(sim.sid).update({ resetStatus: 'resetting', friendlyName: 'not this' }), { status: 409, code: 33120 });
      const meanwhile = await client.wireless.v1.sims(sim.sid).fetch();
      assert.deepEqual([meanwhile.resetStatus, meanwhile.friendlyName], ['resetting', null], 'nothing changed');
    } finally {
      await network(true);
    }
    await eventually(() => client.wireless.v1.sims(sim.sid).fetch(), (s) => s.resetStatus === null, 'the first reset ends');
  });

  it('33201: the account is suspended and an asynchronous request has been canceled', async () => {
    const master = server.client();
    const sub = await subaccount(server, 'suspended later');
    const subClient = server.client(sub.sid, sub.auth_token);
    const [sim] = await registerSims(server, 1, sub);
    const plan = await subClient.wireless.v1.ratePlans.create({});
    await moveSim(subClient, sim.sid, 'active', plan.sid);
    await network(false);
    try {
      await subClient.wireless.v1.sims(sim.sid).update({ status: 'suspended', callbackUrl: `${hook.url}/suspend` });
      await eventually(() => master.wireless.v1.sims(sim.sid).fetch(), (s) => s.status === 'scheduled', 'the change waits for the operator');
      await master.api.v2010.accounts(sub.sid).update({ status: 'suspended' });
      const settled = await master.wireless.v1.sims(sim.sid).fetch();
      assert.equal(settled.status, 'active', 'the canceled change left the SIM as it was');
      const [call] = await eventually(async () => hook.requests.filter((r) => r.path === '/suspend'), (l) => l.length > 0, 'the callback reports the cancel');
      assert.equal(call.params.ErrorCode, '33201');
      assert.equal(call.params.SimStatus, 'active');
    } finally {
      await network(true);
    }
    await master.api.v2010.accounts(sub.sid).update({ status: 'active' });
    assert.equal((await master.wireless.v1.sims(sim.sid).fetch()).status, 'active', 'the operator coming back changes nothing');
  });

  /** A subaccount with an active Sim on a plan of its own, and a client acting as it. */
  async function activeSimOfSubaccount(name: string) {
    const sub = await subaccount(server, name);
    const client = server.client(sub.sid, sub.auth_token);
    const [sim] = await registerSims(server, 1, sub);
    const plan = await client.wireless.v1.ratePlans.create({});
    await moveSim(client, sim.sid, 'active', plan.sid);
    return { sub, client, sim };
  }
  const jobsOf = async (simSid: string, kind: string) =>
    (await server.admin('GET', `/admin/v1/Jobs?sim_sid=${simSid}&kind=${kind}`)).body.jobs as { state: string }[];
  const callsTo = (path: string) => hook.requests.filter((r) => r.path === path);
  const suspend = (sub: Account, status: 'suspended' | 'active') => server.client().api.v2010.accounts(sub.sid).update({ status });

  it('33201: suspending the account cancels a connectivity reset in progress, reported the same way', async () => {
    const { sub, client, sim } = await activeSimOfSubaccount('reset canceled');
    await network(false);
    try {
      await client.wireless.v1.sims(sim.sid).update({ resetStatus: 'resetting', callbackUrl: `${hook.url}/reset` });
      await eventually(() => jobsOf(sim.sid, 'operator.reset'), (jobs) => jobs[0]?.state === 'waiting', 'the reset waits for the operator');
      await suspend(sub, 'suspended');
      const settled = await server.client().wireless.v1.sims(sim.sid).fetch();
      assert.equal(settled.resetStatus, null, 'the reset is no longer in progress');
      assert.equal(settled.status, 'active');
      const [call] = await eventually(async () => callsTo('/reset'), (l) => l.length > 0, 'the callback reports the cancel');
      assert.equal(call.params.ErrorCode, '33201');
      assert.deepEqual((await jobsOf(sim.sid, 'operator.reset')).map((j) => j.state), ['canceled']);
    } finally {
      await network(true);
    }
    await suspend(sub, 'active');
    const again = await client.wireless.v1.sims(sim.sid).update({ resetStatus: 'resetting', callbackUrl: `${hook.url}/reset-again` });
    assert.equal(again.resetStatus, 'resetting', 'a new reset is accepted');
    const [done] = await eventually(async () => callsTo('/reset-again'), (l) => l.length > 0, 'the new reset ends');
    assert.equal(done.params.ErrorCode ?? '', '');
    assert.equal(callsTo('/reset').length, 1, 'the canceled reset reported once, and only its cancel');
  });

  it('a change canceled with its account frees the Sim at once: the next change is the one the operator applies', async () => {
    const { sub, client, sim } = await activeSimOfSubaccount('change canceled');
    await network(false);
    try {
      await client.wireless.v1.sims(sim.sid).update({ status: 'suspended', callbackUrl: `${hook.url}/first` });
      await eventually(() => jobsOf(sim.sid, 'operator.apply'), (jobs) => jobs[0]?.state === 'waiting', 'the change waits for the operator');
      await suspend(sub, 'suspended');
      await suspend(sub, 'active');
      const next = await client.wireless.v1.sims(sim.sid).update({ status: 'deactivated', callbackUrl: `${hook.url}/second` });
      assert.equal(next.status, 'scheduled', 'the new change is accepted and waits for the operator in turn');
    } finally {
      await network(true);
    }
    await waitForSim(client, sim.sid, (s) => s.status === 'deactivated');
    const [second] = await eventually(async () => callsTo('/second'), (l) => l.length > 0, 'the second change reports');
    assert.equal(second.params.SimStatus, 'deactivated');
    assert.deepEqual(callsTo('/first').map((c) => [c.params.ErrorCode, c.params.SimStatus]), [['33201', 'active']], 'the canceled change only reports its cancel');
    assert.deepEqual((await jobsOf(sim.sid, 'operator.apply')).map((j) => j.state), ['done', 'canceled', 'done']);
  });

  it('33108: a plan deleted while a change to it is pending: the change is refused and no SIM points at a missing plan', async () => {
    const client = server.client();
    const sim = await simIn(server, 'active');
    const doomed = await client.wireless.v1.ratePlans.create({ uniqueName: 'doomed' });
    await network(false);
    try {
      await client.wireless.v1.sims(sim.sid).update({ ratePlan: doomed.sid, callbackUrl: `${hook.url}/doomed` });
      await eventually(() => client.wireless.v1.sims(sim.sid).fetch(), (s) => s.status === 'scheduled', 'the change waits for the operator');
      assert.equal(await client.wireless.v1.ratePlans(doomed.sid).remove(), true);
    } finally {
      await network(true);
    }
    const [call] = await eventually(async () => hook.requests.filter((r) => r.path === '/doomed'), (l) => l.length > 0, 'the callback reports the refusal');
    assert.equal(call.params.ErrorCode, '33108');
    const after = await client.wireless.v1.sims(sim.sid).fetch();
    assert.equal(after.status, 'active');
    assert.equal(after.ratePlanSid, sim.rate_plan_sid, 'the SIM keeps the plan it had');
    await client.wireless.v1.ratePlans(after.ratePlanSid).fetch();
  });

  it('Commands are kept 30 days, then are no longer readable or listed (Command resource, "Retention period")', async () => {
    const client = server.client();
    const sim = await simIn(server, 'active');
    const command = await client.wireless.v1.commands.create({ sim: sim.sid, command: 'old news' });
    await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 29 * 24 * 3600 });
    assert.equal((await client.wireless.v1.commands(command.sid).fetch()).sid, command.sid, 'still there after 29 days');
    await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 2 * 24 * 3600 });
    await assert.rejects(client.wireless.v1.commands(command.sid).fetch(), { status: 404, code: 20404 });
    assert.ok(!(await client.wireless.v1.commands.list({ sim: sim.sid })).some((c) => c.sid === command.sid));
  });
});
