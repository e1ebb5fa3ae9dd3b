import type { Kysely, Selectable } from 'kysely';
import type { DataLimitStrategy, RatePlan } from '../../domain/models.js';
import type { Database, RatePlansTable } from '../schema.js';
import type { RatePlanRepo } from '../../domain/ports.js';
import { keysetPage, toPage } from './paging.js';
import { DomainError } from '../../domain/errors.js';
import { mapUnique } from '../unique.js';

// A concurrent request can pass the domain's own uniqueness check at the same moment.
const taken = { unique_name: () => new DomainError('unique_name_taken', 'UniqueName is already used by another RatePlan of this account') };

const fromRow = ({ seq: _seq, ...row }: Selectable<RatePlansTable>): RatePlan => ({
  ...row,
  data_enabled: row.data_enabled === 1,
  data_limit_strategy: row.data_limit_strategy as DataLimitStrategy,
  messaging_enabled: row.messaging_enabled === 1,
  voice_enabled: row.voice_enabled === 1,
  national_roaming_enabled: row.national_roaming_enabled === 1,
  international_roaming: JSON.parse(row.international_roaming) as string[],
});

const toRow = (plan: RatePlan) => ({
  ...plan,
  data_enabled: Number(plan.data_enabled),
  messaging_enabled: Number(plan.messaging_enabled),
  voice_enabled: Number(plan.voice_enabled),
  national_roaming_enabled: Number(plan.national_roaming_enabled),
  international_roaming: JSON.stringify(plan.international_roaming),
});

export function ratePlanRepo(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): RatePlanRepo {
  return {
    async lock(sid, mode) {
      // SQLite serialises writers already; PostgreSQL needs the row lock.
      let q = db.selectFrom('rate_plans').selectAll().where('sid', '=', sid);
      if (dialect === 'postgres') q = mode === 'update' ? q.forUpdate() : q.forShare();
      const row = await q.executeTakeFirst();
      return row && fromRow(row);
    },
    async insert(plan) {
      await mapUnique(db.insertInto('rate_plans').values(toRow(plan)).execute(), taken);
    },
    async get(sid) {
      const row = await db.selectFrom('rate_plans').selectAll().where('sid', '=', sid).executeTakeFirst();
      return row && fromRow(row);
    },
    async getByUniqueName(accountSid, uniqueName) {
      const row = await db
        .selectFrom('rate_plans')
        .selectAll()
        .where('account_sid', '=', accountSid)
        .where('unique_name', '=', uniqueName)
        .executeTakeFirst();
      return row && fromRow(row);
    },
    async list(accountSid, page) {
      const q = db.selectFrom('rate_plans').selectAll().where('account_sid', '=', accountSid);
      return toPage(await keysetPage(q, 'seq', page), fromRow);
    },
    async update(sid, changes) {
      await mapUnique(db.updateTable('rate_plans').set(changes).where('sid', '=', sid).execute(), taken);
    },
    async delete(sid) {
      await db.deleteFrom('rate_plans').where('sid', '=', sid).execute();
    },
  };
}
