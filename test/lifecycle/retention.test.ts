import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.js';
import { type Receiver, simAt, startFastServer, startReceiver, until } from '../helpers/lifecycle.js';
import type { WispJobKind as JobKind } from '../../src/domain/tasks.js';

const HOUR = 3600;

describe('retention of finished work', () => {
  let server: TestServer;
  let hook: Receiver;
  before(async () => {
    server = await startFastServer({ WISP_JOB_RETENTION_HOURS: '24', WISP_DEAD_JOB_RETENTION_HOURS: '48' });
    hook = await startReceiver((req) => (req.path === '/down' ? 500 : 200));
  });
  after(async () => {
    await server.close();
    await hook.close();
  });

  const jobsOf = async (sid: string) => (await server.admin('GET', `/admin/v1/Jobs?sim_sid=${sid}&limit=100`)).body.jobs as { kind: string; state: string }[];
  const callbacksOf = async (sid: string) => (await server.admin('GET', `/admin/v1/Callbacks?sim_sid=${sid}`)).body.callbacks as { state: string }[];

  it('deletes finished jobs and delivered callbacks once they are older than WISP_JOB_RETENTION_HOURS, and keeps the rest', async () => {
    const { sid } = await simAt(server, 'active');
    await server.client().wireless.v1.sims(sid).update({ status: 'suspended', callbackUrl: `${hook.url}/kept-a-day` });
    await hook.waitFor('/kept-a-day', 1);
    const { sid: failing } = await simAt(server, 'active');
    await server.client().wireless.v1.sims(failing).update({ status: 'suspended', callbackUrl: `${hook.url}/down` });
    await until('the failing delivery dies', () => callbacksOf(failing), (c) => c[0]?.state === 'dead');
    await until('the delivery is recorded', () => callbacksOf(sid), (c) => c[0]?.state === 'delivered');

    // Not yet a day old: nothing goes.
    assert.deepEqual(await server.wisp.engine.pruner.prune(), { jobs: 0, callbacks: 0, deadJobs: 0, deadCallbacks: 0, commands: 0, batches: 0 });

    await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 25 * HOUR });
    const pruned = await server.wisp.engine.pruner.prune();
    assert.ok(pruned.jobs > 0 && pruned.callbacks > 0, JSON.stringify(pruned));
    assert.equal(pruned.deadJobs + pruned.deadCallbacks, 0, 'dead work is kept longer');

    // What is left of each Sim: the suspended-fee timer, still to fire, and the dead delivery.
    assert.deepEqual((await jobsOf(sid)).map((j) => `${j.kind}:${j.state}`), ['timer.suspended-fee:pending']);
    assert.deepEqual(await callbacksOf(sid), []);
    const failingJobs = (await jobsOf(failing)).map((j) => `${j.kind}:${j.state}`);
    assert.deepEqual(failingJobs.sort(), ['callback.deliver:dead', 'timer.suspended-fee:pending'].sort());
    assert.deepEqual((await callbacksOf(failing)).map((c) => c.state), ['dead']);
    // The Sims and their history are untouched.
    assert.equal((await server.client().wireless.v1.sims(sid).fetch()).status, 'suspended');
    assert.equal(await server.wisp.store.jobs.pruneFinished(server.wisp.engine.clock.now(), 1000), 0, 'nothing finished is left');
  });

  it('deletes dead jobs and dead callbacks once they died longer ago than WISP_DEAD_JOB_RETENTION_HOURS', async () => {
    const { sid } = await simAt(server, 'active');
    await server.client().wireless.v1.sims(sid).update({ status: 'suspended', callbackUrl: `${hook.url}/down` });
    await until('the delivery dies', () => callbacksOf(sid), (c) => c[0]?.state === 'dead');
    const dead = async () => (await jobsOf(sid)).filter((j) => j.state === 'dead').length;
    assert.equal(await dead(), 1);

    await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 47 * HOUR });
    await server.wisp.engine.pruner.prune();
    assert.equal(await dead(), 1, 'kept within its retention');
    assert.deepEqual((await callbacksOf(sid)).map((c) => c.state), ['dead']);

    await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 2 * HOUR });
    const pruned = await server.wisp.engine.pruner.prune();
    assert.ok(pruned.deadJobs >= 1 && pruned.deadCallbacks >= 1, JSON.stringify(pruned));
    assert.equal(await dead(), 0);
    assert.deepEqual(await callbacksOf(sid), []);
    const gauge = await server.admin('GET', '/admin/v1/Jobs?state=dead&limit=100');
    assert.deepEqual(gauge.body.jobs, [], 'no dead job is left anywhere: all died over 48 hours ago');
  });

  it('keeps everything when the retentions are 0', async () => {
    const keeper = await startFastServer({ WISP_JOB_RETENTION_HOURS: '0', WISP_DEAD_JOB_RETENTION_HOURS: '0', WISP_BATCH_RETENTION_HOURS: '0' });
    try {
      const { sid } = await simAt(keeper, 'active');
      await keeper.admin('POST', '/admin/v1/Clock', { advance_seconds: 1000 * HOUR });
      assert.deepEqual(await keeper.wisp.engine.pruner.prune(), { jobs: 0, callbacks: 0, deadJobs: 0, deadCallbacks: 0, commands: 0, batches: 0 });
      const jobs = (await keeper.admin('GET', `/admin/v1/Jobs?sim_sid=${sid}&state=done`)).body.jobs as { kind: JobKind }[];
      assert.ok(jobs.some((j) => j.kind === 'operator.apply'));
    } finally {
      await keeper.close();
    }
  });

  it("deletes Commands once they are 30 days old (Twilio's retention period), whatever WISP_JOB_RETENTION_HOURS says", async () => {
    const keeper = await startFastServer({ WISP_JOB_RETENTION_HOURS: '0' });
    try {
      const { sid } = await simAt(keeper, 'active');
      const client = keeper.client();
      const old = await client.wireless.v1.commands.create({ sim: sid, command: 'old' });
      await keeper.admin('POST', '/admin/v1/Clock', { advance_seconds: 20 * 24 * HOUR });
      const young = await client.wireless.v1.commands.create({ sim: sid, command: 'young' });
      await keeper.admin('POST', '/admin/v1/Clock', { advance_seconds: 11 * 24 * HOUR });
      assert.deepEqual(await keeper.wisp.engine.pruner.prune(), { jobs: 0, callbacks: 0, deadJobs: 0, deadCallbacks: 0, commands: 1, batches: 0 });
      assert.equal(await keeper.wisp.store.commands.get(old.sid), undefined, 'the expired Command is deleted, not only hidden');
      assert.equal((await client.wireless.v1.commands(young.sid).fetch()).command, 'young');
      assert.deepEqual((await client.wireless.v1.commands.list({ sim: sid })).map((c) => c.sid), [young.sid]);
    } finally {
      await keeper.close();
    }
  });
});
