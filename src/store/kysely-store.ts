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
import type { PostgresGroupCommit } from './pg-group-commit.js';
import type { Connection } from './connect.js';
import './schema-devices.js';

/** The Store over a database connection (connect.ts): the same code for both dialects. */
export function kyselyStore(connection: Connection): Store {
  return storeOver(connection.db, connection.dialect, false, connection.groupCommit ?? null);
}

/** The Store over a Kysely handle, the root or a transaction's. */
function storeOver(db: Kysely<Database>, dialect: Dialect, inTransaction: boolean, replayables: PostgresGroupCommit | null): Store {
  // SQLite runs one transaction at a time per process: those that queue share a commit. On
  // PostgreSQL each transaction has a pooled connection of its own and runs alongside the
  // others, and the job engine's own transactions run in groups (pg-group-commit.ts).
  const group = dialect === 'sqlite' && !inTransaction ? new GroupCommit(db) : null;
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
      const inTrx = (trx: Kysely<Database>) => work(storeOver(trx, dialect, true, null));
      if (group) return group.run(inTrx);
      if (options?.replayable && replayables) return replayables.run(inTrx, options.replayable.key);
      return db.transaction().execute(inTrx);
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}
