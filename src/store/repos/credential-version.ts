import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { CredentialVersionRepo } from '../../domain/ports.js';
import { compiledQuery } from '../../lib/compiled-query.js';

const ROW = 1;

// Every process reads it many times a second; compiled once (src/lib/compiled-query.ts).
const versionRow = compiledQuery((db: Kysely<Database>) => db.selectFrom('credential_version').select('version').where('id', '=', ROW));

export function credentialVersionRepo(db: Kysely<Database>): CredentialVersionRepo {
  return {
    async current() {
      const row = await versionRow.first(db, {});
      return row ? Number(row.version) : 0;
    },
    async bump() {
      await db.updateTable('credential_version').set((eb) => ({ version: eb('version', '+', 1) })).where('id', '=', ROW).execute();
    },
  };
}
