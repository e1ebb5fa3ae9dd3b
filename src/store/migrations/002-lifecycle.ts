import type { Kysely } from 'kysely';
import { type Dialect, seqColumn, timeType } from './columns.js';

// The lifecycle engine: the job outbox, callback deliveries, the simulated operator's settings,
// the emulated clock and the suspended-SIM fee records.
export function up(dialect: Dialect) {
  return async (db: Kysely<unknown>): Promise<void> => {
    const time = timeType(dialect);
    const seq = seqColumn(dialect);

    // Every piece of deferred work, written in the transaction of the change that causes it.
    // run_at is emulated time; lease_expires is real time, so moving the clock never frees a
    // lease that a live worker still holds.
    await db.schema
      .createTable('jobs')
      .addColumn('id', seq.type, seq.build)
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('sim_sid', 'text')
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('run_at', time, (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('lease_owner', 'text')
      .addColumn('lease_expires', time)
      .addColumn('last_error', 'text')
      .addColumn('date_created', time, (c) => c.notNull())
      .addColumn('date_updated', time, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('jobs_due').on('jobs').columns(['state', 'run_at', 'id']).execute();
    await db.schema.createIndex('jobs_sim').on('jobs').columns(['sim_sid', 'state']).execute();

    await db.schema
      .createTable('callbacks')
      .addColumn('id', seq.type, seq.build)
      .addColumn('sim_sid', 'text', (c) => c.notNull())
      .addColumn('account_sid', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('response_status', 'integer')
      .addColumn('response_body', 'text')
      .addColumn('error', 'text')
      .addColumn('duration_ms', 'integer')
      .addColumn('replay_of', 'integer')
      .addColumn('next_attempt_at', time)
      .addColumn('first_attempt_at', time)
      .addColumn('last_attempt_at', time)
      .addColumn('delivered_at', time)
      .addColumn('date_created', time, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('callbacks_sim').on('callbacks').columns(['sim_sid', 'id']).execute();

    // One row each: settings shared by every process on the database.
    await db.schema
      .createTable('network_state')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('available', 'integer', (c) => c.notNull())
      .addColumn('latency_ms', 'integer', (c) => c.notNull())
      .addColumn('failure_rate', dialect === 'postgres' ? 'double precision' : 'real', (c) => c.notNull())
      .addColumn('date_updated', time, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('emulated_clock')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('offset_ms', time, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('sim_fees')
      .addColumn('id', seq.type, seq.build)
      .addColumn('sim_sid', 'text', (c) => c.notNull())
      .addColumn('account_sid', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('period_start', time, (c) => c.notNull())
      .addColumn('period_end', time, (c) => c.notNull())
      .addColumn('date_created', time, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sim_fees_sim').on('sim_fees').columns(['sim_sid', 'period_start']).unique().execute();
  };
}
