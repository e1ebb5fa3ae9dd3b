import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { AllRepos } from '../domain/ports.js';
import type { WispTasks } from '../domain/tasks.js';
import { JobSignal, kyselyJobs, type EngineTransactionOptions, type Jobs, type JobsDatabase } from '../engine/index.js';
import type { Dialect } from './migrations/columns.js';
import { accountRepo } from './repos/accounts.js';
import { keyRepo } from './repos/keys.js';
import { ratePlanRepo } from './repos/rate-plans.js';
import { simRepo } from './repos/sims.js';
import { inventoryRepo } from './repos/inventory.js';
import { eventRepo } from './repos/events.js';
import { callbackRepo } from './repos/callbacks.js';
import { networkRepo } from './repos/network.js';
import { clockRepo } from './repos/clock.js';
import { credentialVersionRepo } from './repos/credential-version.js';
import { loginFailureRepo } from './repos/login-failures.js';
import { feeRepo } from './repos/fees.js';
import { commandRepo } from './repos/commands.js';
import { dataSessionRepo } from './repos/data-sessions.js';
import { deviceRepo } from './repos/devices.js';
import { usageRepo } from './repos/usage.js';
import { stateRepo } from './repos/state.js';
import { consoleSessionRepo } from './repos/console-sessions.js';
import { simBatchRepo } from './repos/sim-batches.js';
import { simBatchItemRepo } from './repos/sim-batch-items.js';
import { GroupCommit } from './tuning/group-commit.js';
import type { PostgresGroupCommit } from './tuning/pg-group-commit.js';
import type { Connection } from './connect.js';
import { SecretBox } from '../lib/secret-box.js';
import './schema-devices.js';
import './schema-batches.js';

/**
 * The store: every repository of the domain's ports over one database, and the job engine's
 * statements on the same handles, so a job is written in the transaction that causes it.
 */
export interface WispStore extends AllRepos {
  readonly dialect: Dialect;
  jobs: Jobs<WispTasks>;
  /**
   * Runs `work` in one transaction: everything it writes commits together or not at all. Jobs
   * it wrote fire `jobsCommitted` once it has committed.
   */
  transaction<T>(work: (tx: WispStore) => Promise<T>, options?: EngineTransactionOptions): Promise<T>;
  /** Fired after due jobs were committed in this process (workers subscribe). */
  readonly jobsCommitted: JobSignal;
  /** A cheap query that proves the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The store over a database connection (connect.ts): the same code for both dialects. `secrets`
 * seals auth tokens at rest; without it they are stored plain.
 */
export function kyselyStore(connection: Connection, secrets: SecretBox = new SecretBox(null)): WispStore {
  return storeOver(connection.db, connection.dialect, null, connection.groupCommit ?? null, new JobSignal(), secrets);
}

/**
 * The store over a Kysely handle, the root or a transaction's. Inside a transaction,
 * `afterCommit` collects what runs once it commits; at the root, jobs wake workers at once.
 */
function storeOver(db: Kysely<Database>, dialect: Dialect, afterCommit: Set<() => void> | null, replayables: PostgresGroupCommit | null, signal: JobSignal, secrets: SecretBox): WispStore {
  const inTransaction = afterCommit !== null;
  // SQLite runs one transaction at a time per process: those that queue share a commit. On
  // PostgreSQL each transaction has a pooled connection of its own and runs alongside the
  // others, and the job engine's own transactions run in groups (tuning/pg-group-commit.ts).
  const group = dialect === 'sqlite' && !inTransaction ? new GroupCommit(db) : null;
  const enqueued = afterCommit ? () => afterCommit.add(signal.fire) : signal.fire;
  return {
    dialect,
    jobsCommitted: signal,
    accounts: accountRepo(db, inTransaction, secrets),
    keys: keyRepo(db),
    ratePlans: ratePlanRepo(db, dialect),
    sims: simRepo(db, dialect, inTransaction),
    inventory: inventoryRepo(db),
    events: eventRepo(db),
    // Database includes the engine's jobs table; Kysely's handle types are invariant in it.
    jobs: kyselyJobs<WispTasks>(db as unknown as Kysely<JobsDatabase>, dialect, enqueued, { transaction: inTransaction }),
    callbacks: callbackRepo(db, inTransaction),
    network: networkRepo(db, dialect, inTransaction),
    clock: clockRepo(db),
    credentialVersion: credentialVersionRepo(db),
    loginFailures: loginFailureRepo(db),
    fees: feeRepo(db),
    commands: commandRepo(db),
    dataSessions: dataSessionRepo(db),
    devices: deviceRepo(db),
    usage: usageRepo(db),
    state: stateRepo(db, secrets),
    consoleSessions: consoleSessionRepo(db),
    simBatches: simBatchRepo(db, dialect),
    simBatchItems: simBatchItemRepo(db),
    async transaction(work, options) {
      // Nested calls join the transaction already open.
      if (inTransaction) return work(this);
      const committed = new Set<() => void>();
      const inTrx = (trx: Kysely<Database>) => {
        // A grouped transaction that rolls back runs its members again: only the last run counts.
        committed.clear();
        return work(storeOver(trx, dialect, committed, null, signal, secrets));
      };
      const result = await (group
        ? group.run(inTrx)
        : options?.replayable && replayables
          ? replayables.run(inTrx, options.replayable.key)
          : db.transaction().execute(inTrx));
      for (const hook of committed) hook();
      return result;
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}
