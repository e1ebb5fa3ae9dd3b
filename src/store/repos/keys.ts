import type { Kysely, Selectable } from 'kysely';
import type { ApiKey } from '../../domain/models.js';
import type { ApiKeysTable, Database } from '../schema.js';
import type { KeyRepo } from '../../domain/ports.js';
import { keysetPage, toPage } from './paging.js';
import { compiledQuery } from '../../lib/compiled-query.js';

const fromRow = ({ seq: _seq, ...row }: Selectable<ApiKeysTable>): ApiKey => row;

// Authentication reads this on every request whose credentials are not cached.
const keyBySid = compiledQuery((db: Kysely<Database>, p: { sid: string }) => db.selectFrom('api_keys').selectAll().where('sid', '=', p.sid));

export function keyRepo(db: Kysely<Database>): KeyRepo {
  return {
    async insert(key) {
      await db.insertInto('api_keys').values(key).execute();
    },
    async get(sid) {
      const row = await keyBySid.first(db, { sid });
      return row && fromRow(row);
    },
    async list(accountSid, page) {
      const q = db.selectFrom('api_keys').selectAll().where('account_sid', '=', accountSid);
      return toPage(await keysetPage(q, 'seq', page), fromRow);
    },
    async update(sid, changes) {
      await db.updateTable('api_keys').set(changes).where('sid', '=', sid).execute();
    },
    async delete(sid) {
      await db.deleteFrom('api_keys').where('sid', '=', sid).execute();
    },
  };
}
