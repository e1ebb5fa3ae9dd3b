import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.js';
import { startFastServer, until } from '../helpers/lifecycle.js';
import { JobRunner, LostLease, backoffMs, type JobHandler, type RunnerSettings } from '../../src/jobs/runner.js';
import type { Job, JobKind } from '../../src/domain/outbox.js';
import type { Store } from '../../src/store/store.js';
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
    store = server.wisp.services.store;
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

  it('signs callbacks exactly as twilio.validateRequest expects', () => {
    const token = '12345678901234567890123456789012';
    const url = 'https://example.com:8443/hook?x=1&y=two%20words';
    const params = { SimSid: 'DEx', SimStatus: 'active', ErrorCode: '', AccountSid: 'ACx' };
    const signature = twilioSignature(token, url, params);
    assert.equal(signature, twilio.getExpectedTwilioSignature(token, url, params));
    assert.ok(twilio.validateRequest(token, signature, url, params));
  });
});
