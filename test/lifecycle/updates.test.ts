import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.js';
import { assertTwilioError } from '../helpers/spec.js';
import { newSim, refusal, settledAt, simAt, simEvents, simNow, startFastServer } from '../helpers/lifecycle.js';

describe('asynchronous status and rate-plan changes', () => {
  let server: TestServer;
  before(async () => {
    server = await startFastServer();
  });
  after(() => server.close());

  it('answers `updating` at once, then the Sim takes the requested status and plan', async () => {
    const client = server.client();
    const sid = await newSim(server);
    const plan = await client.wireless.v1.ratePlans.create({ uniqueName: 'async-plan' });
    const answer = await client.wireless.v1.sims(sid).update({ status: 'active', ratePlan: 'async-plan' });
    assert.equal(answer.status, 'updating');
    assert.equal(answer.ratePlanSid, null, 'the plan changes when the operator has applied it');
    const done = await settledAt(server, sid, 'active');
    assert.equal(done.rate_plan_sid, plan.sid);
    const fetched = await client.wireless.v1.sims(sid).fetch();
    assert.equal(fetched.status, 'active');
    assert.equal(fetched.ratePlanSid, plan.sid);
  });

  it('records one event with previous and updated values, attributed to the requester', async () => {
    const client = server.client();
    const { sid, plan } = await simAt(server, 'active');
    const other = await client.wireless.v1.ratePlans.create({});
    await client.wireless.v1.sims(sid).update({ status: 'suspended', ratePlan: other.sid });
    await settledAt(server, sid, 'suspended');
    const events = await simEvents(server, sid);
    assert.deepEqual(
      events.map((e) => e.properties),
      [
        { rate_plan_sid: { previous: null, updated: plan } },
        { status: { previous: 'new', updated: 'active' } },
        { status: { previous: 'active', updated: 'suspended' }, rate_plan_sid: { previous: plan, updated: other.sid } },
      ],
    );
    const last = events[events.length - 1];
    assert.equal(last.actorSid, server.accountSid);
    assert.equal(last.source, 'api');
    assert.equal(last.sourceIpAddress, '127.0.0.1');
  });

  it('does nothing for a request that asks for the status the Sim already has', async () => {
    const client = server.client();
    const { sid } = await simAt(server, 'active');
    const answer = await client.wireless.v1.sims(sid).update({ status: 'active' });
    assert.equal(answer.status, 'active');
  });

  it('keeps the table: refused moves are errors and change nothing', async () => {
    const client = server.client();
    const { sid } = await simAt(server, 'active');
    const back = await refusal(() => client.wireless.v1.sims(sid).update({ status: 'ready' }));
    assert.equal(back.status, 400);
    assert.equal(back.code, 33105);
    const noPlan = await newSim(server);
    const needsPlan = await refusal(() => client.wireless.v1.sims(noPlan).update({ status: 'active' }));
    assert.equal(needsPlan.code, 33104);
    assert.equal((await simNow(server, sid)).status, 'active');
    assert.equal((await simNow(server, noPlan)).status, 'new');
  });
});

describe('a Sim with an update in flight', () => {
  // No background worker: an accepted change stays in flight until the clock endpoint runs it.
  let server: TestServer;
  before(async () => {
    server = await startFastServer({ WISP_ROLE: 'api' });
  });
  after(() => server.close());

  const runDue = async () => {
    const res = await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 0 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };

  async function inFlight(status: 'updating' | 'scheduled') {
    const client = server.client();
    const sid = await newSim(server);
    const plan = await client.wireless.v1.ratePlans.create({});
    await client.wireless.v1.sims(sid).update({ ratePlan: plan.sid });
    await runDue();
    await client.wireless.v1.sims(sid).update({ status: 'ready' });
    await runDue();
    assert.equal((await simNow(server, sid)).status, 'ready');
    if (status === 'scheduled') await server.admin('POST', '/admin/v1/Network', { available: false });
    const answer = await client.wireless.v1.sims(sid).update({ status: 'active', callbackUrl: 'http://127.0.0.1:9/never' });
    assert.equal(answer.status, status);
    return { sid, plan: plan.sid };
  }

  for (const status of ['updating', 'scheduled'] as const) {
    it(`refuses status, plan, reset and account changes with 409 33010 while ${status}`, async () => {
      const client = server.client();
      const { sid } = await inFlight(status);
      const other = await client.wireless.v1.ratePlans.create({});
      const sub = await client.api.v2010.accounts.create({ friendlyName: `in-flight ${status}` });
      const attempts: Record<string, string>[] = [
        { Status: 'suspended' },
        { Status: 'active' },
        { RatePlan: other.sid },
        { RatePlan: '' },
        { ResetStatus: 'resetting' },
        { AccountSid: sub.sid },
        { Status: 'deactivated', FriendlyName: 'not this either' },
      ];
      for (const form of attempts) {
        const res = await server.request('POST', `/v1/Sims/${sid}`, { form });
        assert.equal(res.status, 409, `${JSON.stringify(form)} → ${res.status}`);
        assertTwilioError(res.body, 409, 33010);
      }
      const viaSdk = await refusal(() => client.wireless.v1.sims(sid).update({ status: 'suspended' }));
      assert.equal(viaSdk.status, 409);
      assert.equal(viaSdk.code, 33010);
      const sim = await simNow(server, sid);
      assert.equal(sim.status, status);
      assert.equal(sim.friendly_name, null, 'a refused request changes nothing, not even its other fields');

      // Plain settings still change.
      const renamed = await client.wireless.v1.sims(sid).update({ friendlyName: 'still editable', smsUrl: 'https://example.com/sms', uniqueName: `busy-${status}` });
      assert.equal(renamed.status, status);
      assert.equal(renamed.friendlyName, 'still editable');
      assert.equal(renamed.smsUrl, 'https://example.com/sms');
      assert.equal(renamed.uniqueName, `busy-${status}`);

      if (status === 'scheduled') await server.admin('POST', '/admin/v1/Network', { available: true });
      await runDue();
      const settled = await simNow(server, sid);
      assert.equal(settled.status, 'active');
      assert.equal(settled.friendly_name, 'still editable');
      // Settled, the Sim accepts changes again.
      const next = await client.wireless.v1.sims(sid).update({ status: 'suspended' });
      assert.equal(next.status, 'updating');
      await runDue();
      assert.equal((await simNow(server, sid)).status, 'suspended');
    });
  }

  it('cannot be deleted while a change is in flight', async () => {
    const client = server.client();
    const sid = await newSim(server);
    const plan = await client.wireless.v1.ratePlans.create({});
    await client.wireless.v1.sims(sid).update({ ratePlan: plan.sid });
    const res = await server.request('DELETE', `/v1/Sims/${sid}`);
    assert.equal(res.status, 409);
    await runDue();
    assert.equal((await simNow(server, sid)).rate_plan_sid, plan.sid);
  });
});
