import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JobRunner, LostLease, backoffMs, type Job, type JobHandler, type RunnerSettings, type TaskHandlers } from '../../src/engine/index.js';
import {
  HOUR,
  ManualClock,
  drain,
  gate,
  handlers,
  openEngineDatabase,
  quiet,
  sleep,
  until,
  type EngineDatabase,
  type TestJob,
  type TestKind,
  type TestRunner,
  type TestStore,
  type TestTasks,
  type TestTx,
} from '../helpers/engine.js';

// The job runner on a bare database: leasing, outcomes, retries, the dead state, lease takeover,
// the heartbeat and claimed follow-up jobs. Each test drives its own runners; nothing runs in
// the background.

const SETTINGS: RunnerSettings = { leaseMs: 400, maxAttempts: 3, backoffBaseMs: 10, backoffMaxMs: 40, concurrency: 4 };

describe('the job runner', () => {
  let engine: EngineDatabase;
  let store: TestStore;
  let clock: ManualClock;
  before(async () => {
    engine = await openEngineDatabase();
    store = engine.store;
  });
  after(() => engine.close());
  beforeEach(async () => {
    await engine.clear();
    clock = new ManualClock();
  });

  const now = () => clock.now();
  const runner = (given: Partial<TaskHandlers<TestTasks, TestTx>>, settings: Partial<RunnerSettings> = {}): TestRunner =>
    new JobRunner(store, clock, handlers(given), { ...SETTINGS, ...settings }, quiet);
  const enqueue = (queue: string | null, payload: TestTasks['test.job'] = {}, runAt = now()) => store.jobs.enqueue({ kind: 'test.job', queue, payload, runAt }, now());
  const job = async (id: number): Promise<TestJob> => {
    const found = await store.jobs.get(id);
    assert.ok(found, `job ${id} exists`);
    return found;
  };
  const settleDone = { run: async (_job: unknown, ctx: { settle(): Promise<void> }) => ctx.settle() };
  const ofKind = async (kind: TestKind) => store.jobs.list({ kind, limit: 100 });

  it('leases due jobs in due order, one per queue at a time, and not before they are due', async () => {
    const later = await enqueue('queue-a', { n: 3 }, now() + HOUR);
    const b = await enqueue('queue-b', { n: 2 });
    const a1 = await enqueue('queue-a', { n: 0 }, now() - 2000);
    const a2 = await enqueue('queue-a', { n: 1 }, now() - 1000);
    const free = await enqueue(null, { n: 4 });
    const r = runner({ 'test.job': settleDone });
    const first = await r.lease(10);
    assert.deepEqual(first.map((j) => j.id), [a1, b, free], 'the earliest of queue-a, then queue-b and the job of no queue; a2 waits for a1');
    assert.ok(first.every((j) => j.state === 'running' && j.attempts === 1 && j.leaseOwner === r.owner));
    assert.deepEqual(first.map((j) => j.payload), [{ n: 0 }, { n: 2 }, { n: 4 }]);
    assert.deepEqual(await r.lease(10), [], 'queue-a has a job running');
    await Promise.all(first.map((j) => r.run(j)));
    const second = await r.lease(10);
    assert.deepEqual(second.map((j) => j.id), [a2]);
    await r.run(second[0]);
    assert.equal((await job(a2)).state, 'done');
    assert.deepEqual(await r.lease(10), [], 'the later job is not due yet');
    assert.equal((await job(later)).state, 'pending');
    clock.advance(HOUR);
    assert.deepEqual((await r.lease(10)).map((j) => j.id), [later], 'due once the clock reaches it');
  });

  it('leases no more than the limit asked for', async () => {
    const ids: number[] = [];
    for (const queue of ['queue-a', 'queue-b', 'queue-c']) ids.push(await enqueue(queue));
    const r = runner({ 'test.job': settleDone });
    assert.deepEqual((await r.lease(2)).map((j) => j.id), ids.slice(0, 2));
    assert.deepEqual(await r.lease(0), []);
    assert.deepEqual((await r.lease(2)).map((j) => j.id), ids.slice(2));
  });

  it('retries a failing job with exponential backoff, then marks it dead and lets it undo its work', async () => {
    const seen: number[] = [];
    const retried: number[] = [];
    const undone: string[] = [];
    const r = runner({
      'test.job': {
        async run(j) {
          seen.push(j.attempts);
          throw new Error(`boom ${j.attempts}`);
        },
        async onRetry(_tx, j, _error, nextRunAt, at) {
          retried.push(nextRunAt - at);
          assert.equal(j.state, 'running');
        },
        async onDead(tx, j, error, at) {
          undone.push((error as Error).message);
          await tx.jobs.enqueue({ kind: 'test.followup', queue: null, payload: { undo: j.id }, runAt: at + HOUR }, at);
        },
      },
    });
    const id = await enqueue(null);

    // A retry waits its backoff with jitter: from half of it to all of it (10 ms, then 20 ms).
    const within = (delay: number, full: number) => delay >= full / 2 && delay <= full;
    assert.equal(await drain(r), 1);
    const first = await job(id);
    assert.deepEqual([first.state, first.attempts, first.lastError], ['pending', 1, 'boom 1']);
    assert.ok(within(first.runAt - now(), 10), `the first retry waits 5 to 10 ms, not ${first.runAt - now()}`);
    if (first.runAt > now()) assert.equal(await drain(r), 0, 'the retry waits for its backoff');
    clock.advance(first.runAt - now());
    assert.equal(await drain(r), 1);
    const second = await job(id);
    assert.ok(within(second.runAt - now(), 20), `the backoff doubles: 10 to 20 ms, not ${second.runAt - now()}`);
    clock.advance(second.runAt - now());
    assert.equal(await drain(r), 1);

    const dead = await job(id);
    assert.equal(dead.state, 'dead');
    assert.equal(dead.attempts, 3);
    assert.equal(dead.lastError, 'boom 3');
    assert.equal(dead.leaseOwner, null);
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(retried.length, 2);
    assert.ok(within(retried[0], 10) && within(retried[1], 20), `retried after ${retried.join(' and ')} ms`);
    assert.deepEqual(undone, ['boom 3']);
    const followups = await ofKind('test.followup');
    assert.deepEqual(followups.map((f) => [f.payload, f.state]), [[{ undo: id }, 'pending']], 'the undo committed with the dead state');
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, 10, 40)), [10, 20, 40, 40, 40, 40, 40]);
  });

  it("marks a job dead even when its undo fails, and rolls the undo's writes back", async () => {
    const r = runner({
      'test.job': {
        maxAttempts: 1,
        async run() {
          throw new Error('boom');
        },
        async onDead(tx, j, _error, at) {
          await tx.jobs.enqueue({ kind: 'test.followup', queue: null, payload: { undo: j.id }, runAt: at + HOUR }, at);
          throw new Error('undo broke');
        },
      },
    });
    const id = await enqueue(null);
    await drain(r);
    const dead = await job(id);
    assert.equal(dead.state, 'dead', "the handler's maxAttempts (1) wins over the runner's (3)");
    assert.equal(dead.lastError, 'boom; undo failed: undo broke');
    assert.deepEqual(await ofKind('test.followup'), [], 'the failed undo wrote nothing');
  });

  it('revives a dead job with a fresh count of attempts; only a dead job', async () => {
    const r = runner({ 'test.job': { maxAttempts: 1, run: async () => Promise.reject(new Error('boom')) } });
    const id = await enqueue('queue-a');
    await drain(r);
    assert.equal((await job(id)).state, 'dead');

    clock.advance(HOUR);
    assert.equal(await store.jobs.revive(id, now()), true);
    const revived = await job(id);
    assert.deepEqual([revived.state, revived.attempts, revived.runAt], ['pending', 0, now()]);
    assert.equal(await store.jobs.revive(id, now()), false, 'a pending job is not revived');
    assert.equal(await store.jobs.revive(id + 1000, now()), false, 'nor a job that does not exist');

    await drain(runner({ 'test.job': settleDone }));
    const done = await job(id);
    assert.deepEqual([done.state, done.attempts], ['done', 1]);
    assert.equal(await store.jobs.revive(id, now()), false, 'nor a done one');
  });

  it('keeps the outcome a handler settles: held, waiting, or pending again with or without a refunded attempt', async () => {
    const outcomes = {
      1: { state: 'held' },
      2: { state: 'waiting' },
      3: { state: 'pending', runAt: now() + HOUR, refundAttempt: true },
      4: { state: 'pending', runAt: now() + HOUR, refundAttempt: false },
    } as const;
    const r = runner({ 'test.job': { run: async (j, ctx) => ctx.settle(async () => outcomes[j.payload.n as keyof typeof outcomes]) } });
    const ids: number[] = [];
    for (const n of [1, 2, 3, 4]) ids.push(await enqueue(`queue-${n}`, { n }));
    await drain(r);
    const jobs = await Promise.all(ids.map(job));
    assert.deepEqual(
      jobs.map((j) => [j.state, j.attempts, j.leaseOwner]),
      [
        ['held', 0, null],
        ['waiting', 0, null],
        ['pending', 0, null],
        ['pending', 1, null],
      ],
      'parking does not count as a try; a reschedule counts unless it refunds',
    );
    assert.equal(jobs[2].runAt, now() + HOUR);
  });

  it("takes over a hung process's job when its lease expires; the old owner's late outcome is discarded", async () => {
    const hang = gate();
    let lateOutcome: unknown = null;
    // No heartbeat: as if the process stopped answering while it ran the job.
    const hung = runner(
      {
        'test.job': {
          async run(j, ctx) {
            await hang.opened;
            try {
              await ctx.settle(async (tx, at) => void (await tx.jobs.enqueue({ kind: 'test.followup', queue: null, payload: { undo: j.id }, runAt: at }, at)));
            } catch (error) {
              lateOutcome = error;
              throw error;
            }
          },
        },
      },
      { leaseMs: 300 },
    );
    const id = await enqueue('queue-a');
    const [leased] = await hung.lease(1);
    assert.equal(leased.id, id);
    const hungRun = hung.run(leased);

    const rescuer = runner({ 'test.job': settleDone });
    assert.deepEqual(await rescuer.lease(10), [], 'nobody else runs it while the lease holds');
    const [taken] = await until('the lease expires', () => rescuer.lease(10), (jobs) => jobs.length === 1, { tries: 100 });
    assert.equal(taken.id, id);
    assert.equal(taken.attempts, 2, 'the lost run counts as an attempt');
    assert.equal(taken.leaseOwner, rescuer.owner);

    hang.open();
    await hungRun;
    assert.ok(lateOutcome instanceof LostLease, `the late settle throws LostLease; got ${String(lateOutcome)}`);
    const meanwhile = await job(id);
    assert.deepEqual([meanwhile.state, meanwhile.leaseOwner, meanwhile.attempts], ['running', rescuer.owner, 2], 'the late outcome changed nothing');
    assert.deepEqual(await ofKind('test.followup'), [], "the late settle's own writes rolled back");

    await rescuer.run(taken);
    assert.equal((await job(id)).state, 'done');
  });

  it("discards the outcome of a running job canceled meanwhile: its settle throws LostLease and writes nothing; the queue's next job runs", async () => {
    const hold = gate();
    let outcome: unknown = null;
    const slow = runner({
      'test.job': {
        async run(j, ctx) {
          await hold.opened;
          try {
            await ctx.settle(async (tx, at) => void (await tx.jobs.enqueue({ kind: 'test.followup', queue: null, payload: { undo: j.id }, runAt: at }, at)));
          } catch (error) {
            outcome = error;
            throw error;
          }
        },
      },
      'test.step': settleDone,
    });
    const id = await store.jobs.enqueue({ kind: 'test.job', queue: 'queue-a', key: 'the-change', payload: {}, runAt: now() }, now());
    const [leased] = await slow.lease(1);
    const running = slow.run(leased);
    assert.equal(await store.jobs.cancel({ queue: 'queue-a', kinds: ['test.job'] }, now()), 1);
    const next = await store.jobs.enqueue({ kind: 'test.step', queue: 'queue-a', key: 'the-change', payload: {}, runAt: now() }, now());
    assert.notEqual(next, id, 'the key is free at once');
    const [leasedNext] = await slow.lease(1);
    assert.equal(leasedNext?.id, next, 'the queue is free at once too');
    await slow.run(leasedNext);

    hold.open();
    await running;
    assert.ok(outcome instanceof LostLease, `the late settle throws LostLease; got ${String(outcome)}`);
    assert.equal((await job(id)).state, 'canceled');
    assert.equal((await job(next)).state, 'done');
    assert.deepEqual(await ofKind('test.followup'), [], "the canceled job's writes rolled back");
  });

  it('keeps the lease of a long job alive with a heartbeat', async () => {
    const release = gate();
    let started = false;
    const slow = runner(
      {
        'test.job': {
          async run(_j, ctx) {
            started = true;
            await release.opened;
            await ctx.settle();
          },
        },
      },
      { leaseMs: 300 },
    );
    slow.startHeartbeat();
    try {
      const id = await enqueue('queue-a');
      const [leased] = await slow.lease(1);
      const firstExpiry = leased.leaseExpires as number;
      const running = slow.run(leased);
      await until('the job starts', async () => started, (s) => s);
      const other = runner({ 'test.job': settleDone });
      // Several lease lengths pass; the heartbeat keeps the job ours.
      for (let i = 0; i < 6; i++) {
        await sleep(150);
        assert.deepEqual((await other.lease(10)).map((j) => j.id), []);
      }
      const renewed = await job(id);
      assert.equal(renewed.leaseOwner, slow.owner);
      assert.ok((renewed.leaseExpires as number) > firstExpiry + 300, `the lease was renewed (first ${firstExpiry}, now ${renewed.leaseExpires})`);
      release.open();
      await running;
      assert.equal((await job(id)).state, 'done');
    } finally {
      slow.stopHeartbeat();
    }
  });

  it('runs the jobs a settlement causes at once itself, one per queue, without waiting for a lease', async () => {
    const ran: { queue: string | null; attempts: number; owner: string | null }[] = [];
    const r = runner({
      'test.job': {
        run: async (_j, ctx) =>
          ctx.settle(async (tx, at) => {
            // Two steps due now in queue-a, one in queue-b, one due later and one with a unique key.
            for (const queue of ['queue-a', 'queue-a', 'queue-b']) await tx.jobs.enqueue({ kind: 'test.step', queue, payload: {}, runAt: at }, at);
            await tx.jobs.enqueue({ kind: 'test.step', queue: 'queue-c', payload: {}, runAt: at + HOUR }, at);
            await tx.jobs.enqueue({ kind: 'test.step', queue: 'queue-d', key: 'step-d', payload: {}, runAt: at }, at);
          }),
      },
      'test.step': {
        run: async (j, ctx) => {
          ran.push({ queue: j.queue, attempts: j.attempts, owner: j.leaseOwner });
          await ctx.settle();
        },
      },
    });
    await enqueue('queue-a');
    const [parent] = await r.lease(1);
    await r.run(parent);
    await r.idle();
    assert.deepEqual(ran.map((x) => x.queue).sort(), ['queue-a', 'queue-b'], 'the first step of queue-a and the step of queue-b ran without a lease');
    assert.ok(ran.every((x) => x.attempts === 1 && x.owner === r.owner));
    const steps = await ofKind('test.step');
    assert.deepEqual(steps.map((j) => [j.queue, j.state]).sort(), [
      ['queue-a', 'done'],
      ['queue-a', 'pending'],
      ['queue-b', 'done'],
      ['queue-c', 'pending'],
      ['queue-d', 'pending'],
    ]);
    await drain(r);
    assert.deepEqual(ran.map((x) => x.queue).sort(), ['queue-a', 'queue-a', 'queue-b', 'queue-d'], 'the second step of queue-a and the keyed step are leased as usual');
  });

  it('runs nothing a settlement caused when the settlement rolls back', async () => {
    let steps = 0;
    const r = runner({
      'test.job': {
        run: async (_j, ctx) =>
          ctx.settle(async (tx, at) => {
            await tx.jobs.enqueue({ kind: 'test.step', queue: 'queue-b', payload: {}, runAt: at }, at);
            throw new Error('the work failed after enqueueing');
          }),
      },
      'test.step': { run: async () => void steps++ },
    });
    const id = await enqueue('queue-a');
    const [parent] = await r.lease(1);
    await r.run(parent);
    await r.idle();
    assert.equal(steps, 0);
    assert.deepEqual(await ofKind('test.step'), []);
    const retrying = await job(id);
    assert.deepEqual([retrying.state, retrying.lastError], ['pending', 'the work failed after enqueueing']);
  });

  it('gives a job claimed by a process that died to another worker once its lease expires', async () => {
    const ran: string[] = [];
    const parent: JobHandler<Job<TestTasks, 'test.job'>, TestTx> = {
      run: async (_j, ctx) => ctx.settle(async (tx, at) => void (await tx.jobs.enqueue({ kind: 'test.step', queue: 'queue-a', payload: {}, runAt: at }, at))),
    };
    // The first worker "dies" before its claimed step does anything.
    const deadRunner = runner({ 'test.job': parent, 'test.step': { run: () => new Promise<void>(() => {}) } }, { leaseMs: 300 });
    const alive = runner({ 'test.job': parent, 'test.step': { run: async (_j, ctx) => (ran.push('alive'), ctx.settle()) } });
    const id = await enqueue('queue-a');
    const [leased] = await deadRunner.lease(1);
    assert.equal(leased.id, id);
    await deadRunner.run(leased);
    const [claimed] = await store.jobs.list({ kind: 'test.step', queue: 'queue-a', limit: 1 });
    assert.equal(claimed.state, 'running');
    assert.equal(claimed.leaseOwner, deadRunner.owner);
    assert.deepEqual(await alive.lease(10), [], 'not while its lease holds');
    await until(
      'the lease expires and the step runs elsewhere',
      async () => {
        await drain(alive);
        return store.jobs.get(claimed.id);
      },
      (j) => j?.state === 'done',
      { tries: 100 },
    );
    assert.deepEqual(ran, ['alive']);
    assert.equal((await job(claimed.id)).attempts, 2);
  });

  it(
    'lets the lease of a job whose failure could not be recorded expire, even while the runner has other jobs in hand',
    async () => {
      const long = gate();
      const r = runner(
        {
          'test.job': {
            run: async () => Promise.reject(new Error('boom')),
            // The retry cannot be recorded: the runner logs that the lease will expire and the job run again.
            onRetry: async () => Promise.reject(new Error('cannot record the retry')),
          },
          'test.step': { run: async (_j, ctx) => (await long.opened, ctx.settle()) },
        },
        { leaseMs: 300 },
      );
      r.startHeartbeat();
      try {
        const failing = await enqueue('queue-a');
        await store.jobs.enqueue({ kind: 'test.step', queue: 'queue-b', payload: {}, runAt: now() }, now());
        const leased = await r.lease(10);
        assert.equal(leased.length, 2);
        await Promise.race(leased.map((j) => r.run(j)));
        const orphan = await job(failing);
        assert.deepEqual([orphan.state, orphan.leaseOwner], ['running', r.owner], 'the failure was not recorded');
        const rescuer = runner({ 'test.job': settleDone });
        const [taken] = await until('its lease expires', () => rescuer.lease(10), (jobs) => jobs.length === 1, { tries: 100 });
        assert.equal(taken.id, failing);
      } finally {
        long.open();
        await r.idle();
        r.stopHeartbeat();
      }
    },
  );

  it(
    'leases the due job of a free queue even when a busy queue has many due jobs ahead of it',
    async () => {
      const r = runner({ 'test.job': settleDone });
      const busy = await enqueue('queue-a', {}, now() - 10_000);
      const [running] = await r.lease(1);
      assert.equal(running.id, busy);
      // Queue-a's backlog, all due before queue-b's job.
      for (let n = 0; n < 4; n++) await enqueue('queue-a', { n }, now() - 5000 + n);
      const free = await enqueue('queue-b');
      assert.deepEqual((await r.lease(1)).map((j) => j.id), [free], 'queue-b is free and its job is due');
    },
  );

});
