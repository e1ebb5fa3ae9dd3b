import type { Kysely, Selectable } from 'kysely';
import type { HttpMethod, Sim, SimStatus } from '../../domain/models.js';
import type { Database, SimsTable } from '../schema.js';
import type { SimRepo } from '../../domain/ports.js';
import { keysetPage, toPage } from './paging.js';
import { DomainError } from '../../domain/errors.js';
import { mapUnique } from '../unique.js';
import { compiledQuery } from '../../lib/compiled-query.js';
import { coalescedReads } from '../tuning/coalesced.js';

// A concurrent request can pass the domain's own uniqueness check at the same moment.
const taken = {
  unique_name: () => new DomainError('unique_name_taken', 'UniqueName is already used by another Sim of this account'),
  iccid: () => new DomainError('registration_taken', 'The SIM card was registered by another request at the same time'),
};

// Built field by field, not by spreading the row: lists build thousands of these a second,
// and a literal of fixed shape is several times cheaper than copying the row's keys.
const fromRow = (row: Selectable<SimsTable>): Sim => ({
  sid: row.sid,
  account_sid: row.account_sid,
  unique_name: row.unique_name,
  friendly_name: row.friendly_name,
  iccid: row.iccid,
  e_id: row.e_id,
  registration_code: row.registration_code,
  status: row.status as SimStatus,
  reset_status: row.reset_status as Sim['reset_status'],
  rate_plan_sid: row.rate_plan_sid,
  commands_callback_url: row.commands_callback_url,
  commands_callback_method: row.commands_callback_method as HttpMethod,
  sms_url: row.sms_url,
  sms_method: row.sms_method as HttpMethod,
  sms_fallback_url: row.sms_fallback_url,
  sms_fallback_method: row.sms_fallback_method as HttpMethod,
  voice_url: row.voice_url,
  voice_method: row.voice_method as HttpMethod,
  voice_fallback_url: row.voice_fallback_url,
  voice_fallback_method: row.voice_fallback_method as HttpMethod,
  ip_address: row.ip_address,
  date_created: row.date_created,
  date_updated: row.date_updated,
});

// The hot reads, compiled once (src/lib/compiled-query.ts).
const simBySid = compiledQuery((db: Kysely<Database>, p: { sid: string }) => db.selectFrom('sims').selectAll().where('sid', '=', p.sid));
const simBySidForUpdate = compiledQuery((db: Kysely<Database>, p: { sid: string }) =>
  db.selectFrom('sims').selectAll().where('sid', '=', p.sid).forUpdate(),
);
const simByUniqueName = compiledQuery((db: Kysely<Database>, p: { accountSid: string; uniqueName: string }) =>
  db.selectFrom('sims').selectAll().where('account_sid', '=', p.accountSid).where('unique_name', '=', p.uniqueName),
);

