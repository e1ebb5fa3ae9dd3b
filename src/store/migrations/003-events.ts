import type { Kysely } from 'kysely';
import { type Dialect, seqColumn, timeType } from './columns.js';

// Monitor events: an append-only audit log, listed newest first within one account.
export function up(dialect: Dialect) {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema
      .createTable('events')
      .addColumn('seq', seqColumn(dialect).type, seqColumn(dialect).build)
      .addColumn('sid', 'text', (c) => c.notNull().unique())
      .addColumn('account_sid', 'text', (c) => c.notNull())
      .addColumn('actor_sid', 'text')
      .addColumn('actor_type', 'text')
      .addColumn('actor_account_sid', 'text')
      .addColumn('description', 'text')
      .addColumn('event_data', 'text')
      .addColumn('event_date', timeType(dialect), (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('resource_sid', 'text')
      .addColumn('resource_type', 'text')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('source_ip_address', 'text')
      .execute();
    // A list walks (event_date, seq) downwards within an account, narrowed by at most one of
    // these columns (the API accepts one of them at a time, besides the date range).
    const byAccount = (name: string, columns: string[]) =>
      db.schema.createIndex(name).on('events').columns(['account_sid', ...columns, 'event_date', 'seq']).execute();
    await byAccount('events_account', []);
    await byAccount('events_account_actor', ['actor_sid']);
    await byAccount('events_account_type', ['event_type']);
    await byAccount('events_account_resource', ['resource_sid']);
    await byAccount('events_account_source_ip', ['source_ip_address']);
  };
}
