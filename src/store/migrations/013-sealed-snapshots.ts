import type { Kysely } from 'kysely';

// Which key the auth tokens inside a snapshot are sealed with (lib/secret-box.ts); null: plain,
// as every snapshot taken before WISP_SECRET_KEY existed. At start, snapshots sealed otherwise
// than the accounts table are sealed again (store/secrets.ts).
export function up() {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema.alterTable('snapshots').addColumn('secrets_key_id', 'text').execute();
  };
}
