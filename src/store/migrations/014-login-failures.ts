import type { Kysely } from 'kysely';
import { type Dialect, timeType } from './columns.js';

// Failed logins counted across processes, so that several processes behind a load balancer
// refuse a guesser after the same number of attempts as one (src/http/throttle.ts). Not state:
// resets and snapshots leave it alone.
export function up(dialect: Dialect) {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema
      .createTable('login_failures')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('reset_at', timeType(dialect), (c) => c.notNull())
      .execute();
    await db.schema.createIndex('login_failures_reset_at').on('login_failures').column('reset_at').execute();
  };
}
