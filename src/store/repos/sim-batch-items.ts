import { sql, type Kysely, type Selectable, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../schema.js';
import type { SimBatchItemsTable } from '../schema-batches.js';
import type { ItemOutcome, SelectionFilter, SelectionGroup, SimBatchItem, SimBatchItemRepo } from '../../domain/batches/batch-models.js';
import type { DomainErrorCode } from '../../domain/errors.js';
import type { SimStatus } from '../../domain/models.js';
import { keysetPage, toPage } from './paging.js';

const fromRow = (row: Selectable<SimBatchItemsTable>): SimBatchItem => ({
  batch_sid: row.batch_sid,
  position: Number(row.position),
  sim_sid: row.sim_sid,
  sim_ref: row.sim_ref,
  outcome: row.outcome as ItemOutcome | null,
  error_reason: row.error_reason as DomainErrorCode | null,
  error_message: row.error_message,
  date_updated: row.date_updated === null ? null : Number(row.date_updated),
});

/** The Sims a filter selects; served by the (account_sid, [status | rate_plan_sid,] seq) indexes. */
function selected<O>(q: SelectQueryBuilder<Database, 'sims', O>, filter: SelectionFilter): SelectQueryBuilder<Database, 'sims', O> {
  let r = filter.accountSids.length === 1 ? q.where('account_sid', '=', filter.accountSids[0]) : q.where('account_sid', 'in', filter.accountSids);
  if (filter.status !== undefined) r = r.where('status', '=', filter.status);
  if (filter.iccid !== undefined) r = r.where('iccid', '=', filter.iccid);
  if (filter.ratePlanSid !== undefined) r = r.where('rate_plan_sid', '=', filter.ratePlanSid);
  if (filter.eId !== undefined) r = r.where('e_id', '=', filter.eId);
  if (filter.registrationCode !== undefined) r = r.where('registration_code', '=', filter.registrationCode);
  return r;
}

export function simBatchItemRepo(db: Kysely<Database>): SimBatchItemRepo {
  return {
    async insertSelected(batchSid, filter, limit) {
      // One set-based statement: the SIMs never travel through the process.
      const rows = selected(db.selectFrom('sims'), filter)
        .select([
          sql<string>`${batchSid}`.as('batch_sid'),
          sql<number>`row_number() over (order by seq)`.as('position'),
          'sid as sim_sid',
          'sid as sim_ref',
        ])
        .orderBy('seq')
        .limit(limit);
      const result = await db.insertInto('sim_batch_items').columns(['batch_sid', 'position', 'sim_sid', 'sim_ref']).expression(rows).executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n);
    },
    async insertMany(items) {
      // 8 columns: 500 rows stay under both dialects' limits on bound parameters.
      for (let i = 0; i < items.length; i += 500) await db.insertInto('sim_batch_items').values(items.slice(i, i + 500)).execute();
    },
    async pendingAfter(batchSid, position, limit) {
      const rows = await db
        .selectFrom('sim_batch_items')
        .selectAll()
        .where('batch_sid', '=', batchSid)
        .where('outcome', 'is', null)
        .where('position', '>', position)
        .orderBy('position')
        .limit(limit)
        .execute();
      return rows.map(fromRow);
    },
    async settle(batchSid, positions, outcome, now) {
      for (let i = 0; i < positions.length; i += 500) {
        await db
          .updateTable('sim_batch_items')
          .set({ outcome, date_updated: now })
          .where('batch_sid', '=', batchSid)
          .where('position', 'in', positions.slice(i, i + 500))
          .execute();
      }
    },
    async refuse(batchSid, position, reason, message, now) {
      await db
        .updateTable('sim_batch_items')
        .set({ outcome: 'refused', error_reason: reason, error_message: message, date_updated: now })
        .where('batch_sid', '=', batchSid)
        .where('position', '=', position)
        .execute();
    },
    async skipPending(batchSid, message, now) {
      const result = await db
        .updateTable('sim_batch_items')
        .set({ outcome: 'skipped', error_message: message, date_updated: now })
        .where('batch_sid', '=', batchSid)
        .where('outcome', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async countPending(batchSid) {
      const row = await db
        .selectFrom('sim_batch_items')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('batch_sid', '=', batchSid)
        .where('outcome', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async refusals(batchSid) {
      const rows = await db
        .selectFrom('sim_batch_items')
        .select(['error_reason', (eb) => eb.fn.countAll<number>().as('n')])
        .where('batch_sid', '=', batchSid)
        .where('outcome', '=', 'refused')
        .groupBy('error_reason')
        .orderBy('error_reason')
        .execute();
      return rows.map((row) => ({ reason: row.error_reason as DomainErrorCode, count: Number(row.n) }));
    },
    async list(batchSid, outcome, page) {
      let q = db.selectFrom('sim_batch_items').selectAll().select('position as seq').where('batch_sid', '=', batchSid);
      if (outcome === 'pending') q = q.where('outcome', 'is', null);
      else if (outcome !== undefined) q = q.where('outcome', '=', outcome);
      const result = await keysetPage(q, 'position', page);
      return toPage({ rows: result.rows.map((row) => ({ ...row, seq: Number(row.seq) })), hasMore: result.hasMore }, fromRow);
    },
    async groups(filter) {
      const rows = await selected(db.selectFrom('sims'), filter)
        .select(['account_sid', 'status', 'rate_plan_sid', 'reset_status', (eb) => eb.fn.min('sid').as('sim_sid'), (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy(['account_sid', 'status', 'rate_plan_sid', 'reset_status'])
        .execute();
      return rows.map(
        (row): SelectionGroup => ({
          account_sid: row.account_sid,
          status: row.status as SimStatus,
          rate_plan_sid: row.rate_plan_sid,
          reset_status: row.reset_status,
          sim_sid: String(row.sim_sid),
          count: Number(row.n),
        }),
      );
    },
    async sample(filter, limit) {
      const rows = await selected(db.selectFrom('sims'), filter).select('sid').orderBy('seq').limit(limit).execute();
      return rows.map((row) => row.sid);
    },
  };
}
