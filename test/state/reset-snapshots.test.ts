import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.js';
import { newSim, settledAt, simAt, simNow, startFastServer, until } from '../helpers/lifecycle.js';
import { subaccount } from '../helpers/sims.js';

describe('reset and snapshots', () => {
  let server: TestServer;
  before(async () => {
    server = await startFastServer();
  });
  after(() => server.close());

  it('reset empties the database but keeps the master account and its credentials, and puts clock and network back', async () => {
    const { sid } = await simAt(server, 'active');
    const sub = await subaccount(server, 'Customer');
    await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 86_400 });
    await server.admin('POST', '/admin/v1/Network', { latency_ms: 40, failure_rate: 0.5 });
    assert.equal((await server.admin('POST', '/admin/v1/Snapshots', { name: 'kept' })).status, 201);

    const reset = await server.admin('POST', '/admin/v1/Reset');
    assert.deepEqual(reset, { status: 200, body: { reset: true } });

    const client = server.client();
    assert.deepEqual(await client.wireless.v1.sims.list(), []);
    assert.deepEqual(await client.wireless.v1.ratePlans.list(), []);
    assert.equal((await server.request('GET', `/v1/Sims/${sid}`)).status, 404);
    const accounts = await client.api.v2010.accounts.list();
    assert.deepEqual(accounts.map((a) => a.sid), [server.accountSid]);
    assert.equal((await server.request('GET', '/v1/Sims', { auth: [sub.sid, sub.auth_token] })).status, 401);
    const clock = await server.admin('GET', '/admin/v1/Clock');
    assert.equal(clock.body.offset_ms, 0);
    const network = await server.admin('GET', '/admin/v1/Network');
    assert.deepEqual([network.body.available, network.body.latency_ms, network.body.failure_rate], [true, 5, 0]);
    const jobs = await server.admin('GET', '/admin/v1/Jobs');
    assert.deepEqual(jobs.body.jobs, []);
    const snapshots = await server.admin('GET', '/admin/v1/Snapshots');
    assert.deepEqual(snapshots.body.snapshots.map((s: { name: string }) => s.name), ['kept']);
    await server.admin('DELETE', '/admin/v1/Snapshots/kept');
  });

  it('restores SIMs, the clock and the network settings as they were saved', async () => {
    const client = server.client();
    const { sid } = await simAt(server, 'active');
    await client.wireless.v1.sims(sid).update({ uniqueName: 'before' });
    await server.admin('POST', '/admin/v1/Network', { latency_ms: 9 });
    const saved = await server.admin('POST', '/admin/v1/Snapshots', { name: 'base-1' });
    assert.equal(saved.status, 201);
    assert.equal(saved.body.name, 'base-1');
    const clockAtSave = Date.parse(saved.body.clock);

    await client.wireless.v1.sims(sid).update({ uniqueName: 'after', status: 'suspended' });
    await settledAt(server, sid, 'suspended');
    const added = await newSim(server);
    await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 30 * 86_400 });
    await server.admin('POST', '/admin/v1/Network', { latency_ms: 30, failure_rate: 0.2, available: false });

    const restored = await server.admin('POST', '/admin/v1/Snapshots/base-1/Restore');
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    const sims = await client.wireless.v1.sims.list();
    assert.deepEqual(sims.map((s) => [s.sid, s.uniqueName, s.status]).filter(([s]) => s === sid), [[sid, 'before', 'active']]);
    assert.equal((await server.request('GET', `/v1/Sims/${added}`)).status, 404);
    const clock = await server.admin('GET', '/admin/v1/Clock');
    // Emulated time runs on from where it was saved: less than a day later, not 30 days on.
    const now = Date.parse(clock.body.now);
    assert.ok(now >= clockAtSave && now < clockAtSave + 86_400_000, `clock ${clock.body.now} vs saved ${saved.body.clock}`);
    const network = await server.admin('GET', '/admin/v1/Network');
    assert.deepEqual([network.body.available, network.body.latency_ms, network.body.failure_rate], [true, 9, 0]);
    // The restored Sim still moves.
    await client.wireless.v1.sims(sid).update({ status: 'suspended' });
    await settledAt(server, sid, 'suspended');
  });

  it('brings back work that was waiting for the operator, which runs again once it is up', async () => {
    const client = server.client();
    await server.admin('POST', '/admin/v1/Network', { available: true, latency_ms: 5, failure_rate: 0 });
    const { sid } = await simAt(server, 'active');
    await server.admin('POST', '/admin/v1/Network', { available: false });
    await client.wireless.v1.sims(sid).update({ status: 'suspended' });
    await until('the change waits for the operator', () => simNow(server, sid), (s) => s.status === 'scheduled');
    await server.admin('POST', '/admin/v1/Snapshots', { name: 'waiting' });

    await server.admin('POST', '/admin/v1/Network', { available: true });
    await settledAt(server, sid, 'suspended');

    await server.admin('POST', '/admin/v1/Snapshots/waiting/Restore');
    assert.equal((await simNow(server, sid)).status, 'scheduled');
    assert.equal((await server.admin('GET', '/admin/v1/Network')).body.available, false);
    await server.admin('POST', '/admin/v1/Network', { available: true });
    await settledAt(server, sid, 'suspended');
  });

  it('a change in flight when the snapshot was taken runs to its end after a restore', async () => {
    const client = server.client();
    const { sid } = await simAt(server, 'active');
    await server.admin('POST', '/admin/v1/Network', { available: true, latency_ms: 300 });
    await client.wireless.v1.sims(sid).update({ status: 'suspended' });
    await server.admin('POST', '/admin/v1/Snapshots', { name: 'in-flight' });
    await settledAt(server, sid, 'suspended');
    await client.wireless.v1.sims(sid).update({ status: 'active' });
    await settledAt(server, sid, 'active');

    await server.admin('POST', '/admin/v1/Snapshots/in-flight/Restore');
    await settledAt(server, sid, 'suspended');
    const jobs = await server.admin('GET', `/admin/v1/Jobs?sim_sid=${sid}&state=running`);
    assert.deepEqual(jobs.body.jobs, []);
    await server.admin('POST', '/admin/v1/Network', { latency_ms: 5 });
  });

  it('lists and deletes snapshots, and refuses bad names and unknown snapshots without changing anything', async () => {
    const { sid } = await simAt(server, 'ready');
    await server.admin('POST', '/admin/v1/Snapshots', { name: 'one' });
    await server.admin('POST', '/admin/v1/Snapshots', { name: 'two' });
    const names = (await server.admin('GET', '/admin/v1/Snapshots')).body.snapshots.map((s: { name: string }) => s.name);
    assert.ok(names.includes('one') && names.includes('two'));
    for (const bad of [{}, { name: '' }, { name: '../x' }, { name: 7 }, { name: 'x'.repeat(65) }]) {
      const res = await server.admin('POST', '/admin/v1/Snapshots', bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.equal(res.body.code, 'invalid_body');
    }
    const missing = await server.admin('POST', '/admin/v1/Snapshots/nothing-here/Restore');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'not_found');
    assert.equal((await simNow(server, sid)).status, 'ready');
    assert.equal((await server.admin('DELETE', '/admin/v1/Snapshots/one')).status, 204);
    assert.equal((await server.admin('DELETE', '/admin/v1/Snapshots/one')).status, 404);
    const left = (await server.admin('GET', '/admin/v1/Snapshots')).body.snapshots.map((s: { name: string }) => s.name);
    assert.ok(!left.includes('one') && left.includes('two'));
  });

  it('needs the admin token', async () => {
    const res = await fetch(`${server.url}/admin/v1/Reset`, { method: 'POST' });
    assert.equal(res.status, 401);
  });
});
