import type { Kysely } from 'kysely';

// One row: a number that grows whenever the whole state is replaced (a reset, a restored
// snapshot). Kept out of snapshots, like the credential version. Every process reads it with the
// emulated clock's offset: when it has grown, the process takes the stored offset as it is,
// even when that takes its clock back, instead of keeping the later time it had.
export function up() {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema
      .createTable('state_version')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .execute();
    await (db as Kysely<{ state_version: { id: number; version: number } }>).insertInto('state_version').values({ id: 1, version: 0 }).execute();
  };
}
