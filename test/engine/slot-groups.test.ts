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

  it('claims a job caused at once only when no per-key limit applies to it: one without a key, not one with', async () => {
    const caused = (fairKey?: string) =>
      new JobRunner(
        engine.store,
        clock,
        handlers({
          'test.job': { run: async (_job, ctx) => ctx.settle(async (tx, at) => void (await tx.jobs.enqueue({ kind: 'test.followup', queue: 'follow', payload: { undo: 0 }, runAt: at, fairKey }, at))) },
          'test.followup': { run: () => new Promise<void>(() => {}) },
        }),
        { ...SETTINGS, groups: [{ name: 'work', kinds: ['test.job', 'test.step'], concurrency: 2 }, { name: 'followups', kinds: ['test.followup'], concurrency: 4, perKeyLimit: 1 }] },
        quiet,
      );
    for (const [fairKey, expected] of [
      [undefined, 'running'],
      ['account-a', 'pending'],
    ] as const) {
      await engine.clear();
      const parent = caused(fairKey);
      await enqueue('test.job', 'work');
      const [job] = await parent.leaseSlots([WORK]);
      await parent.run(job);
      const [followup] = await engine.store.jobs.list({ kind: 'test.followup', queue: 'follow', limit: 1 });
      // Claimed: written running, leased to the worker whose settlement caused it. Otherwise it
      // waits for a lease, which counts the key's running jobs across workers.
      assert.equal(followup.state, expected, `a follow-up ${fairKey ? 'with' : 'without'} a fairness key`);
      assert.equal(followup.leaseOwner, expected === 'running' ? parent.owner : null);
    }
  });
});

