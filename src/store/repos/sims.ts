import type { Kysely, Selectable } from 'kysely';
import type { HttpMethod, Sim, SimStatus } from '../../domain/models.js';
import type { Database, SimsTable } from '../schema.js';
import type { SimRepo } from '../store.js';
import { keysetPage, toPage } from './paging.js';

const fromRow = ({ seq: _seq, ...row }: Selectable<SimsTable>): Sim => ({
  ...row,
  status: row.status as SimStatus,
  reset_status: row.reset_status as Sim['reset_status'],
  commands_callback_method: row.commands_callback_method as HttpMethod,
  sms_method: row.sms_method as HttpMethod,
  sms_fallback_method: row.sms_fallback_method as HttpMethod,
  voice_method: row.voice_method as HttpMethod,
  voice_fallback_method: row.voice_fallback_method as HttpMethod,
});

export function simRepo(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): SimRepo {
  return {
    async insert(sim) {
      await db.insertInto('sims').values(sim).execute();
    },
    async get(sid) {
      const row = await db.selectFrom('sims').selectAll().where('sid', '=', sid).executeTakeFirst();
      return row && fromRow(row);
    },
    async getByUniqueName(accountSid, uniqueName) {
      const row = await db
        .selectFrom('sims')
        .selectAll()
        .where('account_sid', '=', accountSid)
        .where('unique_name', '=', uniqueName)
        .executeTakeFirst();
      return row && fromRow(row);
    },
    async getForUpdate(sid) {
      let q = db.selectFrom('sims').selectAll().where('sid', '=', sid);
      // SQLite serialises writers already; PostgreSQL needs the row lock.
      if (dialect === 'postgres') q = q.forUpdate();
      const row = await q.executeTakeFirst();
      return row && fromRow(row);
    },
    async list(filter, page) {
      let q = db.selectFrom('sims').selectAll().where('account_sid', '=', filter.accountSid);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      if (filter.iccid !== undefined) q = q.where('iccid', '=', filter.iccid);
      if (filter.ratePlanSid !== undefined) q = q.where('rate_plan_sid', '=', filter.ratePlanSid);
      if (filter.eId !== undefined) q = q.where('e_id', '=', filter.eId);
      if (filter.registrationCode !== undefined) q = q.where('registration_code', '=', filter.registrationCode);
      return toPage(await keysetPage(q, 'seq', page), fromRow);
    },
    async countByRatePlan(ratePlanSid) {
      const row = await db
        .selectFrom('sims')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('rate_plan_sid', '=', ratePlanSid)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async update(sid, changes) {
      await db.updateTable('sims').set(changes).where('sid', '=', sid).execute();
    },
    async delete(sid) {
      await db.deleteFrom('sims').where('sid', '=', sid).execute();
    },
    async resumeScheduled(now) {
      const result = await db
        .updateTable('sims')
        .set({ status: 'updating', date_updated: now })
        .where('status', '=', 'scheduled')
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}
