import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JobRunner, type LeaseSlots, type RunnerSettings } from '../../src/engine/index.js';
import { ManualClock, handlers, openEngineDatabase, quiet, type EngineDatabase, type TestKind, type TestRunner } from '../helpers/engine.js';

// Leasing for slot groups on a bare database: each group takes only its own kinds, a backlog in
// one group never hides another group's due job, per-key limits hold across workers, and a
// serial queue keeps its order across groups.

const SETTINGS: RunnerSettings = { leaseMs: 60_000, maxAttempts: 3, backoffBaseMs: 10, backoffMaxMs: 40, concurrency: 4 };
const WORK: LeaseSlots = { kinds: ['test.job'], limit: 2 };
const FOLLOWUPS = (limit: number, perKeyLimit?: number): LeaseSlots => ({ kinds: ['test.followup'], limit, perKeyLimit });

describe('slot groups', () => {
  let engine: EngineDatabase;
  let clock: ManualClock;
  before(async () => {
    engine = await openEngineDatabase();
  });
  after(() => engine.close());
  beforeEach(async () => {
    await engine.clear();
    clock = new ManualClock();
  });

  const now = () => clock.now();
  const runner = (): TestRunner => new JobRunner(engine.store, clock, handlers({}), SETTINGS, quiet);
  const enqueue = (kind: TestKind, queue: string | null, fields: { fairKey?: string; runAt?: number } = {}) =>
    engine.store.jobs.enqueue({ kind, queue, payload: kind === 'test.followup' ? { undo: 0 } : {}, runAt: fields.runAt ?? now(), fairKey: fields.fairKey }, now());
  const kindsOf = (jobs: { kind: string }[]) => jobs.map((j) => j.kind).sort();

  it("fills each group's free slots from its own kinds only, in one lease", async () => {
    for (let i = 0; i < 5; i++) await enqueue('test.job', `work-${i}`);
    for (let i = 0; i < 5; i++) await enqueue('test.followup', `followup-${i}`);
    const leased = await runner().leaseSlots([WORK, FOLLOWUPS(3)]);
    assert.deepEqual(kindsOf(leased), ['test.followup', 'test.followup', 'test.followup', 'test.job', 'test.job']);
    assert.deepEqual(kindsOf(await runner().leaseSlots([FOLLOWUPS(10)])), ['test.followup', 'test.followup'], 'the rest of the follow-ups, and no work');
  });

  it("finds a group's due job behind a backlog of another group's jobs due before it", async () => {
    // Far more due work than any window of candidates reads, all of it due first.
    for (let i = 0; i < 300; i++) await enqueue('test.job', `work-${i}`, { runAt: now() - 1000 });
    const followup = await enqueue('test.followup', 'followup-0');
    const leased = await runner().leaseSlots([FOLLOWUPS(1)]);
    assert.deepEqual(leased.map((j) => j.id), [followup]);
  });

  it('starts at most perKeyLimit jobs of one key across workers, and the next once one ends', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await enqueue('test.followup', `a-${i}`, { fairKey: 'account-a' }));
    const other = await enqueue('test.followup', 'b-0', { fairKey: 'account-b' });
    const first = await runner().leaseSlots([FOLLOWUPS(10, 2)]);
    assert.deepEqual(first.map((j) => j.id).sort((x, y) => x - y), [ids[0], ids[1], other], 'two of account-a, and account-b is not held back by it');
    const second = await runner().leaseSlots([FOLLOWUPS(10, 2)]);
    assert.deepEqual(second, [], "another worker sees account-a's two running jobs");
    assert.ok(await engine.store.jobs.finish(ids[0], first[0].leaseOwner as string, 'done', now(), null));
    assert.deepEqual((await runner().leaseSlots([FOLLOWUPS(10, 2)])).map((j) => j.id), [ids[2]], 'one more once one ended');
  });

  it("keeps a queue in order across groups: a later job waits while an earlier one's group is full", async () => {
    const blocker = await enqueue('test.job', 'busy');
    const earlier = await enqueue('test.job', 'sim-1');
    const later = await enqueue('test.followup', 'sim-1');
    const free = await enqueue('test.followup', 'sim-2');
    // The work group has one slot: the blocker takes it, so sim-1's earlier job cannot start.
    const leased = await runner().leaseSlots([{ kinds: ['test.job'], limit: 1 }, FOLLOWUPS(5)]);
    assert.deepEqual(leased.map((j) => j.id).sort((x, y) => x - y), [blocker, free], "sim-1's follow-up waits for sim-1's earlier job");
    const next = await runner().leaseSlots([{ kinds: ['test.job'], limit: 1 }, FOLLOWUPS(5)]);
    assert.deepEqual(next.map((j) => j.id), [earlier]);
    assert.equal((await engine.store.jobs.get(later))?.state, 'pending');
  });

  it("takes over an expired lease within the job's own group only", async () => {
    const id = await enqueue('test.followup', 'sim-1');
    const [leased] = await runner().leaseSlots([FOLLOWUPS(1)]);
    assert.equal(leased.id, id);
    // The lease runs out (real time) while its owner is gone.
    await engine.db.updateTable('jobs').set({ lease_expires: Date.now() - 1 }).where('id', '=', id).execute();
    assert.deepEqual(await runner().leaseSlots([WORK]), [], 'not by the work group');
    const taken = await runner().leaseSlots([FOLLOWUPS(1)]);
    assert.deepEqual(taken.map((j) => [j.id, j.attempts]), [[id, 2]], 'by its own group, as a second attempt');
  });

  /** A runner whose test.job causes a follow-up of `fairKey`, in a group limited to `perKeyLimit` per key; follow-ups never end. */
  const causing = (fairKey: string | undefined, perKeyLimit: number, concurrency = 4) =>
    new JobRunner(
      engine.store,
      clock,
      handlers({
        'test.job': { run: async (job, ctx) => ctx.settle(async (tx, at) => void (await tx.jobs.enqueue({ kind: 'test.followup', queue: `follow-${job.id}`, payload: { undo: 0 }, runAt: at, fairKey }, at))) },
        'test.followup': { run: () => new Promise<void>(() => {}) },
      }),
      { ...SETTINGS, groups: [{ name: 'work', kinds: ['test.job', 'test.step'], concurrency }, { name: 'followups', kinds: ['test.followup'], concurrency, perKeyLimit }] },
      quiet,
    );
  const followups = async () => (await engine.store.jobs.list({ kind: 'test.followup', limit: 100 })).map((j) => ({ state: j.state, owner: j.leaseOwner }));

  it("claims a job caused at once when its key is under the group's limit across workers, and leaves it to a lease when not", async () => {
    for (const [fairKey, runningElsewhere, expected] of [
      [undefined, 1, 'running'],
      ['account-a', 0, 'running'],
      ['account-a', 1, 'pending'],
      ['account-b', 1, 'running'],
    ] as const) {
      await engine.clear();
      // Another worker runs one follow-up of account-a.
      if (runningElsewhere) {
        await enqueue('test.followup', 'elsewhere', { fairKey: 'account-a' });
        assert.equal((await runner().leaseSlots([FOLLOWUPS(1)])).length, 1);
      }
      const parent = causing(fairKey, 1);
      await enqueue('test.job', 'work');
      const [job] = await parent.leaseSlots([WORK]);
      await parent.run(job);
      const [followup] = await engine.store.jobs.list({ kind: 'test.followup', queue: `follow-${job.id}`, limit: 1 });
      // Claimed: written running, leased to the worker whose settlement caused it. Otherwise it
      // waits for a lease, which counts the key's running jobs across workers.
      assert.equal(followup.state, expected, `a follow-up ${fairKey ? `of ${fairKey}` : 'without a fairness key'}, ${runningElsewhere} of account-a running elsewhere`);
      assert.equal(followup.leaseOwner, expected === 'running' ? parent.owner : null);
    }
  });

  it('never claims past a per-key limit, however many transactions cause jobs of that key at once', async () => {
    // Two workers (on PostgreSQL, transactions side by side) each settle eight jobs at once,
    // every one causing a follow-up of account-a, which may run two at a time.
    const workers = [causing('account-a', 2, 8), causing('account-a', 2, 8)];
    for (let i = 0; i < 16; i++) await enqueue('test.job', `work-${i}`);
    const leased = [await workers[0].leaseSlots([{ kinds: ['test.job'], limit: 8 }]), await workers[1].leaseSlots([{ kinds: ['test.job'], limit: 8 }])];
    assert.equal(leased.flat().length, 16);
    await Promise.all(workers.flatMap((w, i) => leased[i].map((job) => w.run(job))));
    const states = await followups();
    assert.equal(states.length, 16, 'every job caused its follow-up');
    assert.equal(states.filter((f) => f.state === 'running').length, 2, 'two running: claimed, no more');
    assert.equal(states.filter((f) => f.state === 'pending').length, 14, 'the rest wait for a lease');
    assert.deepEqual(await runner().leaseSlots([FOLLOWUPS(10, 2)]), [], 'which starts none while two run');
  });

  it('keeps to the limit when claims of one key are made side by side in one transaction', async () => {
    // As a grouped commit runs several jobs' outcomes in one database transaction, their
    // statements side by side: claims of one key are made one at a time.
    const limit = { kinds: ['test.followup'], limit: 1, realNow: Date.now() };
    const claim = { owner: 'worker-1', leaseExpires: Date.now() + 60_000 };
    const outcomes = await engine.store.transaction((tx) =>
      Promise.all([0, 1, 2].map((i) => tx.jobs.enqueueClaimedWithin({ kind: 'test.followup', queue: `sim-${i}`, payload: { undo: 0 }, runAt: now(), fairKey: 'account-a' }, now(), claim, limit))),
    );
    assert.equal(outcomes.filter((o) => o.claimed).length, 1, JSON.stringify(outcomes));
    const states = await Promise.all(outcomes.map(async (o) => (await engine.store.jobs.get(o.id))?.state));
    assert.deepEqual([...states].sort(), ['pending', 'pending', 'running']);
  });
});
