import { after, before, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { JobRunner, Pruner, Worker, kyselyJobs, type Jobs, type NewJob, type PruneTarget, type WorkSource } from '../../src/engine/index.js';
import { kyselyStore } from '../../src/store/kysely-store.js';
import {
  HOUR,
  ManualClock,
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
  type TestTasks,
} from '../helpers/engine.js';

// The engine's queue on a bare database: unique keys, moving a queue's jobs, waking waiting
// jobs, counting due work, pruning, listing and the signal after commit; then the background
// Worker loop and the Pruner. The jobs table is emptied before each test.

describe('the job queue', () => {
  let engine: EngineDatabase;
  let clock: ManualClock;
  /** The engine's statements at the root, counting the writes they report (the signal's source). */
  let jobs: Jobs<TestTasks>;
  let writes: number;
  before(async () => {
    engine = await openEngineDatabase();
  });
  after(() => engine.close());
  beforeEach(async () => {
    await engine.clear();
    clock = new ManualClock();
    writes = 0;
    jobs = kyselyJobs<TestTasks>(engine.db, engine.dialect, () => writes++);
  });

  const now = () => clock.now();
  /** Writes a job through the counted statements: a test.job of no queue, due now, unless `fields` say otherwise. */
  const add = <K extends TestKind>(fields: Partial<NewJob<TestTasks, K>> & { kind?: K } = {}) =>
    jobs.enqueue({ kind: 'test.job', queue: null, payload: {}, runAt: now(), ...fields } as NewJob<TestTasks, K>, now());
  const get = async (id: number): Promise<TestJob> => {
    const found = await jobs.get(id);
    assert.ok(found, `job ${id} exists`);
    return found;
  };
  const states = async (ids: number[]) => Promise.all(ids.map(async (id) => (await get(id)).state));
  /** Leases due jobs (in due order) as `owner`, in a transaction as the runner does. */
  const lease = async (owner = 'worker-1', limit = 10) =>
    (await engine.store.transaction((tx) => tx.jobs.lease({ owner, dueBy: now(), realNow: Date.now(), leaseMs: 60_000, slots: [{ kinds: ['test.job', 'test.followup', 'test.step'], limit }], now: now() }))).jobs;
  /** Leases the first due job, which must be `id`. */
  const leaseOne = async (id: number, owner = 'worker-1') => {
    const leased = await lease(owner, 1);
    assert.deepEqual(leased.map((j) => j.id), [id], `job ${id} is the first due and is leased`);
  };
  const allIds = async () => (await jobs.list({ limit: 1000 })).map((j) => j.id).sort((a, b) => a - b);

  describe('unique keys', () => {
    it('returns the live job for a key it already holds, writing nothing, in every live state', async () => {
      const id = await add({ queue: 'queue-a', key: 'key-1', payload: { n: 1 } });
      const again = () => add({ queue: 'queue-b', key: 'key-1', payload: { n: 2 }, runAt: now() + HOUR });
      assert.equal(await again(), id, 'pending');
      await leaseOne(id);
      assert.equal(await again(), id, 'running');
      assert.equal(await jobs.park(id, 'worker-1', 'waiting', now()), true);
      assert.equal(await again(), id, 'waiting');
      await jobs.wakeWaiting(now());
      await leaseOne(id);
      assert.equal(await jobs.park(id, 'worker-1', 'held', now()), true);
      assert.equal(await again(), id, 'held');

      const rows = await jobs.list({ limit: 10 });
      assert.equal(rows.length, 1, 'one row');
      assert.deepEqual([rows[0].key, rows[0].queue, rows[0].payload], ['key-1', 'queue-a', { n: 1 }], 'the first job as it was written');
      // The first enqueue and the wake wrote; the four dedupes did not.
      assert.equal(writes, 2);
      assert.notEqual(await add({ key: 'key-2' }), id, 'another key is another job');
      assert.equal((await jobs.list({ limit: 10 })).length, 2);
    });

    it('dedupes within one transaction too', async () => {
      const [first, second] = await engine.store.transaction(async (tx) => {
        const job = { kind: 'test.job', queue: null, key: 'key-tx', payload: {}, runAt: now() } as const;
        return [await tx.jobs.enqueue(job, now()), await tx.jobs.enqueue(job, now())];
      });
      assert.equal(second, first);
      assert.deepEqual(await allIds(), [first]);
    });

    it('frees the key once its job is done, dead or canceled', async () => {
      const done = await add({ key: 'key-1' });
      await leaseOne(done);
      assert.equal(await jobs.finish(done, 'worker-1', 'done', now()), true);
      const dead = await add({ key: 'key-1' });
      assert.notEqual(dead, done, 'a done job does not hold its key');
      await leaseOne(dead);
      assert.equal(await jobs.finish(dead, 'worker-1', 'dead', now(), 'gave up'), true);
      const canceled = await add({ queue: 'queue-a', key: 'key-1' });
      assert.notEqual(canceled, dead, 'nor does a dead one');
      assert.equal(await jobs.move({ queue: 'queue-a', kinds: ['test.job'], from: ['pending'], to: 'canceled' }, now()), 1);
      const fourth = await add({ key: 'key-1' });
      assert.notEqual(fourth, canceled, 'nor a canceled one');
      assert.deepEqual(await states([done, dead, canceled, fourth]), ['done', 'dead', 'canceled', 'pending']);
      assert.equal(writes, 4);
    });

    it(
      'does not revive a dead job whose key a newer live job holds',
      async () => {
        const dead = await add({ queue: 'queue-a', key: 'key-1' });
        await leaseOne(dead);
        await jobs.finish(dead, 'worker-1', 'dead', now(), 'gave up');
        const live = await add({ queue: 'queue-a', key: 'key-1', runAt: now() + HOUR });
        assert.equal(await jobs.revive(dead, now()), false, 'refused, as any job that cannot be revived');
        assert.deepEqual(await states([dead, live]), ['dead', 'pending']);
      },
    );

    it('never dedupes jobs without a key', async () => {
      const a = await add();
      const b = await add();
      assert.notEqual(a, b);
    });
  });

  describe('move', () => {
    it("moves only the selected queue's live jobs of the selected kinds, from the states given; returns how many", async () => {
      const a1 = await add({ queue: 'queue-a' });
      const a2 = await add({ queue: 'queue-a', runAt: now() + HOUR });
      const aStep = await add({ kind: 'test.step', queue: 'queue-a' });
      const aFollowup = await add({ kind: 'test.followup', queue: 'queue-a', payload: { undo: 0 } });
      const b1 = await add({ queue: 'queue-b' });
      const free = await add();
      clock.advance(1000);

      assert.equal(await jobs.move({ queue: 'queue-a', kinds: ['test.job'], from: ['pending'], to: 'held' }, now()), 2);
      assert.deepEqual(await states([a1, a2, aStep, aFollowup, b1, free]), ['held', 'held', 'pending', 'pending', 'pending', 'pending']);
      assert.equal((await get(a1)).dateUpdated, now());
      assert.equal((await get(a2)).runAt, now() - 1000 + HOUR, 'the due time stays');

      assert.equal(await jobs.move({ queue: 'queue-a', kinds: ['test.job'], from: ['pending'], to: 'canceled' }, now()), 0, 'held jobs are not pending');
      assert.equal(await jobs.move({ queue: 'queue-a', kinds: ['test.step', 'test.followup'], from: ['pending'], to: 'held' }, now()), 2, 'several kinds at once');
      assert.equal(await jobs.move({ queue: 'queue-a', kinds: [], from: ['held'], to: 'pending' }, now()), 0, 'no kinds, no jobs');
      assert.equal(await jobs.move({ queue: 'queue-a', kinds: ['test.job'], from: [], to: 'pending' }, now()), 0, 'no states, no jobs');
      assert.equal(await jobs.move({ queue: 'queue-a', kinds: ['test.job', 'test.step'], from: ['pending', 'held'], to: 'canceled' }, now()), 3);
      assert.deepEqual(await states([a1, a2, aStep, aFollowup, b1, free]), ['canceled', 'canceled', 'canceled', 'held', 'pending', 'pending']);
      assert.equal(await jobs.move({ queue: 'queue-a', kinds: ['test.job'], from: ['pending', 'held'], to: 'pending' }, now()), 0, 'canceled jobs are not live');
    });

    it('never moves a running job', async () => {
      const id = await add({ queue: 'queue-a' });
      await leaseOne(id);
      assert.equal(await jobs.move({ queue: 'queue-a', kinds: ['test.job'], from: ['pending', 'held'], to: 'canceled' }, now()), 0);
      assert.equal((await get(id)).state, 'running');
    });

    it('leaves held jobs unleased until they are moved back to pending, then leases them when due', async () => {
      const now1 = await add({ queue: 'queue-a', payload: { n: 1 } });
      const later = await add({ queue: 'queue-a', payload: { n: 2 }, runAt: now() + HOUR });
      const other = await add({ queue: 'queue-b' });
      await jobs.move({ queue: 'queue-a', kinds: ['test.job'], from: ['pending'], to: 'held' }, now());
      assert.deepEqual((await lease()).map((j) => j.id), [other], 'only the job of queue-b');
      assert.equal(writes, 2, 'the job due later and moving to held wake no worker');

      assert.equal(await jobs.move({ queue: 'queue-a', kinds: ['test.job'], from: ['held'], to: 'pending' }, now()), 2);
      assert.equal(writes, 3, 'moving to pending does');
      assert.deepEqual((await lease()).map((j) => j.id), [now1]);
      assert.equal(await jobs.finish(now1, 'worker-1', 'done', now()), true);
      assert.deepEqual(await lease(), [], 'the later job keeps its due time');
      clock.advance(HOUR);
      assert.deepEqual((await lease()).map((j) => j.id), [later]);
    });
  });

  describe('cancel', () => {
    it("cancels the selected queue's unfinished jobs of the selected kinds in every state, and frees their keys at once", async () => {
      const waiting = await add({ kind: 'test.followup', queue: 'queue-a', key: 'k-waiting', payload: { undo: 0 } });
      await leaseOne(waiting);
      assert.equal(await jobs.park(waiting, 'worker-1', 'waiting', now()), true);
      const running = await add({ kind: 'test.step', queue: 'queue-a', key: 'k-running' });
      await leaseOne(running);
      const held = await add({ queue: 'queue-a', key: 'k-held', runAt: now() + HOUR });
      assert.equal(await jobs.move({ queue: 'queue-a', kinds: ['test.job'], from: ['pending'], to: 'held' }, now()), 1);
      const pending = await add({ queue: 'queue-a', key: 'k-pending' });
      const otherQueue = await add({ queue: 'queue-b', key: 'k-other' });
      clock.advance(1000);

      assert.equal(await jobs.cancel({ queue: 'queue-a', kinds: ['test.job', 'test.step'] }, now()), 3);
      assert.deepEqual(await states([waiting, running, held, pending, otherQueue]), ['waiting', 'canceled', 'canceled', 'canceled', 'pending'], 'only the selected kinds of the queue');
      assert.equal(await jobs.cancel({ queue: 'queue-a', kinds: ['test.followup'] }, now()), 1);
      assert.equal((await get(waiting)).state, 'canceled');
      const wasRunning = await get(running);
      assert.deepEqual([wasRunning.leaseOwner, wasRunning.leaseExpires, wasRunning.dateUpdated], [null, null, now()], 'the lease is gone');
      assert.equal(await jobs.finish(running, 'worker-1', 'done', now()), false, "the canceled job's late outcome writes nothing");
      assert.equal((await get(running)).state, 'canceled');

      for (const key of ['k-waiting', 'k-running', 'k-held', 'k-pending']) {
        const known = await allIds();
        assert.ok(!known.includes(await add({ queue: 'queue-a', key })), `key ${key} is free: a new job is written`);
      }
      assert.equal(await jobs.cancel({ queue: 'queue-a', kinds: [] }, now()), 0, 'no kinds, no jobs');
      assert.equal(await jobs.cancel({ queue: 'queue-c', kinds: ['test.job'] }, now()), 0, 'another queue, nothing');
    });
  });

  it('wakes every waiting job: due now, with its parked attempt refunded; nothing else', async () => {
    const w1 = await add({ queue: 'queue-a', runAt: now() - 5000 });
    const w2 = await add({ queue: 'queue-b', runAt: now() - 5000 });
    for (const id of [w1, w2]) await jobs.park(id, 'worker-1', 'waiting', now());
    assert.deepEqual(await states([w1, w2]), ['pending', 'pending'], 'park only moves a job its owner has leased');
    const leased = await lease();
    assert.equal(leased.length, 2);
    for (const id of [w1, w2]) assert.equal(await jobs.park(id, 'worker-1', 'waiting', now()), true);
    const future = await add({ queue: 'queue-c', runAt: now() + HOUR });
    const held = await add({ queue: 'queue-d' });
    await jobs.move({ queue: 'queue-d', kinds: ['test.job'], from: ['pending'], to: 'held' }, now());
    clock.advance(1000);
    writes = 0;

    assert.equal(await jobs.wakeWaiting(now()), 2);
    for (const id of [w1, w2]) {
      const woken = await get(id);
      assert.deepEqual([woken.state, woken.runAt, woken.attempts, woken.leaseOwner], ['pending', now(), 0, null]);
    }
    assert.deepEqual(await states([future, held]), ['pending', 'held']);
    assert.equal((await get(future)).runAt, now() - 1000 + HOUR);
    assert.equal(writes, 1, 'a wake that woke jobs signals');
    assert.equal(await jobs.wakeWaiting(now()), 0);
    assert.equal(writes, 1, 'one that woke none does not');
  });

  it('counts the pending and running jobs due by a time, and those caused since another', async () => {
    const t0 = now();
    const done = await add({ queue: 'queue-done', runAt: t0 - 30 });
    await leaseOne(done);
    await jobs.finish(done, 'worker-1', 'done', now());
    const running = await add({ queue: 'queue-running', runAt: t0 - 20 });
    await leaseOne(running);
    await add({ queue: 'queue-a', runAt: t0 - 10 });
    await add({ queue: 'queue-b', runAt: t0 });
    await add({ queue: 'queue-c', runAt: t0 + HOUR });
    await add({ queue: 'queue-held', runAt: t0 - 40 });
    await jobs.move({ queue: 'queue-held', kinds: ['test.job'], from: ['pending'], to: 'held' }, now());
    assert.deepEqual(await jobs.countDue(t0), { pending: 2, running: 1 }, 'neither the later, the held nor the done job');
    assert.deepEqual(await jobs.countDue(t0 - 15), { pending: 0, running: 1 }, 'only what was due by then');

    // Work caused since t0 to run at once counts with causedSince; a job written then for later does not.
    clock.advance(500);
    await add({ queue: 'queue-caused' });
    await add({ queue: 'queue-delayed', runAt: now() + 10 });
    assert.deepEqual(await jobs.countDue(t0), { pending: 2, running: 1 });
    assert.deepEqual(await jobs.countDue(t0, t0), { pending: 3, running: 1 });
    assert.deepEqual(await jobs.countDue(t0, now() + 1), { pending: 2, running: 1 }, 'caused before causedSince: not counted');
  });

  it('prunes done and canceled jobs last changed before the cutoff, up to the limit; keeps the rest', async () => {
    const t0 = now();
    const finished: number[] = [];
    for (let i = 0; i < 3; i++) finished.push(await add({ queue: `queue-done-${i}` }));
    for (const id of finished) await leaseOne(id);
    for (const id of finished) assert.equal(await jobs.finish(id, 'worker-1', 'done', now()), true);
    const canceled = await add({ queue: 'queue-canceled' });
    await jobs.move({ queue: 'queue-canceled', kinds: ['test.job'], from: ['pending'], to: 'canceled' }, now());
    const dead = await add({ queue: 'queue-dead' });
    await leaseOne(dead);
    await jobs.finish(dead, 'worker-1', 'dead', now(), 'gave up');
    const pending = await add({ queue: 'queue-pending', runAt: t0 + 10 * HOUR });
    // Created before the cutoff, finished after it.
    const lateFinish = await add({ queue: 'queue-late' });
    clock.advance(2 * HOUR);
    await leaseOne(lateFinish);
    await jobs.finish(lateFinish, 'worker-1', 'done', now());
    const young = await add({ queue: 'queue-young' });
    await leaseOne(young);
    await jobs.finish(young, 'worker-1', 'done', now());

    assert.deepEqual(await states([...finished, canceled]), ['done', 'done', 'done', 'canceled']);
    const cutoff = t0 + HOUR;
    assert.equal(await jobs.pruneFinished(cutoff, 2), 2, 'up to the limit');
    assert.equal(await jobs.pruneFinished(cutoff, 10), 2, 'then the rest');
    assert.equal(await jobs.pruneFinished(cutoff, 10), 0);
    assert.deepEqual(await allIds(), [dead, pending, lateFinish, young]);
    assert.equal(await jobs.pruneFinished(now() + 1, 10), 2, 'a later cutoff takes the late and the young done jobs');
    assert.deepEqual(await allIds(), [dead, pending]);
  });

  it('lists jobs newest first, filtered by state, kind, queue and id, up to the limit', async () => {
    const a1 = await add({ queue: 'queue-a' });
    const aStep = await add({ kind: 'test.step', queue: 'queue-a' });
    const b1 = await add({ queue: 'queue-b' });
    const free = await add({ runAt: now() + HOUR });
    const b2 = await add({ queue: 'queue-b' });
    await leaseOne(a1, 'worker-1');
    const ids = (filter: Parameters<Jobs<TestTasks>['list']>[0]) => jobs.list(filter).then((list) => list.map((j) => j.id));

    assert.deepEqual(await ids({ limit: 10 }), [b2, free, b1, aStep, a1]);
    assert.deepEqual(await ids({ limit: 2 }), [b2, free]);
    assert.deepEqual(await ids({ limit: 10, beforeId: free }), [b1, aStep, a1], 'the next page');
    assert.deepEqual(await ids({ limit: 10, state: 'running' }), [a1]);
    assert.deepEqual(await ids({ limit: 10, kind: 'test.step' }), [aStep]);
    assert.deepEqual(await ids({ limit: 10, queue: 'queue-b' }), [b2, b1]);
    assert.deepEqual(await ids({ limit: 10, queue: 'queue-a', state: 'pending' }), [aStep]);
    assert.deepEqual(await ids({ limit: 10, queue: 'queue-b', beforeId: b2 }), [b1]);
    assert.deepEqual(await ids({ limit: 10, state: 'dead' }), []);
    const [listed] = await jobs.list({ limit: 1, kind: 'test.step' });
    assert.deepEqual([listed.kind, listed.queue, listed.payload, listed.state, listed.attempts], ['test.step', 'queue-a', {}, 'pending', 0]);
  });

  describe('the signal after commit', () => {
    it('reports work that falls due: a job enqueued due now, woken, moved to pending or revived; not a dedupe, a claimed job, a job due later or a move elsewhere', async () => {
      const seen: string[] = [];
      const note = async (what: string, action: () => Promise<unknown>) => {
        const writesBefore = writes;
        await action();
        if (writes > writesBefore) seen.push(`${what} ×${writes - writesBefore}`);
      };
      await note('enqueue', () => add({ queue: 'queue-a', key: 'key-1' }));
      await note('dedupe', () => add({ queue: 'queue-a', key: 'key-1' }));
      await note('due later', () => add({ queue: 'queue-c', runAt: now() + HOUR }));
      await note('claimed', () => jobs.enqueueClaimed({ kind: 'test.step', queue: 'queue-b', payload: {}, runAt: now() }, now(), { owner: 'worker-1', leaseExpires: Date.now() + 60_000 }));
      await note('held', () => jobs.move({ queue: 'queue-a', kinds: ['test.job'], from: ['pending'], to: 'held' }, now()));
      await note('released', () => jobs.move({ queue: 'queue-a', kinds: ['test.job'], from: ['held'], to: 'pending' }, now()));
      await note('released again', () => jobs.move({ queue: 'queue-a', kinds: ['test.job'], from: ['held'], to: 'pending' }, now()));
      await note('no waiting job', () => jobs.wakeWaiting(now()));
      const [job] = await lease();
      await note('parked', () => jobs.park(job.id, 'worker-1', 'waiting', now()));
      await note('woken', () => jobs.wakeWaiting(now()));
      await leaseOne(job.id);
      await note('dead', () => jobs.finish(job.id, 'worker-1', 'dead', now(), 'gave up'));
      await note('revived', () => jobs.revive(job.id, now()));
      await note('revived again', () => jobs.revive(job.id, now()));
      // A claimed job is run by the worker that claimed it; one due later is found by the poll.
      assert.deepEqual(seen, ['enqueue ×1', 'released ×1', 'woken ×1', 'revived ×1']);
    });

    for (const options of [undefined, { replayable: { key: 'queue-a' } }]) {
      it(`fires the real store's jobsCommitted after a transaction that enqueued commits, never for one that rolled back${options ? ' (a replayable transaction)' : ''}`, async () => {
        // The store of src/store/kysely-store.ts over this database (not closed here: the engine's `after` closes the connection).
        const store = kyselyStore(engine.connection);
        let fired = 0;
        const unsubscribe = store.jobsCommitted.subscribe(() => fired++);
        try {
          const job = { kind: 'callback.deliver', queue: 'queue-a', payload: { callbackId: 0 }, runAt: now() } as const;
          const id = await store.transaction(async (tx) => {
            const written = await tx.jobs.enqueue(job, now());
            assert.equal(fired, 0, 'not before the commit');
            return written;
          }, options);
          assert.equal(fired, 1, 'once it committed');
          assert.equal((await store.jobs.get(id))?.state, 'pending');

          await assert.rejects(
            store.transaction(async (tx) => {
              await tx.jobs.enqueue(job, now());
              throw new Error('rolled back');
            }, options),
            /rolled back/,
          );
          assert.equal(fired, 1, 'a rolled back transaction fires nothing');
          assert.deepEqual(await allIds(), [id], 'and wrote nothing');

          await store.transaction(async (tx) => void (await tx.jobs.list({ limit: 1 })), options);
          assert.equal(fired, 1, 'nor one that wrote no job');

          await store.jobs.enqueue(job, now());
          assert.equal(fired, 2, 'outside a transaction, at once');
        } finally {
          unsubscribe();
        }
      });
    }
  });

  describe('the Worker loop', () => {
    const settleDone = { run: async (_job: unknown, ctx: { settle(): Promise<void> }) => ctx.settle() };

    /** The runner, counting the leases the worker asks for once they have answered. */
    function counted(runner: TestRunner) {
      const source = {
        leases: 0,
        get active() {
          return runner.active;
        },
        settings: runner.settings,
        kinds: runner.kinds,
        activeOf: (kinds: readonly string[]) => runner.activeOf(kinds),
        leaseOrContend: async (...args: Parameters<TestRunner['leaseOrContend']>) => {
          const leased = await runner.leaseOrContend(...args);
          source.leases++;
          return leased;
        },
        run: (job: TestJob) => runner.run(job),
        idle: () => runner.idle(),
        startHeartbeat: () => runner.startHeartbeat(),
        stopHeartbeat: () => runner.stopHeartbeat(),
      } satisfies WorkSource<TestJob> & { leases: number };
      return source;
    }

    it('leases and runs a job as soon as it is poked, without waiting for its next poll', async () => {
      const runner = new JobRunner(engine.store, clock, handlers({ 'test.job': settleDone }), { leaseMs: 10_000, maxAttempts: 3, backoffBaseMs: 10, backoffMaxMs: 40, concurrency: 2 }, quiet);
      const source = counted(runner);
      // A poll a minute away: only the poke can explain a prompt run.
      const worker = new Worker(source, { pollMs: 60_000, concurrency: 2 }, quiet);
      worker.start();
      try {
        await until('the first lease answered', async () => source.leases, (n) => n >= 1);
        const id = await engine.store.jobs.enqueue({ kind: 'test.job', queue: 'queue-a', payload: {}, runAt: now() }, now());
        worker.poke();
        await until('the poked worker ran the job', async () => (await get(id)).state, (s) => s === 'done');

        // As Wisp wires it: the store's signal after commit pokes the worker.
        const unsubscribe = engine.signal.subscribe(() => worker.poke());
        try {
          const next = await engine.store.transaction((tx) => tx.jobs.enqueue({ kind: 'test.job', queue: 'queue-a', payload: {}, runAt: now() }, now()));
          await until('the committed job ran', async () => (await get(next)).state, (s) => s === 'done');
        } finally {
          unsubscribe();
        }
      } finally {
        await worker.stop();
      }
    });

    it('polls for jobs that fall due, keeps at most `concurrency` running, and stop() waits for the jobs in hand', async () => {
      const release = gate();
      let running = 0;
      let most = 0;
      const runner = new JobRunner(
        engine.store,
        clock,
        handlers({
          'test.job': {
            async run(_job, ctx) {
              running++;
              most = Math.max(most, running);
              await release.opened;
              running--;
              await ctx.settle();
            },
          },
        }),
        { leaseMs: 10_000, maxAttempts: 3, backoffBaseMs: 10, backoffMaxMs: 40, concurrency: 2 },
        quiet,
      );
      const ids: number[] = [];
      for (let n = 0; n < 5; n++) ids.push(await engine.store.jobs.enqueue({ kind: 'test.job', queue: `queue-${n}`, payload: { n }, runAt: now() + HOUR }, now()));
      // Nobody pokes this worker: it finds the jobs by polling once the clock reaches them.
      const worker = new Worker(runner, { pollMs: 20, concurrency: 2 }, quiet);
      worker.start();
      let stopped = false;
      try {
        await sleep(60);
        assert.deepEqual(await states(ids), ['pending', 'pending', 'pending', 'pending', 'pending'], 'not before they are due');
        clock.advance(HOUR);
        await until('two jobs run', async () => running, (n) => n === 2);
        // A few polls later, still two: the worker leases no more than it has room for.
        await sleep(100);
        assert.equal(running, 2);
        assert.equal((await states(ids)).filter((s) => s === 'pending').length, 3);

        const stopping = worker.stop().then(() => (stopped = true));
        await sleep(50);
        assert.equal(stopped, false, 'stop waits for the jobs in hand');
        release.open();
        await stopping;
        const final = await states(ids);
        assert.equal(final.filter((s) => s === 'done').length, 2, 'the two in hand finished');
        assert.equal(final.filter((s) => s === 'pending').length, 3, 'a stopped worker leases nothing more');
        assert.equal(most, 2);
      } finally {
        release.open();
        if (!stopped) await worker.stop();
      }
    });

    it('logs a failed lease and tries again at the next poll', async () => {
      const warnings: string[] = [];
      const log = { warn: (_details: object, message: string) => void warnings.push(message), error: () => {} };
      const runner = new JobRunner(engine.store, clock, handlers({ 'test.job': settleDone }), { leaseMs: 10_000, maxAttempts: 3, backoffBaseMs: 10, backoffMaxMs: 40, concurrency: 2 }, quiet);
      let refreshes = 0;
      // The hook before each lease (Wisp refreshes its shared clock there) fails once.
      const worker = new Worker(runner, { pollMs: 20, concurrency: 2 }, log, async () => {
        if (++refreshes === 1) throw new Error('clock unreachable');
      });
      const id = await engine.store.jobs.enqueue({ kind: 'test.job', queue: null, payload: {}, runAt: now() }, now());
      worker.start();
      try {
        await until('the job ran', async () => (await get(id)).state, (s) => s === 'done');
        assert.deepEqual(warnings, ['leasing jobs failed; trying again shortly']);
        assert.ok(refreshes >= 2);
      } finally {
        await worker.stop();
      }
    });
  });

  describe('the Pruner', () => {
    /** A target that reports full batches `fullBatches` times, then a short one; records each call. */
    function fakeTarget(name: string, fullBatches: number, last: number) {
      const calls: { before: number; limit: number }[] = [];
      const target: PruneTarget = {
        name,
        async prune(before, limit) {
          calls.push({ before, limit });
          return calls.length <= fullBatches ? limit : last;
        },
      };
      return { target, calls };
    }

    it('prunes each target in batches until one comes back short, at the retention cutoff', async () => {
      // Two done jobs past the retention, one young.
      const old: number[] = [];
      for (let i = 0; i < 2; i++) old.push(await add({ queue: `queue-${i}` }));
      for (const id of old) await leaseOne(id);
      for (const id of old) await jobs.finish(id, 'worker-1', 'done', now());
      clock.advance(2 * HOUR);
      const young = await add({ queue: 'queue-young' });
      await leaseOne(young);
      await jobs.finish(young, 'worker-1', 'done', now());

      const other = fakeTarget('other', 2, 7);
      const pruner = new Pruner([{ name: 'jobs', prune: (before, limit) => jobs.pruneFinished(before, limit) }, other.target], clock, HOUR, quiet);
      assert.deepEqual(await pruner.prune(), { jobs: 2, other: 2 * 1000 + 7 });
      assert.deepEqual(await allIds(), [young]);
      assert.equal(other.calls.length, 3);
      assert.ok(other.calls.every((c) => c.before === now() - HOUR && c.limit === 1000), JSON.stringify(other.calls));
    });

    it('prunes nothing with a retention of 0', async () => {
      const a = fakeTarget('a', 0, 5);
      const b = fakeTarget('b', 0, 5);
      const pruner = new Pruner([a.target, b.target], clock, 0, quiet);
      assert.deepEqual(await pruner.prune(), { a: 0, b: 0 });
      pruner.start();
      await pruner.stop();
      assert.deepEqual([a.calls.length, b.calls.length], [0, 0]);
    });

    it('prunes dead jobs by when they died, with a retention of their own', async () => {
      const dead = await add({ queue: 'queue-dead' });
      await leaseOne(dead);
      await jobs.finish(dead, 'worker-1', 'dead', now(), 'gave up');
      clock.advance(2 * HOUR);
      const pruner = new Pruner([{ name: 'dead', retentionMs: 3 * HOUR, prune: (before, limit) => jobs.pruneDead(before, limit) }], clock, 0, quiet);
      assert.deepEqual(await pruner.prune(), { dead: 0 }, 'it died 2 hours ago: kept');
      assert.deepEqual(await allIds(), [dead]);
      clock.advance(2 * HOUR);
      assert.deepEqual(await pruner.prune(), { dead: 1 });
      assert.deepEqual(await allIds(), []);
    });

    it("gives a target with a retention of its own that cutoff, kept even when the pruner's is 0", async () => {
      const own = fakeTarget('own', 0, 3);
      const shared = fakeTarget('shared', 0, 4);
      const kept = fakeTarget('kept', 0, 9);
      const pruner = new Pruner([{ ...own.target, retentionMs: 30 * HOUR }, shared.target, { ...kept.target, retentionMs: 0 }], clock, HOUR, quiet);
      assert.deepEqual(await pruner.prune(), { own: 3, shared: 4, kept: 0 });
      assert.deepEqual([own.calls[0].before, shared.calls[0].before, kept.calls.length], [now() - 30 * HOUR, now() - HOUR, 0]);

      const onlyOwn = fakeTarget('only-own', 0, 2);
      const forever = fakeTarget('forever', 0, 2);
      const zero = new Pruner([{ ...onlyOwn.target, retentionMs: HOUR }, forever.target], clock, 0, quiet);
      assert.deepEqual(await zero.prune(), { 'only-own': 2, forever: 0 });
    });

    it('runs a round every minute once started, logs a failed round, and stops', async () => {
      const warnings: string[] = [];
      const log = { warn: (_details: object, message: string) => void warnings.push(message), error: () => {} };
      let rounds = 0;
      const failing: PruneTarget = {
        name: 'failing',
        async prune() {
          rounds++;
          throw new Error('disk full');
        },
      };
      mock.timers.enable({ apis: ['setInterval'] });
      try {
        const pruner = new Pruner([failing], clock, HOUR, log);
        pruner.start();
        assert.equal(rounds, 0, 'not at once');
        mock.timers.tick(60_000);
        await pruner.stop();
        assert.equal(rounds, 1);
        assert.deepEqual(warnings, ['pruning finished work failed; trying again later']);
        mock.timers.tick(5 * 60_000);
        assert.equal(rounds, 1, 'a stopped pruner runs no more rounds');
      } finally {
        mock.timers.reset();
      }
    });
  });
});
