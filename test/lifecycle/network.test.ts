import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.js';
import { type Receiver, assertCallback, assertSigned, settledAt, simAt, simEvents, simNow, startFastServer, startReceiver, until } from '../helpers/lifecycle.js';

describe('the upstream operator', () => {
  let server: TestServer;
  let hook: Receiver;
  before(async () => {
    server = await startFastServer();
    hook = await startReceiver();
  });
  after(async () => {
    await server.close();
    await hook.close();
  });
  afterEach(async () => {
    await server.admin('POST', '/admin/v1/Network', { available: true, failure_rate: 0, latency_ms: 5 });
  });

  it('shows and changes the simulator settings, and refuses bad ones', async () => {
    const initial = await server.admin('GET', '/admin/v1/Network');
    assert.equal(initial.status, 200);
    assert.deepEqual({ ...initial.body, date_updated: undefined }, { available: true, latency_ms: 5, failure_rate: 0, date_updated: undefined });
    const changed = await server.admin('POST', '/admin/v1/Network', { latency_ms: 7, failure_rate: 0.25 });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.latency_ms, 7);
    assert.equal(changed.body.failure_rate, 0.25);
    assert.equal(changed.body.available, true);
    for (const bad of [{ available: 'yes' }, { latency_ms: -1 }, { latency_ms: 1.5 }, { failure_rate: 2 }, { speed: 1 }, []]) {
      const res = await server.admin('POST', '/admin/v1/Network', bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.equal(typeof res.body.error, 'string');
    }
    assert.equal((await server.admin('GET', '/admin/v1/Network')).body.latency_ms, 7);
  });

  it('queues changes while it is down (`scheduled`) and applies them all, in order, when it returns', async () => {
    const client = server.client();
    const sims = await Promise.all([simAt(server, 'active'), simAt(server, 'active'), simAt(server, 'ready')]);
    await server.admin('POST', '/admin/v1/Network', { available: false });
    const wanted = ['suspended', 'deactivated', 'active'] as const;
    for (const [i, { sid }] of sims.entries()) {
      const answer = await client.wireless.v1.sims(sid).update({ status: wanted[i], callbackUrl: `${hook.url}/outage` });
      assert.equal(answer.status, 'scheduled');
    }
    // However long it stays down, nothing moves (and nothing is lost).
    await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 60 });
    for (const { sid } of sims) assert.equal((await simNow(server, sid)).status, 'scheduled');
    assert.equal(hook.at('/outage').length, 0);
    const waiting = (await server.admin('GET', '/admin/v1/Jobs?state=waiting&kind=operator.apply')).body.jobs;
    assert.equal(waiting.length, 3);

    const back = await server.admin('POST', '/admin/v1/Network', { available: true });
    assert.equal(back.body.resumed, 3);
    for (const [i, { sid }] of sims.entries()) await settledAt(server, sid, wanted[i]);
    const calls = await hook.waitFor('/outage', 3);
    for (const call of calls) assertSigned(call, server.authToken);
    assert.deepEqual(
      calls.map((c) => c.params.SimSid).sort(),
      sims.map((s) => s.sid).sort(),
    );
    const events = await simEvents(server, sims[0].sid);
    assert.deepEqual(events[events.length - 1].properties, { status: { previous: 'active', updated: 'suspended' } });
  });

  it('puts a Sim back at its previous status when the operator rejects the change, with the error in the callback', async () => {
    const client = server.client();
    const { sid } = await simAt(server, 'active');
    const before = await simEvents(server, sid);
    await server.admin('POST', '/admin/v1/Network', { failure_rate: 1 });
    const answer = await client.wireless.v1.sims(sid).update({ status: 'suspended', callbackUrl: `${hook.url}/rejected` });
    assert.equal(answer.status, 'updating');
    const [call] = await hook.waitFor('/rejected', 1);
    const sim = await simNow(server, sid);
    assert.equal(sim.status, 'active');
    assertSigned(call, server.authToken);
    assertCallback(call, sim, 'active', { code: 33105 });
    assert.deepEqual(await simEvents(server, sid), before, 'a rejected change records no event');
    // The Sim is settled and takes the next request.
    await server.admin('POST', '/admin/v1/Network', { failure_rate: 0 });
    await client.wireless.v1.sims(sid).update({ status: 'suspended' });
    await settledAt(server, sid, 'suspended');
  });

  it('rejects a rate-plan change without touching the plan', async () => {
    const client = server.client();
    const { sid, plan } = await simAt(server, 'active');
    const other = await client.wireless.v1.ratePlans.create({});
    await server.admin('POST', '/admin/v1/Network', { failure_rate: 1 });
    await client.wireless.v1.sims(sid).update({ ratePlan: other.sid, callbackUrl: `${hook.url}/plan-rejected` });
    await hook.waitFor('/plan-rejected', 1);
    const sim = await simNow(server, sid);
    assert.equal(sim.status, 'active');
    assert.equal(sim.rate_plan_sid, plan);
  });

  it('applies a change whose Sim showed `scheduled` even if the outage ends before a worker saw it', async () => {
    const client = server.client();
    const { sid } = await simAt(server, 'active');
    await server.admin('POST', '/admin/v1/Network', { available: false });
    await client.wireless.v1.sims(sid).update({ status: 'suspended' });
    await server.admin('POST', '/admin/v1/Network', { available: true });
    await settledAt(server, sid, 'suspended');
    await until('no operator job is left waiting', async () => (await server.admin('GET', '/admin/v1/Jobs?state=waiting')).body.jobs, (jobs) => jobs.length === 0);
  });
});
