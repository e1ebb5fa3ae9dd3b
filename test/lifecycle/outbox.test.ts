import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.js';
import { startFastServer, until } from '../helpers/lifecycle.js';
import { JobRunner, LostLease, backoffMs, type JobHandler, type RunnerSettings } from '../../src/jobs/runner.js';
import type { Job, JobKind } from '../../src/domain/outbox.js';
import type { Store } from '../../src/domain/ports.js';
import { twilioSignature } from '../../src/jobs/signature.js';
import twilio from 'twilio';

const KIND = 'test.job' as JobKind;
const SETTINGS: RunnerSettings = { leaseMs: 400, maxAttempts: 3, backoffBaseMs: 10, backoffMaxMs: 40, concurrency: 4 };
const quiet = { warn: () => {}, error: () => {} };

describe('the job outbox', () => {
  // No background worker in this process: each test drives its own runners.
  let server: TestServer;
  let store: Store;
  before(async () => {
    server = await startFastServer({ WISP_ROLE: 'api' });
    store = server.wisp.store;
  });
  after(() => server.close());

  const now = () => server.wisp.engine.clock.now();
  const runner = (handler: JobHandler, settings: Partial<RunnerSettings> = {}) =>
    new JobRunner(store, server.wisp.engine.clock, { [KIND]: handler }, { ...SETTINGS, ...settings }, quiet);
  const enqueue = (simSid: string | null, payload: unknown = {}, runAt = now()) => store.jobs.enqueue({ kind: KIND, simSid, payload, runAt }, now());
  const drain = async (r: JobRunner) => {
    for (let i = 0; i < 100; i++) {
      const jobs = await r.lease(10);
      if (jobs.length === 0) return;
      await Promise.all(jobs.map((j) => r.run(j)));
    }
  };

  it('leases due jobs in due order, one per Sim at a time, and not before they are due', async () => {
    const later = await enqueue('DEsim-order-a', { n: 3 }, now() + 3_600_000);
    const b = await enqueue('DEsim-order-b', { n: 2 });
    const a1 = await enqueue('DEsim-order-a', { n: 0 }, now() - 2000);
    const a2 = await enqueue('DEsim-order-a', { n: 1 }, now() - 1000);
    const r = runner({ run: async (job, ctx) => ctx.settle(job) });
    const first = await r.lease(10);
    assert.deepEqual(first.map((j) => j.id), [a1, b], 'the earliest of Sim a, then Sim b; a2 waits for a1');
    assert.ok(first.every((j) => j.state === 'running' && j.attempts === 1 && j.leaseOwner === r.owner));
    assert.deepEqual(await r.lease(10), [], 'Sim a has a job running');
    await Promise.all(first.map((j) => r.run(j)));
    const second = await r.lease(10);
    assert.deepEqual(second.map((j) => j.id), [a2]);
    await r.run(second[0]);
    assert.equal((await store.jobs.get(a2))?.state, 'done');
    assert.equal((await store.jobs.get(later))?.state, 'pending');
  });

  it('retries a failing job with exponential backoff, then marks it dead and lets it undo its work', async () => {
    const seen: number[] = [];
    const undone: string[] = [];
    const retried: number[] = [];
    const r = runner({
      async run(job) {
        seen.push(job.attempts);
        throw new Error(`boom ${job.attempts}`);
      },
      async onRetry(_tx, job, _error, nextRunAt, at) {
        retried.push(nextRunAt - at);
        assert.equal(job.state, 'running');
      },
      async onDead(tx, job, error) {
        undone.push((error as Error).message);
        await tx.jobs.enqueue({ kind: 'test.followup' as JobKind, simSid: null, payload: { undo: job.id }, runAt: now() + 3_600_000 }, now());
      },
    });
    const id = await enqueue(null);
    await until('the job dies', async () => {
      await drain(r);
      return store.jobs.get(id);
    }, (job) => job?.state === 'dead');
    const job = (await store.jobs.get(id)) as Job;
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(job.attempts, 3);
    assert.equal(job.lastError, 'boom 3');
    assert.deepEqual(undone, ['boom 3']);
    assert.deepEqual(retried.map((ms) => ms >= 10), [true, true]);
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, 10, 40)), [10, 20, 40, 40, 40, 40, 40]);
    const followups = await store.jobs.list({ kind: 'test.followup', limit: 10 });
    assert.deepEqual(followups.map((f) => f.payload), [{ undo: id }], 'the undo committed with the dead state');

    // The admin API can give a dead job another chance.
    const revived = await server.admin('POST', `/admin/v1/Jobs/${id}/Retry`);
    assert.equal(revived.status, 200);
    assert.equal(revived.body.state, 'pending');
    assert.equal(revived.body.attempts, 0);
    assert.equal((await server.admin('POST', `/admin/v1/Jobs/${id}/Retry`)).status, 409);
    await drain(runner({ run: async (j, ctx) => ctx.settle(j) }));
    assert.equal((await store.jobs.get(id))?.state, 'done');
  });

  it("takes over a crashed process's job when its lease expires; the old owner's late outcome is discarded", async () => {
    const id = await enqueue('DEsim-crash');
    const crashed = runner({ run: async () => {} });
    const [job] = await crashed.lease(1);
    assert.equal(job.id, id);
    // The crashed process never heartbeats; until its lease expires nobody else may run the job.
    const rescuer = runner({ run: async (j, ctx) => ctx.settle(j) });
    assert.deepEqual(await rescuer.lease(10), []);
    const [taken] = await until('the lease expires', () => rescuer.lease(10), (jobs) => jobs.length === 1, { tries: 100 });
    assert.equal(taken.id, id);
    assert.equal(taken.attempts, 2, 'the lost run counts as an attempt');
    await assert.rejects(crashed.ctx.settle(job), LostLease);
    await rescuer.run(taken);
    const done = (await store.jobs.get(id)) as Job;
    assert.equal(done.state, 'done');
  });

  it('keeps the lease of a long job alive with a heartbeat', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    const slow = runner({
      async run(job, ctx) {
        started = true;
        await gate;
        await ctx.settle(job);
      },
    });
    slow.startHeartbeat();
    const id = await enqueue('DEsim-slow');
    const [job] = await slow.lease(1);
    const running = slow.run(job);
    await until('the job starts', async () => started, (s) => s);
    const other = runner({ run: async (j, ctx) => ctx.settle(j) });
    // Several lease lengths pass; the heartbeat keeps it ours.
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual((await other.lease(10)).filter((j) => j.id === id), []);
    }
    release();
    await running;
    slow.stopHeartbeat();
    assert.equal((await store.jobs.get(id))?.state, 'done');
  });

  it('runs the jobs a settlement causes at once itself, one per Sim, without waiting for a lease', async () => {
    const FOLLOW = 'test.follow' as JobKind;
    const ran: { id: number; attempts: number; owner: string | null }[] = [];
    const parent: JobHandler = {
      run: async (job, ctx) =>
        ctx.settle(job, async (tx, at) => {
          // Two steps due now for one Sim, one for another Sim, and one due later.
          for (const simSid of ['DEsim-chain-a', 'DEsim-chain-a', 'DEsim-chain-b']) await tx.jobs.enqueue({ kind: FOLLOW, simSid, payload: {}, runAt: at }, at);
          await tx.jobs.enqueue({ kind: FOLLOW, simSid: 'DEsim-chain-c', payload: {}, runAt: at + 3_600_000 }, at);
        }),
    };
    const step: JobHandler = {
      run: async (job, ctx) => {
        ran.push({ id: job.id, attempts: job.attempts, owner: job.leaseOwner });
        await ctx.settle(job);
      },
    };
    const handlers: Partial<Record<JobKind, JobHandler>> = { [KIND]: parent, [FOLLOW]: step };
    const r = new JobRunner(store, server.wisp.engine.clock, handlers, SETTINGS, quiet);
    const id = await enqueue('DEsim-chain-a');
    const [job] = await r.lease(1);
    await r.run(job);
    await r.idle();
    assert.equal(ran.length, 2, 'the first step of Sim a and the step of Sim b ran without a lease');
    assert.ok(ran.every((x) => x.attempts === 1 && x.owner === r.owner));
    const left = (await store.jobs.list({ kind: FOLLOW, limit: 10 })).filter((j) => j.id > id);
    assert.deepEqual(left.map((j) => [j.simSid, j.state]).sort(), [
      ['DEsim-chain-a', 'done'],
      ['DEsim-chain-a', 'pending'],
      ['DEsim-chain-b', 'done'],
      ['DEsim-chain-c', 'pending'],
    ]);
    await drain(r);
    assert.equal(ran.length, 3, 'the second step of Sim a is leased as usual');
  });

  it('gives a job claimed by a process that died to another worker once its lease expires', async () => {
    const FOLLOW = 'test.orphan' as JobKind;
    const ran: string[] = [];
    const parent: JobHandler = {
      run: async (job, ctx) => ctx.settle(job, async (tx, at) => void (await tx.jobs.enqueue({ kind: FOLLOW, simSid: 'DEsim-orphan', payload: {}, runAt: at }, at))),
    };
    // The first worker "dies" before its claimed step does anything.
    const step = (name: string): JobHandler => ({
      run: async (job, ctx) => (name === 'dead' ? new Promise<void>(() => {}) : (ran.push(name), ctx.settle(job))),
    });
    const handlers = (name: string): Partial<Record<JobKind, JobHandler>> => ({ [KIND]: parent, [FOLLOW]: step(name) });
    const dead = new JobRunner(store, server.wisp.engine.clock, handlers('dead'), SETTINGS, quiet);
    const alive = new JobRunner(store, server.wisp.engine.clock, handlers('alive'), SETTINGS, quiet);
    const id = await enqueue('DEsim-orphan');
    const [job] = await dead.lease(1);
    assert.equal(job.id, id);
    await dead.run(job);
    const [claimed] = (await store.jobs.list({ kind: FOLLOW, simSid: 'DEsim-orphan', limit: 1 }));
    assert.equal(claimed.state, 'running');
    assert.equal(claimed.leaseOwner, dead.owner);
    assert.deepEqual(await alive.lease(10), [], 'not while its lease holds');
    await until('the lease expires and the step runs elsewhere', async () => {
      await drain(alive);
      return store.jobs.get(claimed.id);
    }, (j) => j?.state === 'done');
    assert.deepEqual(ran, ['alive']);
  });

  it('signs callbacks exactly as twilio.validateRequest expects', () => {
    const token = '12345678901234567890123456789012';
    const url = 'https://example.com:8443/hook?x=1&y=two%20words';
    const params = { SimSid: 'DEx', SimStatus: 'active', ErrorCode: '', AccountSid: 'ACx' };
    const signature = twilioSignature(token, url, params);
    assert.equal(signature, twilio.getExpectedTwilioSignature(token, url, params));
    assert.ok(twilio.validateRequest(token, signature, url, params));
  });
});
