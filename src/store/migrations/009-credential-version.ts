import type { Kysely } from 'kysely';

// One row: a number that grows whenever credentials are revoked (a key deleted, an account
// suspended or closed). Every process reads it a few times a second and forgets the
// credentials it remembers when it grows, so a revocation holds everywhere at once.
export function up() {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema
      .createTable('credential_version')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .execute();
    await (db as Kysely<{ credential_version: { id: number; version: number } }>).insertInto('credential_version').values({ id: 1, version: 0 }).execute();
  };
}
