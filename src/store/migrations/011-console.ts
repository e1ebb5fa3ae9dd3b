import { sql, type Kysely } from 'kysely';
import { type Dialect, timeType } from './columns.js';

// The web console: its sessions, and the indexes its pages read through.
export function up(dialect: Dialect) {
  return async (db: Kysely<unknown>): Promise<void> => {
    const time = timeType(dialect);
    await db.schema
      .createTable('console_sessions')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('user_sid', 'text')
      .addColumn('proof', 'text', (c) => c.notNull())
      .addColumn('acting_account_sid', 'text')
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('date_created', time, (c) => c.notNull())
      .addColumn('expires_at', time, (c) => c.notNull())
      .addColumn('last_seen_at', time, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('console_sessions_expires').on('console_sessions').column('expires_at').execute();

    // The fleet table sorted by ICCID, alone or within a status (created order uses the
    // existing (account_sid, [status | rate_plan_sid,] seq) indexes in either direction).
    await db.schema.createIndex('sims_account_iccid').on('sims').columns(['account_sid', 'iccid']).execute();
    await db.schema.createIndex('sims_account_status_iccid').on('sims').columns(['account_sid', 'status', 'iccid']).execute();
    // Cards no account has registered: few among many, found without reading the rest.
    await db.schema
      .createIndex('sim_inventory_unregistered')
      .on('sim_inventory')
      .column('iccid')
      .where(sql.ref('sim_sid'), 'is', null)
      .execute();
  };
}
