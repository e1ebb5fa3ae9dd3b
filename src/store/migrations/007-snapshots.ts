import type { Kysely } from 'kysely';
import { type Dialect, timeType } from './columns.js';

// Named snapshots of the whole state (POST /admin/v1/Snapshots): every other table's rows, as
// JSON, kept in the database they were taken from.
export function up(dialect: Dialect) {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema
      .createTable('snapshots')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('date_created', timeType(dialect), (c) => c.notNull())
      .addColumn('clock_ms', timeType(dialect), (c) => c.notNull())
      .addColumn('row_count', 'integer', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
  };
}
