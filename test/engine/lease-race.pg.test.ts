import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JobRunner, type RunnerSettings } from '../../src/engine/index.js';
import { ManualClock, engineStoreOver, gate, handlers, openEngineDatabase, quiet, sleep, type EngineDatabase, type TestRunner } from '../helpers/engine.js';

// Two processes leasing from one PostgreSQL database at the same moment (SQLite has one writer
// at a time, so there two leases never overlap).

const SETTINGS: RunnerSettings = { leaseMs: 400, maxAttempts: 3, backoffBaseMs: 10, backoffMaxMs: 40, concurrency: 4 };

describe('leases on PostgreSQL', () => {
  let engine: EngineDatabase;
  let clock: ManualClock;
  before(async () => {
    engine = await openEngineDatabase();
    if (engine.dialect !== 'postgres') throw new Error('this file needs TEST_DATABASE_URL (npm test runs it in the PostgreSQL pass)');
  });
  after(() => engine.close());
  beforeEach(async () => {
    await engine.clear();
    clock = new ManualClock();
  });

  const now = () => clock.now();
  const runner = (): TestRunner => new JobRunner(engine.store, clock, handlers({ 'test.job': settleDone }), SETTINGS, quiet);
  const enqueue = (queue: string, payload: { n?: number }, runAt: number) => engine.store.jobs.enqueue({ kind: 'test.job', queue, payload, runAt }, now());
  const settleDone = { run: async (_job: unknown, ctx: { settle(): Promise<void> }) => ctx.settle() };

  it('leases one job per queue even when two workers lease at the same moment', async () => {
    // Worker 1's lease transaction is held open before its commit, as a slow commit or a
    // network pause would: it has locked queue-a's first candidates and marked one running.
    const inLease = gate();
    const hold = gate();
    const slowStore = engineStoreOver(engine.db, engine.dialect, engine.signal, async () => {
      inLease.open();
      await hold.opened;
    });
    const worker1 = new JobRunner(slowStore, clock, handlers({ 'test.job': settleDone }), SETTINGS, quiet);
    const worker2 = runner();
    const ids: number[] = [];
    for (let n = 0; n < 8; n++) ids.push(await enqueue('queue-a', { n }, now() - 1000 + n));
    const first = worker1.lease(1);
    await inLease.opened;
    // Worker 2 (another process, on PostgreSQL) leases meanwhile. It may answer at once or wait
    // for worker 1's commit (serialised leases would); either way worker 1 then commits.
    const second = worker2.lease(1);
    await Promise.race([second, sleep(200)]);
    hold.open();
    const leased = [...(await first), ...(await second)];
    assert.deepEqual(leased.map((j) => j.id), [ids[0]], `one job of queue-a at a time, the first; got ${JSON.stringify(leased.map((j) => j.payload))}`);
  });
});