export function simRepo(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', inTransaction: boolean): SimRepo {
  // Concurrent fetches outside a transaction share queries (src/store/tuning/coalesced.ts).
  const getOutsideTransaction = inTransaction
    ? undefined
    : coalescedReads(db, { select: (db, sids: string[]) => db.selectFrom('sims').selectAll().where('sid', 'in', sids), keyOf: (row) => row.sid, maxBatch: 50 });
  return {
    async insert(sim) {
      await mapUnique(db.insertInto('sims').values(sim).execute(), taken);
    },
    async insertMany(sims) {
      // 400 rows of 24 columns stay under both dialects' limits on bound parameters.
      for (let i = 0; i < sims.length; i += 400) {
        await mapUnique(db.insertInto('sims').values(sims.slice(i, i + 400)).execute(), taken);
      }
    },
    async get(sid) {
      const row = getOutsideTransaction ? await getOutsideTransaction(sid) : await simBySid.first(db, { sid });
      return row && fromRow(row);
    },
    async getByUniqueName(accountSid, uniqueName) {
      const row = await simByUniqueName.first(db, { accountSid, uniqueName });
      return row && fromRow(row);
    },
    async getMany(sids) {
      const found: Sim[] = [];
      for (let i = 0; i < sids.length; i += 500) {
        const rows = await db.selectFrom('sims').selectAll().where('sid', 'in', sids.slice(i, i + 500)).execute();
        for (const row of rows) found.push(fromRow(row));
      }
      return found;
    },
    async getManyByUniqueName(accountSid, uniqueNames) {
      const found: Sim[] = [];
      for (let i = 0; i < uniqueNames.length; i += 500) {
        const rows = await db.selectFrom('sims').selectAll().where('account_sid', '=', accountSid).where('unique_name', 'in', uniqueNames.slice(i, i + 500)).execute();
        for (const row of rows) found.push(fromRow(row));
      }
      return found;
    },
    async getForUpdate(sid) {
      // SQLite serialises writers already; PostgreSQL needs the row lock.
      const row = await (dialect === 'postgres' ? simBySidForUpdate : simBySid).first(db, { sid });
      return row && fromRow(row);
    },
    async list(filter, page) {
      let q = db.selectFrom('sims').selectAll().where('account_sid', '=', filter.accountSid);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      if (filter.iccid !== undefined) q = q.where('iccid', '=', filter.iccid);
      if (filter.ratePlanSid !== undefined) q = q.where('rate_plan_sid', '=', filter.ratePlanSid);
      if (filter.eId !== undefined) q = q.where('e_id', '=', filter.eId);
      if (filter.registrationCode !== undefined) q = q.where('registration_code', '=', filter.registrationCode);
      if (filter.resetStatus !== undefined) q = q.where('reset_status', '=', filter.resetStatus);
      return toPage(await keysetPage(q, 'seq', page), fromRow);
    },
    async browse(filter, order, cursor, limit) {
      let q = db.selectFrom('sims').selectAll().where('account_sid', '=', filter.accountSid);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      if (filter.iccid !== undefined) q = q.where('iccid', '=', filter.iccid);
      if (filter.ratePlanSid !== undefined) q = q.where('rate_plan_sid', '=', filter.ratePlanSid);
      let column: 'seq' | 'iccid' | 'unique_name' = order.by === 'iccid' ? 'iccid' : 'seq';
      let direction = order.direction;
      const prefix = filter.uniqueNamePrefix;
      if (prefix !== undefined) {
        // [prefix, its successor): a range the (account_sid, unique_name) index serves in order,
        // exact in byte order (SQLite; PostgreSQL with the C collation). Rows outside the prefix
        // under another collation are dropped below.
        const last = prefix.codePointAt(prefix.length - 1) ?? 0;
        const successor = prefix.slice(0, prefix.length - (last > 0xffff ? 2 : 1)) + String.fromCodePoint(Math.min(last + 1, 0x10ffff));
        q = q.where('unique_name', '>=', prefix).where('unique_name', '<', successor);
        column = 'unique_name';
        direction = 'asc';
      }
      const back = cursor.before !== undefined;
      const read = back ? (direction === 'asc' ? 'desc' : 'asc') : direction;
      const key = back ? cursor.before : cursor.after;
      if (key !== undefined) q = q.where(column, read === 'asc' ? '>' : '<', column === 'seq' ? Number(key) : key);
      const rows = await q.orderBy(column, read).limit(limit + 1).execute();
      const hasMore = rows.length > limit;
      if (hasMore) rows.pop();
      if (back) rows.reverse();
      const shown = prefix === undefined ? rows : rows.filter((row) => row.unique_name?.startsWith(prefix));
      return { items: shown.map(fromRow), keys: shown.map((row) => String(row[column])), hasMore };
    },
    async countByStatus(accountSid) {
      // Read from the (account_sid, status, seq) index alone.
      const rows = await db
        .selectFrom('sims')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('account_sid', '=', accountSid)
        .groupBy('status')
        .execute();
      return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
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
      await mapUnique(db.updateTable('sims').set(changes).where('sid', '=', sid).execute(), taken);
    },
    async delete(sid) {
      await db.deleteFrom('sims').where('sid', '=', sid).execute();
    },
    async moveAll(from, to, now) {
      const result = await db
        .updateTable('sims')
        .set({ status: to, date_updated: now })
        .where('status', '=', from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}
