import type { Kysely, Selectable } from 'kysely';
import type { Account, AccountStatus } from '../../domain/models.js';
import type { AccountsTable, Database } from '../schema.js';
import type { AccountRepo } from '../../domain/ports.js';
import { keysetPage, toPage } from './paging.js';
import { compiledQuery } from '../../lib/compiled-query.js';
import { coalescedReads } from '../tuning/coalesced.js';
import type { SecretBox } from '../../lib/secret-box.js';

// Auth tokens are sealed at rest when WISP_SECRET_KEY is set (lib/secret-box.ts), each bound to
// its account's SID; the domain sees them plain.
const rowReader = (secrets: SecretBox) => ({ seq: _seq, ...row }: Selectable<AccountsTable>): Account => ({
  ...row,
  auth_token: secrets.open(row.auth_token, row.sid),
  status: row.status as AccountStatus,
  type: row.type as Account['type'],
});

// Authentication reads this on every request whose credentials are not cached, and every
// callback to sign it; outside a transaction, concurrent reads share queries (coalesced.ts).
const accountBySid = compiledQuery((db: Kysely<Database>, p: { sid: string }) => db.selectFrom('accounts').selectAll().where('sid', '=', p.sid));

export function accountRepo(db: Kysely<Database>, inTransaction: boolean, secrets: SecretBox): AccountRepo {
  const fromRow = rowReader(secrets);
  const getOutsideTransaction = inTransaction
    ? undefined
    : coalescedReads(db, { select: (db, sids: string[]) => db.selectFrom('accounts').selectAll().where('sid', 'in', sids), keyOf: (row) => row.sid, maxBatch: 16 });
  return {
    async insert(account) {
      await db.insertInto('accounts').values({ ...account, auth_token: secrets.seal(account.auth_token, account.sid) }).execute();
    },
    async get(sid) {
      const row = getOutsideTransaction ? await getOutsideTransaction(sid) : await accountBySid.first(db, { sid });
      return row && fromRow(row);
    },
    async firstMaster() {
      const row = await db
        .selectFrom('accounts')
        .selectAll()
        .whereRef('sid', '=', 'owner_account_sid')
        .orderBy('seq')
        .limit(1)
        .executeTakeFirst();
      return row && fromRow(row);
    },
    async list(filter, page) {
      let q = db
        .selectFrom('accounts')
        .selectAll()
        .where((eb) => eb.or([eb('sid', '=', filter.visibleTo), eb('owner_account_sid', '=', filter.visibleTo)]));
      if (filter.friendlyName !== undefined) q = q.where('friendly_name', '=', filter.friendlyName);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      return toPage(await keysetPage(q, 'seq', page), fromRow);
    },
    async update(sid, changes) {
      await db.updateTable('accounts').set(changes).where('sid', '=', sid).execute();
    },
  };
}

/** Seals every account's auth token again where it is not as the current key would store it; returns how many. */
export async function resealAccounts(db: Kysely<Database>, secrets: SecretBox): Promise<number> {
  const rows = await db.selectFrom('accounts').select(['sid', 'auth_token']).execute();
  let resealed = 0;
  for (const { sid, auth_token } of rows) {
    if (!secrets.needsReseal(auth_token)) continue;
    await db.updateTable('accounts').set({ auth_token: secrets.seal(secrets.open(auth_token, sid), sid) }).where('sid', '=', sid).execute();
    resealed++;
  }
  return resealed;
}
