import { sql, type Kysely } from 'kysely';
import { type Dialect, seqColumn, timeType } from './columns.js';

// Bulk fleet operations (docs/bulk.md): a batch of SIM changes, and its items, fixed when the
// batch is created. Each item is one SIM (or a reference that matched none) and its outcome.
export function up(dialect: Dialect) {
  return async (db: Kysely<unknown>): Promise<void> => {
    const time = timeType(dialect);
    const seq = seqColumn(dialect);
    await db.schema
      .createTable('sim_batches')
      .addColumn('seq', seq.type, seq.build)
      .addColumn('sid', 'text', (c) => c.notNull().unique())
      .addColumn('account_sid', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      // JSON: the change each SIM gets, and who asked (for each SIM's own rules and Monitor event).
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('requester', 'text', (c) => c.notNull())
      // JSON: how the SIMs were chosen, as asked.
      .addColumn('selection', 'text', (c) => c.notNull())
      .addColumn('wait_for_updating', 'integer', (c) => c.notNull())
      .addColumn('total', 'integer', (c) => c.notNull())
      .addColumn('applied', 'integer', (c) => c.notNull())
      .addColumn('refused', 'integer', (c) => c.notNull())
      .addColumn('skipped', 'integer', (c) => c.notNull())
      // The position of the last item a run looked at.
      .addColumn('cursor', 'integer', (c) => c.notNull())
      .addColumn('idempotency_key', 'text')
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('start_at', time, (c) => c.notNull())
      .addColumn('callback_url', 'text')
      .addColumn('callback_method', 'text', (c) => c.notNull())
      .addColumn('date_created', time, (c) => c.notNull())
      .addColumn('date_updated', time, (c) => c.notNull())
      .addColumn('date_started', time)
      .addColumn('date_completed', time)
      .execute();
    await db.schema.createIndex('sim_batches_account').on('sim_batches').columns(['account_sid', 'seq']).execute();
    await db.schema
      .createIndex('sim_batches_idempotency')
      .on('sim_batches')
      .columns(['account_sid', 'idempotency_key'])
      .unique()
      .where(sql.ref('idempotency_key'), 'is not', null)
      .execute();
    await db.schema.createIndex('sim_batches_completed').on('sim_batches').column('date_completed').execute();

    await db.schema
      .createTable('sim_batch_items')
      .addColumn('batch_sid', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      // Null: the reference matched no SIM the batch's account may see.
      .addColumn('sim_sid', 'text')
      .addColumn('sim_ref', 'text', (c) => c.notNull())
      // Null while pending; applied, refused or skipped.
      .addColumn('outcome', 'text')
      .addColumn('error_reason', 'text')
      .addColumn('error_message', 'text')
      .addColumn('date_updated', time)
      .addPrimaryKeyConstraint('sim_batch_items_pk', ['batch_sid', 'position'])
      .execute();
    await db.schema.createIndex('sim_batch_items_outcome').on('sim_batch_items').columns(['batch_sid', 'outcome', 'position']).execute();
  };
}
