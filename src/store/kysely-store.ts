import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Store } from './store.js';
import type { Dialect } from './migrations/columns.js';
import { accountRepo } from './repos/accounts.js';
import { keyRepo } from './repos/keys.js';
import { ratePlanRepo } from './repos/rate-plans.js';
import { simRepo } from './repos/sims.js';
import { inventoryRepo } from './repos/inventory.js';
import { eventRepo } from './repos/events.js';
import { jobRepo } from './repos/jobs.js';
import { callbackRepo } from './repos/callbacks.js';
import { networkRepo } from './repos/network.js';
import { clockRepo } from './repos/clock.js';
import { feeRepo } from './repos/fees.js';
import { commandRepo } from './repos/commands.js';
import { dataSessionRepo } from './repos/data-sessions.js';
import { deviceRepo } from './repos/devices.js';
import { usageRepo } from './repos/usage.js';
import { GroupCommit } from './group-commit.js';
import { PostgresGroupCommit } from './pg-group-commit.js';
import './schema-devices.js';

/**
 * A PostgreSQL transaction whose commit does not wait for the disk: a crash of the database
 * server (not of Wisp) may lose the last few hundred milliseconds of these, which the outbox
 * then runs again. The setting goes with `begin` in one round trip.
 */
async function asynchronousCommit<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (connection) => {
    await sql.raw('begin; set local synchronous_commit = off').execute(connection);
    let result: T;
    try {
      result = await work(connection);
    } catch (error) {
      // A broken connection cannot roll back; the server ends its transaction when it closes.
      await sql.raw('rollback').execute(connection).catch(() => undefined);
      throw error;
    }
    await sql.raw('commit').execute(connection);
    return result;
  });
}

/** The Store over a Kysely handle: the same code for both dialects, inside or outside a transaction. */
export function kyselyStore(db: Kysely<Database>, dialect: Dialect, inTransaction = false): Store {
  // SQLite runs one transaction at a time per process: those that queue share a commit. On
  // PostgreSQL each transaction has a pooled connection of its own and runs alongside the others.
  const group = dialect === 'sqlite' && !inTransaction ? new GroupCommit(db) : null;
  // On PostgreSQL the job engine's own transactions, which asked together, share one.
  const replayables =
    dialect === 'postgres' && !inTransaction ? new PostgresGroupCommit(<T>(work: (trx: Kysely<Database>) => Promise<T>) => asynchronousCommit(db, work)) : null;
  return {
    dialect,
    accounts: accountRepo(db, inTransaction),
    keys: keyRepo(db),
    ratePlans: ratePlanRepo(db),
    sims: simRepo(db, dialect, inTransaction),
    inventory: inventoryRepo(db),
    events: eventRepo(db),
    jobs: jobRepo(db, dialect),
    callbacks: callbackRepo(db, inTransaction),
    network: networkRepo(db, dialect, inTransaction),
    clock: clockRepo(db),
    fees: feeRepo(db),
    commands: commandRepo(db),
    dataSessions: dataSessionRepo(db),
    devices: deviceRepo(db),
    usage: usageRepo(db),
    async transaction(work, options) {
      // Nested calls join the transaction already open.
      if (inTransaction) return work(this);
      const inTrx = (trx: Kysely<Database>) => work(kyselyStore(trx, dialect, true));
      if (group) return group.run(inTrx);
      return options?.replayable && replayables ? replayables.run(inTrx) : db.transaction().execute(inTrx);
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}
