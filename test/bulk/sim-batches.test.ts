import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import type { TestServer } from '../helpers/server.js';
import { assertCallback, assertSigned, settledAt, simEvents, startFastServer, startReceiver, type Receiver } from '../helpers/lifecycle.js';
import { registerSims } from '../helpers/sims.js';
import { activeSims, allItems, batchEnded, batchRequest, createBatch, statuses } from './helpers.js';

// Bulk fleet operations (docs/bulk.md) through the official SDK's generic client.request() and
// plain HTTP: selection by list and by filter, per-SIM rules and outcomes, callbacks.

describe('SimBatches: selection, outcomes and callbacks', () => {
  let server: TestServer;
  let hook: Receiver;
  before(async () => {
    server = await startFastServer();
    hook = await startReceiver();
  });
  after(async () => {
    await hook.close();
    await server.close();
  });

  it('changes a listed set of SIMs through client.request(), each by its own rules, with its callback and event, and calls back signed when done', async () => {
    const sims = await registerSims(server, 3);
    const caller = { account: server.wisp.master, credentialAccount: server.wisp.master, keySid: null };
    await server.wisp.services.sims.update(caller, sims[1].sid, { uniqueName: 'bulk-by-name' });
    const plan = await server.wisp.services.ratePlans.create(caller, {});
    const client = twilio(server.accountSid, server.authToken);
    const created = await client.request({
      method: 'post',
      uri: `${server.url}/wisp/v1/SimBatches`,
      data: {
        Sims: [sims[0].sid, 'bulk-by-name', sims[2].sid, 'no-such-sim'],
        Status: 'active',
        RatePlan: plan.sid,
        SimCallbackUrl: `${hook.url}/sim`,
        CallbackUrl: `${hook.url}/batch`,
      },
    });
    assert.equal(created.statusCode, 201);
    const batch = typeof created.body === 'string' ? JSON.parse(created.body) : created.body;
    assert.match(batch.sid, /^WB[0-9a-f]{32}$/);
    assert.equal(batch.account_sid, server.accountSid);
    assert.deepEqual(batch.action, { Status: 'active', RatePlan: plan.sid, SimCallbackUrl: `${hook.url}/sim` });
    assert.deepEqual(batch.counts, { total: 4, applied: 0, refused: 1, skipped: 0, pending: 3 });

    const done = await batchEnded(server, batch.sid);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.counts, { total: 4, applied: 3, refused: 1, skipped: 0, pending: 0 });
    assert.deepEqual(done.refusals, [{ code: 20404, count: 1 }]);
    assert.ok(done.date_started && done.date_completed);

    // Each SIM went through its own asynchronous change: its callback and its Monitor event.
    const received = await hook.waitFor('/sim', 3);
    for (const sim of sims) {
      const callback = received.find((r) => r.params.SimSid === sim.sid);
      assert.ok(callback, `callback of ${sim.sid}`);
      assertSigned(callback, server.authToken);
      assertCallback(callback, { ...sim, unique_name: sim.sid === sims[1].sid ? 'bulk-by-name' : null }, 'active');
    }
    assert.deepEqual(await statuses(server, sims), ['active', 'active', 'active']);
    const events = await simEvents(server, sims[0].sid);
    assert.equal(events.at(-1)?.properties.status?.updated, 'active');
    assert.equal(events.at(-1)?.actorSid, server.accountSid);

    const [end] = await hook.waitFor('/batch', 1);
    assertSigned(end, server.authToken);
    assert.deepEqual(end.params, {
      AccountSid: server.accountSid,
      ApiVersion: 'v1',
      BatchSid: batch.sid,
      BatchStatus: 'completed',
      Total: '4',
      Applied: '3',
      Refused: '1',
      Skipped: '0',
    });

    const items = await allItems(server, batch.sid);
    assert.deepEqual(items.map((i) => [i.position, i.sim, i.outcome]), [
      [1, sims[0].sid, 'applied'],
      [2, 'bulk-by-name', 'applied'],
      [3, sims[2].sid, 'applied'],
      [4, 'no-such-sim', 'refused'],
    ]);
    assert.equal(items[1].sim_sid, sims[1].sid);
    assert.equal(items[3].sim_sid, null);
    assert.equal(items[3].error_code, 20404);
  });

  it('selects by filter, previews with DryRun without changing anything, and reports mixed outcomes per item', async () => {
    const active = await activeSims(server, 4);
    const fresh = await registerSims(server, 2);
    const planless = fresh.map((s) => s.sid);
    // A dry run: the numbers, a sample and the refusals by reason; nothing is written.
    const dry = await batchRequest(server, 'POST', '/wisp/v1/SimBatches', { 'Filter.Status': 'active', Status: 'suspended', DryRun: 'true' });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.equal(dry.body.dry_run, true);
    assert.equal(dry.body.total, active.length + 3, 'the SIMs activated by the first test are active too');
    assert.equal(dry.body.would_apply, dry.body.total);
    assert.deepEqual(dry.body.refusals, []);
    assert.ok(dry.body.sample.length > 0 && dry.body.sample.every((s: string) => s.startsWith('DE')));
    assert.deepEqual(await statuses(server, active), ['active', 'active', 'active', 'active']);
    const listed = await batchRequest(server, 'GET', '/wisp/v1/SimBatches?PageSize=50');
    const before = listed.body.sim_batches.length;

    // Listed: two active SIMs suspend; two new SIMs without a plan cannot (new → suspended is refused).
    const mixed = [active[0].sid, planless[0], active[1].sid, planless[1]];
    const preview = await batchRequest(server, 'POST', '/wisp/v1/SimBatches', { Sims: mixed, Status: 'suspended', DryRun: 'true' });
    assert.equal(preview.body.would_apply, 2);
    assert.equal(preview.body.refusals.length, 1);
    assert.equal(preview.body.refusals[0].code, 33105);
    assert.equal(preview.body.refusals[0].count, 2);
    assert.equal((await batchRequest(server, 'GET', '/wisp/v1/SimBatches?PageSize=50')).body.sim_batches.length, before, 'a dry run creates no batch');

    const batch = await createBatch(server, { Sims: mixed, Status: 'suspended' });
    const done = await batchEnded(server, batch.sid);
    assert.deepEqual(done.counts, { total: 4, applied: 2, refused: 2, skipped: 0, pending: 0 });
    assert.deepEqual(done.refusals, [{ code: 33105, count: 2 }]);
    const refused = await allItems(server, batch.sid, '&Outcome=refused');
    assert.deepEqual(refused.map((i) => i.sim_sid), planless);
    assert.ok(refused.every((i) => i.error_code === 33105 && /new to suspended/.test(i.error_message)));
    const applied = await allItems(server, batch.sid, '&Outcome=applied');
    assert.deepEqual(applied.map((i) => i.sim_sid), [active[0].sid, active[1].sid]);
    assert.deepEqual(await statuses(server, fresh), ['new', 'new']);
  });

  it('refuses a SIM with a change in flight (33010), or waits for it with WaitForUpdating=true', async () => {
    const [a, b] = await activeSims(server, 2);
    // The operator down: a change waits, the SIM shows scheduled.
    assert.equal((await server.admin('POST', '/admin/v1/Network', { available: false })).status, 200);
    const caller = { account: server.wisp.master, credentialAccount: server.wisp.master, keySid: null };
    await server.wisp.services.sims.update(caller, a.sid, { status: 'suspended' });
    await server.wisp.services.sims.update(caller, b.sid, { status: 'suspended' });
    const refusing = await createBatch(server, { Sims: [a.sid], Status: 'deactivated' });
    const refused = await batchEnded(server, refusing.sid);
    assert.deepEqual(refused.refusals, [{ code: 33010, count: 1 }]);
    const waiting = await createBatch(server, { Sims: [b.sid], Status: 'deactivated', WaitForUpdating: 'true' });
    assert.equal(waiting.wait_for_updating, true);
    assert.equal((await server.admin('POST', '/admin/v1/Network', { available: true })).status, 200);
    const waited = await batchEnded(server, waiting.sid);
    assert.deepEqual(waited.counts, { total: 1, applied: 1, refused: 0, skipped: 0, pending: 0 });
    await settledAt(server, b.sid, 'deactivated');
    await settledAt(server, a.sid, 'suspended');
  });

  it('sends a Command to each SIM, by the rules of POST /v1/Commands: a SIM that cannot take one is refused (33104)', async () => {
    const active = await activeSims(server, 2);
    const [fresh] = await registerSims(server, 1);
    const listed = [active[0].sid, active[1].sid, fresh.sid];
    const dry = await batchRequest(server, 'POST', '/wisp/v1/SimBatches', { Sims: listed, Command: 'wake up', DryRun: 'true' });
    assert.equal(dry.body.would_apply, 2);
    assert.deepEqual(dry.body.refusals.map((r: any) => [r.code, r.count]), [[33104, 1]]);
    const both = await batchRequest(server, 'POST', '/wisp/v1/SimBatches', { Sims: listed, Command: 'wake up', Status: 'suspended' });
    assert.equal(both.status, 400);
    const batch = await createBatch(server, { Sims: listed, Command: 'wake up', CommandCallbackUrl: `${hook.url}/command` });
    assert.deepEqual(batch.action, { Command: 'wake up', CommandCallbackUrl: `${hook.url}/command` });
    const done = await batchEnded(server, batch.sid);
    assert.deepEqual(done.counts, { total: 3, applied: 2, refused: 1, skipped: 0, pending: 0 });
    const client = server.client();
    for (const sim of active) {
      const commands = await client.wireless.v1.commands.list({ sim: sim.sid });
      assert.deepEqual(commands.map((c) => c.command), ['wake up']);
    }
    assert.deepEqual(await client.wireless.v1.commands.list({ sim: fresh.sid }), []);
    assert.deepEqual(await statuses(server, active), ['active', 'active'], 'a Command changes no status');
  });
});
