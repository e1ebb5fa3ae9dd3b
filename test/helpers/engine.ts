import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { connect, type Connection } from '../../src/store/connect.js';
import {
  JobSignal,
  kyselyJobs,
  type AnyJob,
  type EngineDialect,
  type EngineStore,
  type JobRunner,
  type Jobs,
  type JobsDatabase,
  type TaskHandlers,
} from '../../src/engine/index.js';
import { createTestDatabaseUrl } from './database.js';

// The job engine on a bare database: the store's migrations create the jobs table, and a
// minimal engine store of our own mounts the engine's statements on it. No HTTP server, no Sims.

/** The engine tests' task map: neutral kinds, typed payloads. */
export type TestTasks = {
  'test.job': { n?: number };
  'test.followup': { undo: number };
  'test.step': { label?: string };
};
export type TestKind = keyof TestTasks;
export type TestJob = AnyJob<TestTasks>;

export interface TestTx {
  jobs: Jobs<TestTasks>;
}
export type TestStore = EngineStore<TestTasks, TestTx> & TestTx;
export type TestRunner = JobRunner<TestTasks, TestTx>;

export const HOUR = 3_600_000;

/** The engine's clock, moved by hand: a job falls due only when a test says so. */
export class ManualClock {
  constructor(public t = Date.UTC(2030, 0, 1)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
}

export const quiet = { warn: () => {}, error: () => {} };

/**
 * An engine store over `root`, built as src/store/kysely-store.ts builds its own: jobs written in
 * a transaction fire `signal` once it has committed, and never when it rolls back; outside a
 * transaction they fire it at once. `beforeCommit` runs after the work, inside the transaction,
 * for tests that must hold a transaction open.
 */
export function engineStoreOver(root: Kysely<JobsDatabase>, dialect: EngineDialect, signal: JobSignal, beforeCommit?: () => Promise<void>): TestStore {
  return {
    jobs: kyselyJobs<TestTasks>(root, dialect, signal.fire),
    async transaction(work) {
      let wrote = false;
      const result = await root.transaction().execute(async (trx) => {
        wrote = false;
        const value = await work({ jobs: kyselyJobs<TestTasks>(trx, dialect, () => (wrote = true), { transaction: true }) });
        await beforeCommit?.();
        return value;
      });
      if (wrote) signal.fire();
      return result;
    },
  };
}

export interface EngineDatabase {
  connection: Connection;
  /** The Kysely handle, typed down to the engine's table. */
  db: Kysely<JobsDatabase>;
  dialect: EngineDialect;
  signal: JobSignal;
  store: TestStore;
  /** Deletes every job, so that each test starts from an empty queue. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

/** A fresh, migrated database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set) with an engine store over it. */
export async function openEngineDatabase(): Promise<EngineDatabase> {
  const database = await createTestDatabaseUrl();
  let connection: Connection;
  try {
    connection = await connect(database.url);
  } catch (error) {
    await database.cleanup();
    throw error;
  }
  // The store's schema includes the jobs table; Kysely's handle types are invariant in it.
  const db = connection.db as unknown as Kysely<JobsDatabase>;
  const signal = new JobSignal();
  return {
    connection,
    db,
    dialect: connection.dialect,
    signal,
    store: engineStoreOver(db, connection.dialect, signal),
    async clear() {
      await db.deleteFrom('jobs').execute();
    },
    async close() {
      await connection.db.destroy();
      await database.cleanup();
    },
  };
}

/** A handler for every kind: those a test does not give fail loudly, so a stray job shows up as a failure. */
export function handlers(given: Partial<TaskHandlers<TestTasks, TestTx>>): TaskHandlers<TestTasks, TestTx> {
  const unexpected = {
    run: async (job: { kind: string }) => {
      throw new Error(`unexpected job of kind ${job.kind}`);
    },
  };
  return { 'test.job': unexpected, 'test.followup': unexpected, 'test.step': unexpected, ...given };
}

/** Leases and runs due jobs until none is left (a bounded number of rounds). */
export async function drain(runner: TestRunner): Promise<number> {
  let ran = 0;
  for (let round = 0; round < 100; round++) {
    const jobs = await runner.lease(10);
    if (jobs.length === 0) return ran;
    await Promise.all(jobs.map((job) => runner.run(job)));
    ran += jobs.length;
  }
  assert.fail('jobs kept falling due after 100 rounds');
}

/** Polls `read` until `done` holds, a bounded number of times; fails with the last value seen. */
export async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, { tries = 250, intervalMs = 20 } = {}): Promise<T> {
  let value = await read();
  for (let i = 1; i < tries && !done(value); i++) {
    await sleep(intervalMs);
    value = await read();
  }
  assert.ok(done(value), `${what}; last seen ${JSON.stringify(value)?.slice(0, 2000)}`);
  return value;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A promise a test resolves when it chooses: holds a handler (or a transaction) where it is. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
